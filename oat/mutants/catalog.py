"""The mutants: lab/mutants/NAME.patch, each one realistic defect of a reference product.

A patch starts with `# key: value` lines before its diff:

    # defect: CL/Web ignores $bind and listens on every address of the node
    # kind: port and address          (the kind of post-condition the documents state)
    # features: clweb                 (the feature folders that concern it)
    # refs: インストール手順 (4)        (the documented steps whose post-condition it breaks; `;` between)

lab/mutants/sample.txt names the fast sample (`oat mutants --sample`): a few cheap mutants.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from oat.errors import LabError

ROOT = Path(__file__).resolve().parents[2]
MUTANTS = ROOT / "lab" / "mutants"
SAMPLE = MUTANTS / "sample.txt"
_HEADER = re.compile(r"^#\s*(?P<key>[a-z]+):\s*(?P<value>.+?)\s*$")


@dataclass(frozen=True)
class Mutant:
    name: str
    defect: str
    kind: str
    features: tuple[str, ...]
    patch: Path
    refs: tuple[str, ...] = ()

    @property
    def digest(self) -> str:
        """The patch's content: a result holds for the patch it was decided on."""
        return hashlib.sha256(self.patch.read_bytes()).hexdigest()[:16]


def header_of(path: Path) -> dict[str, str]:
    """The `# key: value` lines before a patch's diff."""
    header = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.startswith("--- ") or line.startswith("diff "):
            break
        if m := _HEADER.match(line):
            header[m["key"]] = m["value"]
    return header


def items(value: str, separator: str) -> list[str]:
    return [item.strip() for item in value.split(separator) if item.strip()]


def load(path: Path, features: Path = ROOT / "features") -> Mutant:
    """A mutant from its patch file; a missing header key is named with the file."""
    path = Path(path)
    header = header_of(path)
    for key in ("defect", "kind", "features"):
        if key not in header:
            raise LabError(f"{path}: header line '# {key}: …' is missing")
    folders = tuple(items(header["features"], ","))
    for folder in folders:
        if not (features / folder).is_dir():
            raise LabError(f"{path}: features: no feature folder '{folder}'")
    return Mutant(path.stem, header["defect"], header["kind"], folders, path, tuple(items(header.get("refs", ""), ";")))


def all_mutants(names: list[str] | None = None, folder: Path = MUTANTS) -> list[Mutant]:
    found = {p.stem: p for p in sorted(folder.glob("*.patch"))}
    unknown = [n for n in names or [] if n not in found]
    if unknown:
        raise LabError(f"no mutant {', '.join(unknown)} in {folder} (known: {', '.join(found)})")
    return [load(found[n], folder.parent.parent / "features") for n in (names or found)]


def sample(path: Path = SAMPLE) -> list[Mutant]:
    """The fast sample: the mutants the list file names, one a line (`#` starts a comment)."""
    try:
        names = [line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines()]
    except OSError as exc:
        raise LabError(f"{path}: cannot read the sample's list ({exc.strerror})") from None
    names = [name for name in names if name]
    if not names:
        raise LabError(f"{path}: names no mutant")
    try:
        return all_mutants(names, path.parent)
    except LabError as exc:
        raise LabError(f"{path}: {exc}") from None
