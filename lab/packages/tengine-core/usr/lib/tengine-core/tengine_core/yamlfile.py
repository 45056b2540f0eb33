"""Reading the YAML files the operator and the developers write (tengined.yml, jobnets/*.yml)
with one-line errors that name the file, and showing a wrong value the way YAML wrote it."""
from __future__ import annotations

from pathlib import Path

import yaml

from tengine_core.errors import TengineError


def read(path: Path, error: type[TengineError] = TengineError) -> object:
    """The document in path (None when empty); raises error naming path on any problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise error(f"{path}: not UTF-8 text") from None
    except OSError as problem:
        raise error(f"{path}: cannot read: {problem.strerror or problem}") from None
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as problem:
        mark = problem.problem_mark or problem.context_mark
        what = problem.problem or problem.context
        raise error(f"{path}: not valid YAML (line {mark.line + 1}, column {mark.column + 1}:"
                    f" {what})") from None
    except yaml.YAMLError as problem:
        raise error(f"{path}: not valid YAML ({problem})") from None


def describe(value: object) -> str:
    """A value in an error message: strings quoted, YAML's own words for the rest."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value) if isinstance(value, str) else str(value)
