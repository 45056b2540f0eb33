"""The HTML pages: login and MyPage, each with the version in the footer."""
from __future__ import annotations

from html import escape

TITLE = "JobCenter CL/Web"
SESSION_EXPIRED = "セッションが切れました。再度ログインしてください。"
LOGIN_FAILED = "ユーザ名またはパスワードが正しくありません。"
SAVED = "保存しました"

STYLE = """
body{font-family:sans-serif;margin:0;background:#f4f6f8;color:#222}
header{background:#1f3a5f;color:#fff;padding:.6em 1em;font-weight:bold}
main{max-width:40em;margin:2em auto;background:#fff;padding:1.5em;border-radius:4px}
label{display:block;margin:.6em 0 .2em} input,textarea{width:100%;box-sizing:border-box}
textarea{height:12em} button{margin-top:1em;padding:.4em 1.5em}
.error{color:#b00020} .notice{color:#1b5e20}
footer{text-align:center;color:#666;font-size:small;margin:1em}
"""


def _layout(title: str, body: str, version: str, node: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="ja">
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
<style>{STYLE}</style>
</head>
<body>
<header>{TITLE}</header>
<main>
{body}
</main>
<footer><span id="version">CL/Web {escape(version)}</span> &middot; <span id="node">{escape(node)}</span></footer>
</body>
</html>
"""


def _message(text: str | None, kind: str) -> str:
    return f'<p class="{kind}" id="{kind}">{escape(text)}</p>\n' if text else ""


def login(version: str, node: str, error: str | None = None, user: str = "") -> str:
    body = f"""<h1>ログイン</h1>
{_message(error, "error")}<form method="post" action="/login">
<label for="user">ユーザ名</label>
<input id="user" name="user" value="{escape(user)}" autocomplete="username" required autofocus>
<label for="password">パスワード</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" id="login">ログイン</button>
</form>"""
    return _layout(TITLE, body, version, node)


# The newline after <textarea> is dropped by HTML parsers; without it a memo that starts
# with a newline would lose it on every save.
def mypage(version: str, node: str, user: str, memo: str, csrf: str,
           notice: str | None = None) -> str:
    body = f"""<h1>マイページ</h1>
<p>ユーザ: <span id="user">{escape(user)}</span> &middot; <a href="/logout" id="logout">ログアウト</a></p>
{_message(notice, "notice")}<form method="post" action="/mypage">
<input type="hidden" name="csrf" value="{escape(csrf)}">
<label for="memo">メモ</label>
<textarea id="memo" name="memo">
{escape(memo)}</textarea>
<button type="submit" id="save">保存</button>
</form>"""
    return _layout(f"マイページ - {TITLE}", body, version, node)


def error(version: str, node: str, text: str) -> str:
    return _layout(TITLE, f'{_message(text, "error")}<p><a href="/">{TITLE}</a></p>', version, node)
