"""A project's secrets: declared by name in pytest.ini, their values kept out of git.

    [pytest]
    oat_secrets =
        REPL_PASSWORD
        APP_PASSWORD

A feature refers to a secret by placeholder, `{secret.REPL_PASSWORD}`, anywhere in a step's
text, docstring or table; the step receives the value, every output shows ********.

A value comes from the environment (`OAT_SECRET_REPL_PASSWORD`), else from the project's
secrets file (`secrets.yaml` beside pytest.ini, or `--secrets FILE`): a YAML mapping of
declared names to values. The environment wins, so CI can set what a developer keeps in a file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from oat.errors import FeatureError

ENV_PREFIX = "OAT_SECRET_"
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# `$` before it is shell's own ${...}; not a placeholder.
PLACEHOLDER = re.compile(r"(?<!\$)\{secret\.([^{}\s]*)\}")


class SecretError(FeatureError):
    """A secret that is declared wrongly, not declared, or not set."""


@dataclass(frozen=True)
class Secrets:
    declared: tuple[str, ...] = ()
    file: Path | None = None
    values: Mapping[str, str] = field(default_factory=dict)
    where: str = "pytest.ini (oat_secrets)"

    @classmethod
    def load(
        cls,
        declared: Iterable[str],
        file: Path | None,
        *,
        file_required: bool = False,
        environ: Mapping[str, str] | None = None,
        where: str = "pytest.ini (oat_secrets)",
    ) -> Secrets:
        """The declared names, and the value of each that is set (environment, then file)."""
        environ = os.environ if environ is None else environ
        names = tuple(dict.fromkeys(n.strip() for n in declared if n.strip()))
        for name in names:
            if not NAME.match(name):
                raise SecretError(f"{where}: secret name '{name}' is not a name (letters, digits, _)")
        values: dict[str, str] = {}
        if file is not None and (file_required or Path(file).exists()):
            values.update(_read_file(Path(file), names, where))
        for name in names:
            if environ.get(ENV_PREFIX + name):
                values[name] = environ[ENV_PREFIX + name]
        return cls(names, Path(file) if file is not None else None, values, where)

    def value(self, name: str, place: str = "") -> str:
        """The value of a declared, set secret; else a one-line SecretError naming `place`."""
        prefix = f"{place}: " if place else ""
        if name not in self.declared:
            raise SecretError(
                f"{prefix}{{secret.{name}}} names no declared secret: declare '{name}' in "
                f"{self.where}" + (f" (declared: {', '.join(self.declared)})" if self.declared else "")
            )
        if name not in self.values:
            raise SecretError(
                f"{prefix}secret '{name}' is not set: set the environment variable {ENV_PREFIX}{name}"
                + (f" or put '{name}' in {self.file}" if self.file else "")
            )
        return self.values[name]

    def expand(self, text: str, place: str = "") -> str:
        """`text` with every {secret.NAME} replaced by its value."""
        if "{secret." not in text:
            return text
        return PLACEHOLDER.sub(lambda m: self.value(m.group(1), place), text)

    def check(self, text: str, place: str = "") -> None:
        """Every placeholder in `text` names a declared secret that is set (raises the first that does not)."""
        for match in PLACEHOLDER.finditer(text):
            self.value(match.group(1), place)


def _read_file(path: Path, names: tuple[str, ...], where: str) -> dict[str, str]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SecretError(f"{path}: the secrets file is not there") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretError(f"{path}: cannot be read ({exc.__class__.__name__})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise SecretError(f"{path}: not YAML{line}") from None  # never echo the file: it holds secrets
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SecretError(f"{path}: must be a mapping of secret names to values")
    values = {}
    for key, value in data.items():
        if key not in names:
            raise SecretError(f"{path}: '{key}' is not a declared secret (declare it in {where})")
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise SecretError(f"{path}: the value of '{key}' must be text")
        values[key] = str(value)
    return values
