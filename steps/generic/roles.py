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


def servers_of_role(lab, role: str) -> list:
    """The lab's servers (not its infrastructure) with that role; a one-line error otherwise."""
    from oat.errors import LabError

    found = [lab.server(s.name) for s in lab.topology.procedure_servers if s.role == role]
    if not found:
        roles = sorted({s.role for s in lab.topology.procedure_servers})
        raise LabError(f"lab '{lab.topology.name}' has no server with role '{role}' (roles: {', '.join(roles)})")
    return found
