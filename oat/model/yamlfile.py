"""Reading the project's YAML data files with one-line errors that name the file."""

from __future__ import annotations

from pathlib import Path

import yaml

from oat.errors import LabError


def read(path: Path, what: str, error: type[Exception] = LabError, loader: type = yaml.SafeLoader):
    """The parsed file; a missing file or bad YAML is `error` naming the file (what: 'topology file').
    `loader`: a SafeLoader of the caller's (one that keeps dates as text, say)."""
    path = Path(path)
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # loader: a SafeLoader
    except FileNotFoundError:
        raise error(f"{path}: {what} not found") from None
    except yaml.YAMLError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise error(f"{path}: not valid YAML: {first}") from None
