"""Masking: secrets replaced by ******** in every text oat records or reports.

Two kinds of secret are masked:
- known values (a project's declared secrets, the product data's passwords, an inventory's
  passphrases, an API key learnt during the run), in every form the value takes when it is
  quoted or escaped on its way into a command, an output or a report: shell quoting, SQL's
  doubled quotes, backslash escapes, URL, HTML/XML and JSON encoding, Python's repr;
- literal secrets the patterns recognise (`PGPASSWORD=…`, `password='…'`, `--password …`,
  `PASSWORD '…'`, `user:secret@host`, private keys), whatever their quoting: the whole quoted
  value is masked, never a neighbouring span.
"""

from __future__ import annotations

import html
import json
import re
import shlex
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "********"
MIN_LENGTH = 4  # shorter values would mask ordinary words ("a", "on")

# A value as a shell word: bare characters, backslash escapes and quoted segments, one after
# another. So a value ends where its word ends, whatever its quoting: SQL's doubled quotes
# ('it''s' is two segments), "say \"hi\"", pa'ss'word. A quoted segment ends with its line, so a
# quote that closes something else (a repr's) cannot carry the mask over the lines after it.
_VALUE = r"""(?:\\.|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|[^\s"'\\;,&|{}()<>])++"""
_ONE_QUOTED = "'(?:[^'\\n]|'')*'|" + r'"(?:[^"\\\n]|\\.)*"'
_KEYWORD = r"(?:password|passwd|pass|pwd|secret|token|api[_-]?key|access[_-]?key|credential)s?"

# key=value / key: value / "key": "value" / PASSWORD '…' (SQL) where the key says it holds a
# secret. The keyword must end the key or be followed by a separator, so "passed: 5" keeps its
# value.
_SECRET_ASSIGNMENT = re.compile(
    rf"""(?ix)
    (?P<key>\b[\w.-]*{_KEYWORD}(?:[_.-][\w.-]*)?)
    (?P<sep>["']?\s*[:=]\s*|\s+(?=["']))
    (?P<value>{_VALUE})(?!\()    # a call (token = make_token()) is code, not a secret
    """
)
# SQL's IDENTIFIED BY '…' (MySQL, Oracle).
_IDENTIFIED_BY = re.compile(rf"(?i)(\bidentified\s+by\s+)({_VALUE})")
# Command-line flags that take a secret: --password X (-p X is too ambiguous to mask).
_SECRET_FLAG = re.compile(rf"""(?i)(--[\w-]*(?:password|passwd|secret|token)[\w-]*)(=|\s+)({_VALUE})""")
# scheme://user:secret@host
_URL_CREDENTIAL = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+:)([^/\s@]+)(@)")
_PRIVATE_KEY = re.compile(r"-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----.*?(?:-----END \1-----|\Z)", re.DOTALL)


def forms(value: str) -> set[str]:
    """Every form a value takes once quoted or escaped on its way into a text.

    Each form stands for the whole value, so replacing it masks the value and nothing
    beside it."""
    found = {value}
    found.add(shlex.quote(value))  # 'it'"'"'s'
    found.add(value.replace("'", "'\"'\"'"))  # the same, inside '…'
    found.add(re.sub(r"""(["\\$`])""", r"\\\1", value))  # inside "…" in a shell
    found.add(re.sub(r"""([^\w@%+=:,./-])""", r"\\\1", value))  # backslash-escaped word
    found.add(value.replace("'", "''"))  # SQL: 'it''s'
    found.add(value.replace('"', '""'))  # SQL identifiers, CSV
    found.add(value.replace("'", "\\'"))
    for url in (quote(value, safe=""), quote(value), quote_plus(value)):
        found.update({url, re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), url)})
    for text in (value, *list(found)):  # HTML/XML of every form above (a command shown in a page)
        found.add(html.escape(text, quote=False))
        escaped = html.escape(text, quote=True)
        found.update(
            {
                escaped,
                escaped.replace("&#x27;", "&#39;"),
                escaped.replace("&#x27;", "&apos;"),
                escaped.replace("&quot;", "&#34;"),
            }
        )
    for text in list(found):  # JSON and Python's repr of every form above
        found.add(json.dumps(text, ensure_ascii=False)[1:-1])
        found.add(json.dumps(text)[1:-1])
        found.add(repr(text)[1:-1])
        found.add(text.encode("unicode_escape").decode("ascii"))
    return {form for form in found if form}


class Masker:
    """Replaces secrets in text: known values (in every form of `forms`) and the literal
    secrets the patterns recognise."""

    def __init__(self, secrets: Iterable[str] | None = None):
        self._values: set[str] = set()
        self._forms: list[str] = []
        for secret in secrets or []:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        if secret is None:
            return
        secret = str(secret)
        if len(secret) < MIN_LENGTH:
            raise ValueError(f"a secret to mask must be at least {MIN_LENGTH} characters long")
        if secret in self._values:
            return
        self._values.add(secret)
        # Longest first, so a value that contains another (or its own escaped form) is masked whole.
        self._forms = sorted({f for v in self._values for f in forms(v)}, key=len, reverse=True)

    @property
    def values(self) -> frozenset[str]:
        """The known values (for a search of the outputs after a run)."""
        return frozenset(self._values)

    def __call__(self, text: str) -> str:
        if not text or not isinstance(text, str):
            return text
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        text = _PRIVATE_KEY.sub(lambda m: f"-----BEGIN {m.group(1)}-----{MASK}-----END {m.group(1)}-----", text)
        text = _URL_CREDENTIAL.sub(lambda m: m.group(1) + MASK + m.group(3), text)
        text = _SECRET_FLAG.sub(lambda m: m.group(1) + m.group(2) + _masked(m.group(3)), text)
        text = _IDENTIFIED_BY.sub(lambda m: m.group(1) + _masked(m.group(2)), text)
        text = _SECRET_ASSIGNMENT.sub(_assignment, text)
        return text

    def data(self, value):
        """Every text in plain data (dicts, lists, tuples) masked; other values as they are."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            return {key: self.data(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.data(item) for item in value]
        if isinstance(value, tuple):
            return tuple(self.data(item) for item in value)
        return value


def _assignment(m: re.Match) -> str:
    if m.group("sep") == ":" and m.group("value").rstrip(":").isdigit():
        return m.group(0)  # a file and a line (test_secrets.py:95), not a key and its value
    return m.group("key") + m.group("sep") + _masked(m.group("value"))


def _masked(value: str) -> str:
    """The mask in place of a matched value, keeping its quotes."""
    if re.fullmatch(_ONE_QUOTED, value):  # one quoted segment: keep its quotes
        return value[0] + MASK + value[0]
    return MASK
