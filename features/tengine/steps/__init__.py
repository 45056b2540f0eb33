"""Use case 000's own steps (seeds/000): Tengine's test start, jobs, platform, console, support tool.

What the step modules share: the typed fields of their sentences (TYPES), and how a step puts
its own values into the commands, queries and texts of the product data
(lab/products/tengine.yaml). Those take `{{ dotted.key }}` and `{{ address:ROLE }}` from the
data and the lab (`parts.render`), then `{field}` from the step: shell-quoted in a command
(`shell`), its quotes doubled in SQL (`sql`), as it is in a text or path (`plain`).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable

import parse

from oat.errors import LabError
from oat.vocabulary.checks import QUOTED


@parse.with_pattern(r'[^"\s]+')
def _part(word: str) -> str:
    """{part:Part}: a part as the product data names it (Tengineコア, キュー), one word."""
    return word


@parse.with_pattern(r"接続|認証")
def _cause(word: str) -> str:
    """{cause:Cause}: why a test start fails, as the sentence says it (keys of core.failure_words)."""
    return word


@parse.with_pattern(r'[^"]*')
def _value(text: str) -> str:
    """{x:Value}: a quoted value that may be empty."""
    return text


TYPES = {"Part": _part, "Cause": _cause, "q": QUOTED["q"], "Value": _value}  # {x:q}: the generic one

# A step's field: {name}. Not ${VAR} of a shell, nor {{.Go}} or {{ key }} (never a bare word).
_FIELD = re.compile(r"(?<!\$)\{(\w+)\}")


def fields_of(template: str) -> set[str]:
    """The names of the {fields} a command, query or text of the product data expects."""
    return set(_FIELD.findall(template))


def fill(template: str, quote: Callable[[str], str], **values) -> str:
    """Put the step's values into {fields}, each through `quote`; a field without a value is
    a one-line error naming it."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            raise LabError(f"no value for {{{name}}} in the product data's '{template}'")
        return quote(str(values[name]))

    return _FIELD.sub(value, str(template))


def shell(template: str, **values) -> str:
    """A command with the values shell-quoted into its {fields}."""
    return fill(template, shlex.quote, **values)


def sql(template: str, **values) -> str:
    """A query with the values put into its quoted '{fields}', single quotes doubled."""
    return fill(template, lambda v: v.replace("'", "''"), **values)


def plain(template: str, **values) -> str:
    """A text (a message, a path) with the values put into its {fields} as they are."""
    return fill(template, str, **values)


def config_value(value: str):
    """A value as a YAML config holds it: digits are a number, anything else a string."""
    return int(value) if value.isdigit() else value
