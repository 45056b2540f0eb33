"""A Server gets its transport from its driver (oat.drivers.base.Transport), and what a driver
can do is its interface (oat.drivers.driver.Driver): nothing in oat or in the features reaches
around that to testinfra's backends, replaces a backend's run, or probes a lab or a backend
for what it might have. Read from the source, so the sniffing stays gone."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
TREES = ("oat", "features")
# The one module that builds a testinfra host: the Server's own, over its driver's transport.
TESTINFRA_USERS = {"oat/servers.py"}
# Probes not gone yet, each with why (remove the entry with the probe).
KNOWN_PROBES: dict[str, str] = {}  # file -> the one probe it may keep, and why (none today)


def sources():
    for tree in TREES:
        for path in sorted((ROOT / tree).rglob("*.py")):
            yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")


def _named(node: ast.AST, words: tuple[str, ...]) -> bool:
    """Whether an expression names a backend or a lab (backend, host.backend, self.lab …)."""
    text = ast.unparse(node).lower()
    return any(word in text.replace(".", " ").replace("_", " ").split() for word in words)


def findings(where: str, text: str) -> list[str]:
    found = []
    if "_build_ssh_command" in text:
        found.append(f"{where}: testinfra's private _build_ssh_command")
    for node in ast.walk(ast.parse(text)):
        line = f"{where}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found += [
                f"{line}: assigns {ast.unparse(t)}"
                for t in targets
                if isinstance(t, ast.Attribute) and t.attr == "run" and _named(t.value, ("backend",))
            ]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args:
            if node.func.id in ("getattr", "hasattr", "setattr") and _named(node.args[0], ("backend", "lab")):
                found.append(f"{line}: {ast.unparse(node)}")
            if node.func.id == "isinstance" and _named(node.args[0], ("backend", "lab")):
                found.append(f"{line}: {ast.unparse(node)}")
        elif isinstance(node, ast.Attribute) and node.attr == "NAME" and _named(node.value, ("backend",)):
            found.append(f"{line}: {ast.unparse(node)}")
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and where not in TESTINFRA_USERS:
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found += [
                f"{line}: imports {n} (a Server's transport comes from its driver)"
                for n in names
                if n.split(".")[0] == "testinfra"
            ]
    return found


def test_nothing_reaches_around_a_server_to_its_engine():
    wrong = [f for where, text in sources() if where not in KNOWN_PROBES for f in findings(where, text)]
    assert not wrong, "\n".join(wrong)


def test_the_known_probes_are_still_there_and_alone():
    """An entry of KNOWN_PROBES goes when its probe does; none may grow."""
    texts = dict(sources())
    for where in KNOWN_PROBES:
        assert len(findings(where, texts[where])) == 1, f"{where}: {findings(where, texts[where])}"


def test_the_patterns_are_found():
    sample = (
        "backend.run = wrapped\nhost.backend.run = wrapped\nx = backend.NAME\nhasattr(lab, 'client')\n"
        "getattr(self.lab, 'relocation', None)\nbackend._build_ssh_command('true')\nimport testinfra\n"
        "isinstance(lab, InventoryLab)\n"
    )
    assert len(findings("sample.py", sample)) == 8
