# language: ja
機能: 手順 1 — 秘密を使う設定
  パスワードは手順書に書かない: 秘密の名前のプレースホルダで参照し、値は環境変数
  OAT_SECRET_名前 か secrets.yaml (git に入れない) から与える。

  シナリオ: 1. 秘密を使って設定する
    前提 運用テスト環境のサーバが用意されている
    もし "app" のファイル "/etc/app/app.conf" を次の内容で作成する:
      """
      [database]
      user = app
      password = {secret.DB_PASSWORD}
      """
    かつ "app" でコマンド "install -d -m 0700 /etc/app/keys && printf '%s' '{secret.APP_PASSWORD}' > /etc/app/keys/app.key" を実行する
    ならば 終了ステータスが 0 である
    かつ "app" のファイル "/etc/app/app.conf" に "password = {secret.DB_PASSWORD}" が含まれる
    かつ "app" のファイル "/etc/app/keys/app.key" に "{secret.APP_PASSWORD}" が含まれる
    かつ "app" でコマンド "grep -c '{secret.APP_PASSWORD}' /etc/app/keys/app.key" の出力に "1" が含まれる
