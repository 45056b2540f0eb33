"""The HTML screens, in Japanese. Every value from the DB or the request goes through escape()."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from html import escape
from typing import Callable

PRODUCT = "Tengine コンソール"
LOGIN_FAILED = "ユーザ名またはパスワードが違います"
DB_UNAVAILABLE = "DB に接続できません"
NOT_FOUND = "ページが見つかりません"
SERVER_ERROR = "サーバでエラーが発生しました"

# Inline, so a page is one self-contained answer (the app's Content-Security-Policy allows
# no other source).
STYLE = """
body{margin:0;font-family:"Noto Sans CJK JP","Noto Sans JP",sans-serif;font-size:14px;
 color:#1d2733;background:#f4f6f9}
header{display:flex;align-items:center;gap:1.5em;padding:.6em 1.2em;background:#243b55;color:#fff}
header a{color:#fff;text-decoration:none}
nav a{padding:.3em .7em;border-radius:3px} nav a.current{background:#46648c}
.product{font-weight:bold} .account{margin-left:auto}
main{padding:1em 1.2em}
h1{font-size:1.3em;margin:.2em 0 .8em}
table{border-collapse:collapse;background:#fff;width:100%}
th,td{border:1px solid #b9c2cf;padding:.35em .6em;text-align:left;vertical-align:top}
th{background:#e3e9f1;white-space:nowrap}
td.key,td.properties,td.occurred_at{font-family:monospace}
td.key,td.occurred_at,td.level,td.event_type_name{white-space:nowrap}
td.properties{word-break:break-all}
tr.empty td{color:#5c6773;text-align:center}
ul.jobs{margin:0;padding-left:1.2em} .job_cause,.execution_cause{color:#b00020}
.job_status,.job_server,.job_exit_status{font-family:monospace}
.count{color:#5c6773}
form.filter{margin-bottom:1em} form.filter input{width:16em}
.login{max-width:22em;background:#fff;padding:1.2em 1.5em;border:1px solid #b9c2cf}
.login label,.login input{display:block;width:100%;box-sizing:border-box;margin-bottom:.6em}
.login .error{margin-top:0}
input,button{font:inherit;padding:.3em .5em}
.error{color:#b00020;font-weight:bold}
"""


@dataclass(frozen=True)
class Listing:
    """One list screen: its path (also its table's id), title and columns."""
    path: str
    title: str
    noun: str  # what the rows are, for the empty list's message
    row_class: str
    columns: tuple[tuple[str, str], ...]  # (row key, also the cell's class; header)
    # Cells made from the whole row (key: a function returning the cell's escaped HTML);
    # the others show the row's value for their key as text.
    made: tuple[tuple[str, Callable[[dict], str]], ...] = ()

    @property
    def table_id(self) -> str:
        return self.path.lstrip("/")

    def cell(self, key: str, row: dict) -> str:
        make = dict(self.made).get(key)
        return make(row) if make else escape(text(row.get(key)))


def _natural(name: str) -> list:
    """j2 before j10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def job_list(row: dict) -> str:
    """An execution's jobs (its detail's jobs): name, server, status, exit status, cause."""
    detail = row.get("detail") or {}
    items = []
    for name, job in sorted((detail.get("jobs") or {}).items(), key=lambda item: _natural(item[0])):
        parts = [f'<span class="job_name">{escape(name)}</span>',
                 f'(<span class="job_server">{escape(text(job.get("server")))}</span>):',
                 f'<span class="job_status">{escape(text(job.get("status")))}</span>']
        if job.get("exit_status") is not None:
            parts.append(f'終了ステータス <span class="job_exit_status">'
                         f'{escape(text(job["exit_status"]))}</span>')
        if job.get("cause"):
            parts.append(f'<span class="job_cause">{escape(text(job["cause"]))}</span>')
        items.append(f'<li class="job">{" ".join(parts)}</li>')
    cause = (f'<span class="execution_cause">{escape(text(detail["cause"]))}</span>'
             if detail.get("cause") else "")
    return cause + (f'<ul class="jobs">{"".join(items)}</ul>' if items else "")


EVENTS = Listing("/events", "イベント通知", "イベント", "event", (
    ("event_type_name", "イベント種別"), ("key", "キー"), ("source_name", "発生元"),
    ("occurred_at", "発生日時 (UTC)"), ("level", "レベル"), ("properties", "プロパティ")))
JOBNETS = Listing("/jobnets", "ジョブネット", "ジョブネット", "jobnet", (
    ("name", "名前"), ("caption", "説明"), ("revision", "リビジョン"),
    ("loaded_at", "読み込み日時 (UTC)")))
EXECUTIONS = Listing("/executions", "実行", "実行", "execution", (
    ("id", "ID"), ("jobnet", "ジョブネット"), ("status", "状態"),
    ("started_at", "開始日時 (UTC)"), ("finished_at", "終了日時 (UTC)"), ("jobs", "ジョブ")),
    made=(("jobs", job_list),))
VIRTUAL_SERVERS = Listing("/virtual_servers", "仮想サーバ", "仮想サーバ", "virtual_server", (
    ("name", "名前"), ("provider", "プロバイダ"), ("address", "アドレス"), ("status", "状態"),
    ("updated_at", "更新日時 (UTC)")))
LISTINGS = (EVENTS, JOBNETS, EXECUTIONS, VIRTUAL_SERVERS)  # the navigation, in this order


def text(value) -> str:
    """A DB value as shown: times in ISO-8601 UTC (as on the wire), JSON compact."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        utc = value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _layout(title: str, body: str, user: str | None = None, current: str | None = None) -> str:
    account = nav = ""
    if user:
        links = " ".join(
            f'<a href="{item.path}" class="current">{item.title}</a>' if item.path == current
            else f'<a href="{item.path}">{item.title}</a>' for item in LISTINGS)
        nav = f"<nav>{links}</nav>"
        account = (f'<span class="account"><span id="current_user">{escape(user)}</span>'
                   f' <a id="logout" href="/logout">ログアウト</a></span>')
    return f"""<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8">
<title>{escape(title)} - {PRODUCT}</title>
<style>{STYLE}</style>
</head>
<body>
<header><span class="product">{PRODUCT}</span>{nav}{account}</header>
<main>
<h1>{escape(title)}</h1>
{body}
</main>
</body>
</html>
"""


def _error(message: str | None) -> str:
    return f'<p class="error" id="error">{escape(message)}</p>\n' if message else ""


def login_page(error: str | None = None, user: str = "") -> str:
    body = f"""<form class="login" method="post" action="/login">
{_error(error)}<label>ユーザ名
<input type="text" id="user" name="user" required autofocus value="{escape(user)}"></label>
<label>パスワード
<input type="password" id="password" name="password" required></label>
<button id="login" type="submit">ログイン</button></form>"""
    return _layout("ログイン", body)


def _table(listing: Listing, rows: list[dict]) -> str:
    head = "".join(f"<th>{header}</th>" for _, header in listing.columns)
    lines = ["".join(f'<td class="{key}">{listing.cell(key, row)}</td>'
                     for key, _ in listing.columns) for row in rows]
    body = "\n".join(f'<tr class="{listing.row_class}">{cells}</tr>' for cells in lines)
    if not rows:
        body = (f'<tr class="empty"><td colspan="{len(listing.columns)}">'
                f'{listing.noun}はまだありません</td></tr>')
    return (f'<p class="count">{len(rows)} 件</p>\n<table id="{listing.table_id}">\n'
            f'<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>')


def list_page(listing: Listing, rows: list[dict], user: str) -> str:
    return _layout(listing.title, _table(listing, rows), user, listing.path)


def events_page(rows: list[dict], user: str, event_type_name: str = "") -> str:
    form = f"""<form class="filter" method="get" action="{EVENTS.path}">
<label for="event_type_name">イベント種別</label>
<input id="event_type_name" name="event_type_name" value="{escape(event_type_name)}">
<button type="submit" id="filter">絞り込み</button>
</form>
"""
    return _layout(EVENTS.title, form + _table(EVENTS, rows), user, EVENTS.path)


def error_page(title: str, message: str, user: str | None = None) -> str:
    return _layout(title, _error(message), user)
