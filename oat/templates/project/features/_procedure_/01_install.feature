# language: ja
機能: 手順 1〜2 — nginx パッケージのインストールと確認
  手順書の例「Web サーバ (nginx) 構築手順書」の手順 1〜2 を、Webサーバ web で実行する。
  パッケージはラボのパッケージ取得元 (閉じたネットワークの apt リポジトリ) から取得する。
  汎用のステップだけで書かれている (features/@PROCEDURE@ に Python はない)。

  シナリオ: 1. nginx パッケージをインストールする
    前提 運用テスト環境のサーバが用意されている
    もし "Webサーバ" にパッケージ "nginx" をインストールする
    ならば "web" にパッケージ "nginx" がインストールされている
    かつ "web" にパッケージ "apache2" がインストールされていない

  シナリオ: 2. インストールの結果を確認する
    ならば "web" でサービス "nginx" が起動している
    かつ "web" でサービス "nginx" の自動起動が有効である
    かつ "web" で親プロセスの ID が 1 のプロセス "nginx" が動いている
    かつ "web" が TCP ポート 80 で待ち受けている
    かつ "web" にユーザ "www-data" がいる
    かつ "web" のユーザ "www-data" がグループ "www-data" に属している
    かつ "web" にファイル "/etc/nginx/nginx.conf" がある
    かつ "web" のファイル "/etc/nginx/nginx.conf" に "user www-data;" が含まれる
    もし "web" でコマンド "nginx -v" を実行する
    ならば 終了ステータスが 0 である
    かつ 標準エラー出力に "nginx version: nginx/" が含まれる
