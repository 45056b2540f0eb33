# language: ja
機能: 秘密はどの位置にあってもマスクされる
  ステップの文、ドキュメント文字列、表のそれぞれに秘密を置き、コマンドの出力には
  引用・エスケープ・エンコードした形で出す。成功するステップと失敗するステップの両方で。

  シナリオ: 1. 秘密を出力する
    前提 運用テスト環境のサーバが用意されている
    もし "app" のファイル "/root/db.secret" を次の内容で作成する:
      """
      {secret.DB_PASSWORD}
      """
    かつ "app" で次のコマンドを実行する:
      """
      v=$(cat /root/db.secret)
      echo "plain: $v"
      bash -c 'printf "shell: %q\n" "$(cat /root/db.secret)"'
      printf '%s\n' "$v" | sed "s/'/''/g; s/^/sql: /"
      python3 -c 'import html, json, sys, urllib.parse as u; v = open("/root/db.secret").read().strip(); print("json:", json.dumps(v)); print("json-ascii:", json.dumps(v, ensure_ascii=True)); print("url:", u.quote(v, safe="")); print("form:", u.quote_plus(v)); print("html:", html.escape(v)); print("repr:", repr(v))'
      echo 'conn: password={secret.REPL_PASSWORD} host=db' >&2
      env PGPASSWORD=LiteralDocPw77 true
      """
    ならば 終了ステータスが 0 である
    かつ 標準出力に "{secret.DB_PASSWORD}" が含まれる
    もし "app" でコマンド "env PGPASSWORD=LiteralTitlePw88 printf '%s' '{secret.APP_PASSWORD}'" を実行する
    ならば 標準出力に "{secret.APP_PASSWORD}" が含まれる

  シナリオ: 2. 秘密を使う確認が失敗する
    ならば "app" のファイル "/root/db.secret" に "{secret.APP_PASSWORD}" が含まれる

  シナリオ: 3. 秘密を書いた表の確認が失敗する
    ならば 以下のサーバが存在し起動している:
      | サーバ | 役割         | 備考                              |
      | app    | 間違った役割 | {secret.REPL_PASSWORD}            |
      | app    | 間違った役割 | password='LiteralTablePw''99'     |
