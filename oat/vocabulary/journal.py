"""The systemd journal of a server: what a unit logged after a point, never before it.

A check that a log "says X" passes on a line from any time, install time included. These read
only the entries after a point:

- `"SERVER" のジャーナルの位置を記録する` remembers the journal's cursor (`journalctl -n 0
  --show-cursor`; none yet on an empty journal: then every later entry counts), and `… が記録の
  後で出ている` reads the entries after it (`--after-cursor`);
- `… がシナリオの開始後に出ている` reads the entries after the cursor of the scenario's start:
  before the first step of a scenario that has such a step, the cursor of each server it names
  is taken (only then: a scenario without one runs no command for it). Not a time: the clocks
  of the test machine and the server differ by more than the moment between a scenario's start
  and its first command's log line, and a cursor taken at the check would be too late.

An entry of the unit is what `journalctl -u UNIT` shows: the unit's processes and systemd's own
lines about it (Started, Stopped, "remains running after unit stopped"). The text is looked
for in the message (`-o cat`), not in the host or process names before it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from pytest_bdd import when

from oat.errors import FeatureError, LabError
from oat.model.targets import servers
from oat.vocabulary.checks import WITHIN, check, each, excerpt, sentence

CURSOR = "-- cursor: "

# The entries in the window (its journalctl options first), the first with the text; else how
# many there are, then the last entry of the unit from any time that has the text (to say "it
# is there, but from before"). Exit 2: journalctl itself failed (a cursor it does not know).
_IN_WINDOW = (
    "out=$(journalctl --no-pager -q -o cat {window}-u %s) || exit 2; "
    "printf '%%s\\n' \"$out\" | grep -a -F -m 1 -e %s && exit 0; "
    "printf '%%s\\n' \"$out\" | grep -c . ; "
    "journalctl --no-pager -q -o cat -u %s | grep -a -F -e %s | tail -n 1; exit 1"
)


def _cursor(server) -> str:
    """The cursor of the journal's last entry; '' when the journal has none yet."""
    answer = server.run("journalctl -n 0 --show-cursor --no-pager")
    said = answer.stdout + answer.stderr
    for line in said.splitlines():
        if line.startswith(CURSOR):
            return line[len(CURSOR) :].strip()
    if answer.rc == 0 or "No journal files were found" in said or "-- No entries --" in said:
        return ""
    raise LabError(f"{server.name}: `journalctl -n 0 --show-cursor` exited {answer.rc}: {excerpt(said)}")


@when(sentence('"{server:q}" のジャーナルの位置を記録する'))
def remember_journal(lab, remembered, server):
    """Remember the journal's position (its cursor) on the server, for a later check of what is logged after it."""
    for s in servers(lab, server):
        remembered.cursors[s.name] = _cursor(s)


def _logged(s, unit: str, text: str, window: tuple[str, ...], since: str) -> None:
    """Fail unless an entry of the unit with the text is in the window (journalctl options; none: all)."""
    command = _IN_WINDOW.format(window="%s " * len(window))
    found = s.run(command, *window, unit, text, unit, text)
    if found.rc == 0:
        return
    if found.rc == 2:
        raise AssertionError(f"{s.name}: journalctl cannot read the journal of {unit} {since}: {excerpt(found.stderr)}")
    lines = found.stdout.splitlines()
    count, before = (lines[0].strip() if lines else "?"), (lines[1] if len(lines) > 1 else "")
    raise AssertionError(
        f"{s.name}: no entry of {unit} with '{text}' {since} ({count} entries of it since)"
        + (f"; there is one from before: {excerpt(before)}" if before else "")
    )


@check('"{server:q}" のジャーナルにユニット "{unit:q}" の "{text}" が記録の後で出ている')
def journal_after_mark(lab, remembered, server, unit, text):
    """An entry of the unit with this text was logged after the journal's position was remembered (--after-cursor)."""

    def logged(s):
        cursor = remembered.cursor(s.name)
        window = ("--after-cursor", cursor) if cursor else ()  # no cursor: the journal was empty then
        _logged(s, unit, text, window, "after the remembered position")

    each(lab, server, logged)


SINCE_START = '"{server:q}" のジャーナルにユニット "{unit:q}" の "{text}" がシナリオの開始後に出ている'
_SINCE_START = (sentence(SINCE_START), sentence(WITHIN + SINCE_START))


@dataclass(frozen=True)
class ScenarioStart:
    """The journal's cursor on each server a scenario's steps read since its start, taken
    before its first step ('' for a journal empty then)."""

    cursors: dict[str, str]


scenario_start_key = pytest.StashKey[ScenarioStart]()


def pytest_bdd_before_scenario(request, feature, scenario):
    """Before the first step: the journal's cursor on each server a step reads 'since the scenario began'."""
    words = [
        found["server"]
        for step in scenario.steps
        for parser in _SINCE_START
        if parser.is_matching(step.name) and (found := parser.parse_arguments(step.name))
    ]
    if words:
        lab = request.getfixturevalue("lab")
        cursors = {s.name: _cursor(s) for word in dict.fromkeys(words) for s in servers(lab, word)}
        request.node.stash[scenario_start_key] = ScenarioStart(cursors)


@pytest.fixture
def scenario_start(request) -> ScenarioStart:
    """The journal's cursors taken before this scenario's first step."""
    taken = request.node.stash.get(scenario_start_key, None)
    if taken is None:
        raise FeatureError(
            f"{request.node.name}: no journal cursor was taken at the scenario's start "
            "(only a scenario run by pytest-bdd whose step names its server has one)"
        )
    return taken


@check(SINCE_START)
def journal_since_scenario(lab, scenario_start, server, unit, text):
    """An entry of the unit with this text was logged after this scenario began (--after-cursor, taken before its first step)."""

    def logged(s):
        if s.name not in scenario_start.cursors:
            raise FeatureError(f"no journal cursor of {s.name} was taken at the scenario's start")
        cursor = scenario_start.cursors[s.name]
        _logged(s, unit, text, ("--after-cursor", cursor) if cursor else (), "since the scenario began")

    each(lab, server, logged)
