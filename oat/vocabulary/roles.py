"""The typed field {role:Role} of step sentences that name servers by their role, unquoted:
"運用系", "DB サーバ" (the server of role DB), or "両系" (every server of the part or
cluster the sentence is about; the field is then None)."""

from __future__ import annotations

import parse

EVERY_SIDE = "両系"


# "全てのサーバ" is every server of the lab, which sentences of their own handle.
@parse.with_pattern(r'(?!全てのサーバ)[^"\s]+(?: サーバ)?')
def role_word(text: str) -> str | None:
    text = text.removesuffix(" サーバ")
    return None if text == EVERY_SIDE else text


ROLE = {"Role": role_word}
