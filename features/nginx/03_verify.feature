# language: ja
機能: 手順 7 — 動作確認
  手順書の例「Web サーバ (nginx) 構築手順書」の手順 7: 試験端末とクライアントのサーバから
  Web サイトに接続し、トップページが返ることを確かめる。

  シナリオ: 7. 試験端末とクライアントから Web サイトに接続する
    もし "http://Webサーバ/" を取得する
    ならば HTTP ステータスが 200 である
    かつ 応答の本文に "Web サーバ構築手順書のテストページ" が含まれる
    かつ 応答のヘッダ "X-Runbook" が "nginx-example" である
    かつ 応答のヘッダ "Content-Type" が "text/html" である
    かつ ブラウザで "http://Webサーバ/" を開くと "Web サーバ構築手順書のテストページ" が表示される
    かつ "http://web/no-such-page.html" が HTTP ステータス 404 を返す
    かつ "client" から "web" の TCP ポート 80 に到達できる
    かつ "クライアント" から "Webサーバ" の TCP ポート 443 に到達できない
    かつ "client" でコマンド "curl -fsS http://{web.address}/" の出力に "Web サーバ構築手順書のテストページ" が含まれる
