"""Masking secrets in the text of every file the report collects.

- The value of a key whose name contains pass, secret, token or key (password, db_pass,
  api_token, ssh_key, ...; any case), written `key: value` or `key = value` (YAML, INI,
  conf, shell, JSON, `--password=x`), becomes ******** (quotes kept). A key that starts its
  line has the rest of the line as its value; elsewhere (a flow mapping, a log line) the
  value ends at a space , ; } ] or &. An empty value stays empty: no password set is worth
  knowing.
- Credentials in a URL (scheme://user:secret@host) lose the secret.
- PEM private key blocks (-----BEGIN ... PRIVATE KEY-----, OpenSSH's too) keep their first
  and last line only; a block cut off by a log's tail is masked to the end, and an END line
  without its BEGIN is masked from the start.
- Files that are keys (*.key, id_* but not id_*.pub) and console_users are not copied."""
from __future__ import annotations

import re

MASK = "********"
SECRET_KEY = r"[\w.-]*(?:pass|secret|token|key)[\w.-]*"

LINE_VALUE = re.compile(  # the key starts its line: the value is the rest of it
    rf"""^(?P<lead>[ \t]*(?:[#;][ \t]*)?(?:-[ \t]+)?(?:export[ \t]+)?["']?)
         (?P<key>{SECRET_KEY})(?P<sep>["']?[ \t]*[:=][ \t]*)
         (?P<value>[^"'\s].*?)[ \t]*$""", re.I | re.M | re.X)
INLINE_VALUE = re.compile(
    rf"""(?<![\w.-])(?P<key>{SECRET_KEY})(?P<sep>["']?[ \t]*[:=][ \t]*)
         (?P<value>"[^"\n]*"|'[^'\n]*'|[^\s"',;}}\]&]+)""", re.I | re.X)
URL_CREDENTIALS = re.compile(r"(?P<user>\b[a-z][a-z0-9+.-]*://[^\s/:@]+:)[^\s/@]+@", re.I)
PRIVATE_KEY = re.compile(r"(?P<begin>-----BEGIN (?P<kind>[A-Z0-9 ]*)PRIVATE KEY-----)"
                         r".*?(?:-----END (?P=kind)PRIVATE KEY-----|\Z)", re.S)
PRIVATE_KEY_BEGIN = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")
ORPHAN_END = re.compile(r"\A(?P<before>.*?)(?P<end>-----END [A-Z0-9 ]*PRIVATE KEY-----)", re.S)


def withheld(file_name: str) -> bool:
    """Files not copied at all: they are secrets through and through."""
    return (file_name.endswith(".key") or file_name == "console_users"
            or (file_name.startswith("id_") and not file_name.endswith(".pub")))


def mask(text: str) -> tuple[str, int]:
    """text with its secrets masked, and how many there were (a second pass finds none)."""
    count = 0

    def counted(build):
        def replace(match: re.Match) -> str:
            nonlocal count
            masked = build(match)
            count += masked != match[0]
            return masked
        return replace

    text = ORPHAN_END.sub(counted(_orphan_end), text, count=1)
    for pattern, build in RULES:
        text = pattern.sub(counted(build), text)
    return text, count


def _orphan_end(match: re.Match) -> str:
    """The text before an END line whose BEGIN is not in it (a log's tail cut the block)."""
    if PRIVATE_KEY_BEGIN.search(match["before"]):
        return match[0]
    return f"{MASK}\n{match['end']}"


def _inline(match: re.Match) -> str:
    value = match["value"]
    if value in ('""', "''"):
        return match[0]
    quote = value[0] if value[0] in "\"'" else ""
    return f"{match['key']}{match['sep']}{quote}{MASK}{quote}"


RULES = (
    (PRIVATE_KEY, lambda m: f"{m['begin']}\n{MASK}\n-----END {m['kind']}PRIVATE KEY-----"),
    (LINE_VALUE, lambda m: f"{m['lead']}{m['key']}{m['sep']}{MASK}"),
    (INLINE_VALUE, _inline),
    (URL_CREDENTIALS, lambda m: f"{m['user']}{MASK}@"),
)
