# language: ja
@usecase-000 @概要
機能: Tengineコアと Tengineコンソールをサービスとして運用する
  Tengineコアと Tengineコンソールは systemd のサービスとして起動し、自動起動が有効なら
  サーバの再起動後も起動している。停止すればプロセスは残らない。

  背景:
    前提 運用テスト環境のサーバが用意されている

  シナリオ: Tengineコアをサービスとして起動すると、発火したイベントを処理する
    もし Tengineコア サーバの Tengineコア を起動する
    ならば Tengineコア サーバで Tengineコア のプロセスが起動している
    かつ Tengineコア サーバで Tengineコア が設定ファイルに書かれた接続先に接続している
    かつ Tengineコア サーバで Tengineコア の設定ファイルはセットアップで書いた内容と権限のままである
    かつ Tengineコア サーバで Tengineコア の自動起動が有効になっている
    かつ Tengineコンソール サーバで Tengineコンソール の自動起動が有効になっている
    もし Tengineコア サーバで tengine_fire でイベント "oat_probe" を発火する
    ならば 起動している Tengineコア がイベント "oat_probe" を DB に格納する

  @破壊的
  シナリオ: サーバを再起動しても Tengineコアと Tengineコンソールが起動している
    もし Tengineコア サーバを再起動する
    かつ Tengineコンソール サーバを再起動する
    ならば Tengineコア サーバで Tengineコア のプロセスが起動している
    かつ Tengineコンソール サーバで Tengineコンソール のプロセスが起動し、ポートで待ち受けている
    もし Tengineコア サーバで Tengineコア のテスト起動を実行する
    ならば テスト起動が成功する
    かつ ブラウザで Tengineコンソール にログインすると、イベント通知画面に "foo" と "bar" のイベントが表示されている

  @破壊的
  シナリオ: Tengineコアと Tengineコンソールを停止すると、プロセスが残らない
    もし Tengineコア サーバの Tengineコア を停止する
    かつ Tengineコンソール サーバの Tengineコンソール を停止する
    ならば Tengineコア サーバで Tengineコア のプロセスが停止している
    かつ Tengineコンソール サーバで Tengineコンソール のプロセスが停止している
    かつ Tengineコア のログに停止が記録されている
