"""Reading the project's YAML data files with one-line errors that name the file."""
from __future__ import annotations

from pathlib import Path

import yaml

from oat.errors import LabError


def read(path: Path, what: str, error: type[LabError] = LabError):
    """The parsed file; a missing file or bad YAML is `error` naming the file (what: 'topology file')."""
    path = Path(path)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{path}: {what} not found") from None
    except yaml.YAMLError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise error(f"{path}: not valid YAML: {first}") from None
