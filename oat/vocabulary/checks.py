"""The machinery of the generic checks: one sentence, two steps (now, and within N seconds).

`@check(S)` registers the sentence S as a ならば step, and `{seconds:d} 秒以内に ` + S as a
second one that runs the same function again and again (a bounded poll, oat.wait) until it
passes or the time is up. The timeout's message is the last failure, so
`30 秒以内に "web" でサービス "ssh" が起動している` fails with what the last check saw.
Both patterns are the literal sentence of the module that defines the check, so grepping a
sentence's words finds its definition.

Quoted values that are names (a server, role, unit, path, package, user…) are typed `{x:q}`:
any text without a double quote. So `"web" でサービス "ssh" を再起動する` cannot also be
read as `"{server}" を再起動する` with the server `web" でサービス "ssh`: each sentence has
exactly one definition (a unit test checks this for every pair). Free text that may hold
quotes (a command, an expected output) stays a plain `{x}`. `"{x:qs}"` is one or more such
names, each in its own quotes, joined by と (or 、): `"127.0.0.1" と "primary"` gives a tuple.

A check fails with an AssertionError of one line naming the server and what was seen
against what was expected. While waiting, an AssertionError, or a LabError of a server that
does not answer (it is rebooting), means "not yet"; a TargetError (a word the lab does not
know), a FeatureError (a step missing before this one) or a NothingAtStake (oat.errors.at_stake:
nothing to check) fails at once, since time cannot fix it.
"""

from __future__ import annotations

import functools
import inspect
import re

import parse
from pytest_bdd import parsers, then

from oat.errors import LabError, one_line
from oat.model.targets import TargetError, servers
from oat.wait import WaitTimeout, wait_until

WITHIN = "{seconds:d} 秒以内に "


@parse.with_pattern(r'[^"]+')
def _quoted(text: str) -> str:
    """{x:q}: a quoted name, without a double quote in it."""
    return text


AND = re.compile(r'"(?: と |、)"')  # between two quoted names of a list


@parse.with_pattern(r'[^"]+(?:"(?: と |、)"[^"]+)*')
def _quoted_list(text: str) -> tuple[str, ...]:
    """{x:qs}: one or more quoted names joined by と or 、 (the outer quotes are the sentence's)."""
    return tuple(AND.split(text))


QUOTED = {"q": _quoted, "qs": _quoted_list}
INTERVAL = 1.0  # seconds between two tries of a check (each try runs commands on the servers)


def sentence(text: str, types: dict | None = None) -> parsers.parse:
    """A step pattern: the literal sentence with typed fields ({x:d}, {x:q}, {x:qs}, {x}, and
    a module's own `types`)."""
    return parsers.parse(text, extra_types={**QUOTED, **(types or {})})


def check(text: str, types: dict | None = None):
    """Register a check function as the ならば step `text` and as `N 秒以内に` + `text`."""

    def decorator(func):
        # stacklevel 2: pytest-bdd puts the step's fixture in the module calling check(),
        # not in this one.
        then(sentence(text, types), stacklevel=2)(func)
        then(sentence(WITHIN + text, types), stacklevel=2)(within(func))
        return func

    return decorator


def within(func):
    """The check `func` as a bounded poll: it takes `seconds` first, then func's own arguments."""

    @functools.wraps(func)  # the catalogue and pytest-bdd read the check through __wrapped__
    def waiting(seconds, **kwargs):
        last = {"failure": "not checked yet"}

        def passes() -> bool:
            try:
                func(**kwargs)
            except TargetError:
                raise
            except (AssertionError, LabError) as exc:
                last["failure"] = one_line(exc)
                return False
            return True

        try:
            wait_until(passes, seconds, lambda: last["failure"], interval=INTERVAL)
        except WaitTimeout:
            raise AssertionError(f"not within {seconds} s: {last['failure']}") from None

    signature = inspect.signature(func)
    seconds = inspect.Parameter("seconds", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    waiting.__signature__ = signature.replace(parameters=[seconds, *signature.parameters.values()])
    return waiting


def each(lab, word: str, check_one) -> None:
    """Run `check_one(server)` on every server `word` means (a name or a role); the failures of
    all of them in one line."""
    problems = []
    for server in servers(lab, word):
        try:
            check_one(server)
        except AssertionError as exc:
            problems.append(one_line(exc))
    assert not problems, "; ".join(problems)


def excerpt(text: str, limit: int = 160) -> str:
    """Command output as part of a one-line message: lines joined by ' ⏎ ', cut at `limit`."""
    flat = " ⏎ ".join(line.strip() for line in (text or "").strip().splitlines() if line.strip())
    if not flat:
        return "(empty)"
    return flat if len(flat) <= limit else flat[:limit] + "…"
