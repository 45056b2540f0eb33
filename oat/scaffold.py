"""`oat init DIR`: a project of its own, laid out as oat expects (oat.model.project).

It holds one example runbook told with the 汎用 sentences only (a Web server from Debian's
nginx, checked on the server and from a client beside it), its traceability, its lab file,
an inventory in oat's format and in Ansible's, and a .gitignore for what a run writes. On a
machine with oat and a Docker engine, `cd DIR && pytest` runs it green.
"""

from __future__ import annotations

import re
from pathlib import Path

from oat.errors import OatError

TEMPLATE = Path(__file__).resolve().parent / "templates" / "project"
PROCEDURE = re.compile(r"^[a-z][a-z0-9-]{0,30}$")  # a feature folder is also its lab's name
TOKEN, FOLDER = "@PROCEDURE@", "_procedure_"
RENAMED = {"gitignore": ".gitignore"}  # a dot file would not ship in the package's data


class ScaffoldError(OatError):
    exit_code = 2
    kind = "init"


def init(target: Path, procedure: str = "webserver") -> list[Path]:
    """Write the project into `target` (new, or an empty folder); the files it wrote."""
    target = Path(target)
    if not PROCEDURE.match(procedure):
        raise ScaffoldError(
            f"'{procedure}' cannot name a procedure: lower-case letters, digits and -, "
            "starting with a letter (it names the feature folder and its lab)"
        )
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ScaffoldError(f"{target}: already exists and is not an empty folder: oat init makes a new project")
    written = []
    for source in sorted(TEMPLATE.rglob("*")):
        if not source.is_file() or "__pycache__" in source.parts:
            continue
        relative = Path(
            *(RENAMED.get(part, part.replace(FOLDER, procedure)) for part in source.relative_to(TEMPLATE).parts)
        )
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source.read_text(encoding="utf-8").replace(TOKEN, procedure), encoding="utf-8")
        written.append(path)
    return written
