"""tengine_support: tengine_support_report, the server configuration report collection tool
(サーバ構成レポート収集ツール) of oat's lab/packages/TENGINE.md."""
