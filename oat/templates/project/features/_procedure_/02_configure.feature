# language: ja
機能: 手順 3〜6 — nginx の設定とコンテンツの配置
  手順書の例「Web サーバ (nginx) 構築手順書」の手順 3〜6: ワーカープロセス数を設定し、
  既定のサイトを無効にして自前のサイトとトップページを配置し、設定を検査して反映する。

  シナリオ: 3. ワーカープロセス数を 3 にする
    もし "web" でコマンド "sed -i 's/^worker_processes .*/worker_processes 3;/' /etc/nginx/nginx.conf" を実行する
    ならば 終了ステータスが 0 である
    かつ "web" のファイル "/etc/nginx/nginx.conf" に "worker_processes 3;" が含まれる
    かつ "web" のファイル "/etc/nginx/nginx.conf" に "worker_processes auto;" が含まれない

  シナリオ: 4. サイトの設定ファイルとトップページを配置する
    もし "web" のファイル "/etc/nginx/sites-available/runbook" を次の内容で作成する:
      """
      server {
          listen 80 default_server;
          server_name _;
          root /var/www/runbook;
          index index.html;
          add_header X-Runbook "nginx-example" always;
      }
      """
    かつ "web" のファイル "/var/www/runbook/index.html" を次の内容で作成する:
      """
      <!DOCTYPE html>
      <html lang="ja">
      <head><meta charset="utf-8"><title>運用受入テスト</title></head>
      <body><h1>Web サーバ構築手順書のテストページ</h1></body>
      </html>
      """
    かつ "web" で次のコマンドを実行する:
      """
      rm -f /etc/nginx/sites-enabled/default
      ln -s /etc/nginx/sites-available/runbook /etc/nginx/sites-enabled/runbook
      """
    ならば 終了ステータスが 0 である
    かつ "web" の "/etc/nginx/sites-enabled/runbook" が "/etc/nginx/sites-available/runbook" へのシンボリックリンクである
    かつ "web" にファイル "/etc/nginx/sites-enabled/default" がない
    かつ "web" にフォルダ "/var/www/runbook" がある
    かつ "web" のファイル "/var/www/runbook/index.html" の権限が "0644" である
    かつ "web" のファイル "/var/www/runbook/index.html" の所有者が "root:root" である

  シナリオ: 5. 設定ファイルを検査する
    もし "web" でコマンド "nginx -t" を実行する
    ならば 終了ステータスが 0 である
    かつ 標準エラー出力に "syntax is ok" が含まれる
    かつ 標準エラー出力に "test is successful" が含まれる

  シナリオ: 6. 設定を反映する
    もし "web" でサービス "nginx" を再読み込みする
    ならば 10 秒以内に "web" でプロセス "nginx" が 4 個動いている
    かつ "web" で親プロセスの ID が 1 のプロセス "nginx" が動いている
    かつ 10 秒以内に "web" が TCP ポート 80 を "0.0.0.0" だけで待ち受けている
    かつ "web" が "web" の TCP ポート 80 で待ち受けている
