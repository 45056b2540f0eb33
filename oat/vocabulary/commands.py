"""Commands on a server, as an operator types them, and what they answered.

`もし "SERVER" でコマンド "…" を実行する` runs the command and keeps its result
(`command_result`) for the next steps of the scenario: exit status, standard output, standard
error. A role that several servers have runs it on each of them, and the checks then apply
to every answer. The one-shot checks run a command and check it in the same sentence (and
so also exist as `N 秒以内に …`).

A failing path is a result too: `… が失敗する` and `終了ステータスが 0 以外である` pass only on a
command that ran and failed; one that did not run at all (126, 127: not executable, not found)
proves nothing and fails them. `… の出力を "NAME" として記録する` keeps an output (oat.vocabulary.
remembered) that `… の出力が記録した "NAME" と同じである` reads back after an event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from pytest_bdd import then, when

from oat.errors import LabError, at_stake
from oat.model.targets import servers
from oat.vocabulary.checks import check, each, excerpt, sentence


@dataclass(frozen=True)
class Answer:
    server: str
    command: str
    status: int
    stdout: str
    stderr: str

    def where(self) -> str:
        return f"{self.server}: `{_short(self.command)}`"


@dataclass(frozen=True)
class CommandResult:
    """What the last command step of the scenario answered, one Answer per server."""

    answers: tuple[Answer, ...]


@pytest.fixture
def command_result() -> CommandResult:
    """The result of the scenario's last command step (this default says none has run yet)."""
    raise LabError(
        'no command has run in this scenario yet: a step like もし "SERVER" でコマンド "…" を実行する '
        "must come before this one"
    )


def run_on(lab, word: str, command: str) -> CommandResult:
    answers = []
    for server in servers(lab, word):
        result = server.run(command)
        answers.append(Answer(server.name, command, result.rc, result.stdout, result.stderr))
    return CommandResult(tuple(answers))


@when(sentence('"{server:q}" でコマンド "{command}" を実行する'), target_fixture="command_result")
def run_command(lab, server, command):
    """Run a shell command on a server (or each server of a role) and keep its result for the next steps."""
    return run_on(lab, server, command)


@when(sentence('"{server:q}" で次のコマンドを実行する:'), target_fixture="command_result")
def run_script(lab, server, docstring):
    """Run the step's text as one shell script (stops at the first failing command) and keep its result."""
    return run_on(lab, server, "set -e\n" + docstring)


def _every(result: CommandResult, verdict) -> None:
    problems = [problem for problem in map(verdict, result.answers) if problem]
    assert not problems, "; ".join(problems)


@then(sentence("終了ステータスが {status:d} である"))
def exit_status_is(command_result, status):
    """The kept command exited with this status."""
    _every(
        command_result,
        lambda a: (
            None
            if a.status == status
            else f"{a.where()} exited {a.status}, expected {status} (stderr: {excerpt(a.stderr)}; stdout: {excerpt(a.stdout)})"
        ),
    )


NOT_RUN = {126: "not executable", 127: "command not found"}


def _failed(answer) -> str | None:
    """Why an answer is not the failure a negative path expects; None when it is one."""
    if answer.status == 0:
        return f"{answer.where()} exited 0, expected a failure (non-zero); stdout: {excerpt(answer.stdout)}"
    if answer.status in NOT_RUN:
        return (
            f"{answer.where()} exited {answer.status} ({NOT_RUN[answer.status]}): it did not run, so its "
            f"failure proves nothing (stderr: {excerpt(answer.stderr)})"
        )
    return None


@then(sentence("終了ステータスが 0 以外である"))
def exit_status_nonzero(command_result):
    """The kept command ran and failed: its exit status is neither 0 nor 126/127 (not executable, not found)."""
    _every(command_result, _failed)


@then(sentence('標準出力に "{text}" が含まれる'))
def stdout_contains(command_result, text):
    """The kept command's standard output contains this text."""
    _every(
        command_result,
        lambda a: (
            None
            if text in a.stdout
            else f"{a.where()}: standard output lacks '{text}' (exit {a.status}); it was: {excerpt(a.stdout)}"
        ),
    )


@then(sentence('標準出力に "{text}" が含まれない'))
def stdout_lacks(command_result, text):
    """The kept command's standard output does not contain this text."""
    _every(
        command_result,
        lambda a: (
            None
            if text not in a.stdout
            else f"{a.where()}: standard output contains '{text}', expected not: {_line_with(a.stdout, text)}"
        ),
    )


@then(sentence('標準出力が正規表現 "{pattern}" に一致する'))
def stdout_matches(command_result, pattern):
    """Some line of the kept command's standard output matches this regular expression (re.search, multi-line)."""
    try:
        compiled = re.compile(pattern, re.MULTILINE)
    except re.error as exc:
        raise LabError(f"'{pattern}' is not a regular expression: {exc}") from None
    _every(
        command_result,
        lambda a: (
            None
            if compiled.search(a.stdout)
            else f"{a.where()}: standard output does not match /{pattern}/ (exit {a.status}); it was: {excerpt(a.stdout)}"
        ),
    )


@then(sentence('標準エラー出力に "{text}" が含まれる'))
def stderr_contains(command_result, text):
    """The kept command's standard error contains this text."""
    _every(
        command_result,
        lambda a: (
            None
            if text in a.stderr
            else f"{a.where()}: standard error lacks '{text}' (exit {a.status}); it was: {excerpt(a.stderr)}"
        ),
    )


@check('"{server:q}" でコマンド "{command}" が成功する')
def command_succeeds(lab, server, command):
    """The command exits 0 on the server (on each server of a role)."""
    each(lab, server, lambda s: _succeeded(s, command))


@check('"{server:q}" でコマンド "{command}" が失敗する')
def command_fails(lab, server, command):
    """The command runs and exits non-zero on the server (126 and 127, not run at all, do not count)."""

    def fails(s):
        result = s.run(command)
        problem = _failed(Answer(s.name, command, result.rc, result.stdout, result.stderr))
        assert problem is None, problem

    each(lab, server, fails)


@when(sentence('"{server:q}" でコマンド "{command}" の出力を "{name:q}" として記録する'))
def remember_output(lab, remembered, server, command, name):
    """Run a command that must succeed and remember its (non-empty) standard output under a name, on each server."""
    for s in servers(lab, server):
        result = s.run(command)
        assert result.rc == 0, (
            f"{s.name}: `{_short(command)}` exited {result.rc}, expected 0 to remember its "
            f"output as '{name}' (stderr: {excerpt(result.stderr)})"
        )
        value = result.stdout.strip()
        at_stake(
            len(value.splitlines()), f"lines of output from `{_short(command)}` on {s.name} to remember as '{name}'"
        )
        remembered.keep_output(name, s.name, command, value)


@check('"{server:q}" でコマンド "{command}" の出力が記録した "{name:q}" と同じである')
def output_as_remembered(lab, remembered, server, command, name):
    """The command's standard output (stripped) equals the output remembered under this name (on that server, else the only one)."""

    def same(s):
        before = remembered.output(name, s.name)
        result = s.run(command)
        now = result.stdout.strip()
        assert result.rc == 0 and now == before.value, (
            f"{s.name}: `{_short(command)}` answered '{excerpt(now)}' (exit {result.rc}), expected "
            f"'{excerpt(before.value)}', remembered as '{name}' on {before.server}"
            + ("" if result.rc == 0 else f" (stderr: {excerpt(result.stderr)})")
        )

    each(lab, server, same)


@check('"{server:q}" でコマンド "{command}" の出力に "{text}" が含まれる')
def command_output_contains(lab, server, command, text):
    """The command's standard output on the server contains this text."""
    each(lab, server, lambda s: _contains(s, command, text))


def _contains(s, command: str, text: str) -> None:
    result = s.run(command)
    assert text in result.stdout, (
        f"{s.name}: the output of `{_short(command)}` lacks '{text}' "
        f"(exit {result.rc}); it was: {excerpt(result.stdout)}"
    )


def _succeeded(s, command: str):
    """The command's result on the server; an AssertionError unless it exited 0 (an output of a
    command that failed, or did not run, proves nothing about what it lacks or says)."""
    result = s.run(command)
    assert result.rc == 0, (
        f"{s.name}: `{_short(command)}` exited {result.rc}, expected 0 "
        f"(stderr: {excerpt(result.stderr)}; stdout: {excerpt(result.stdout)})"
    )
    return result


@check('"{server:q}" でコマンド "{command}" の出力に "{text}" が含まれない')
def command_output_lacks(lab, server, command, text):
    """The command succeeds on the server and its standard output does not contain this text."""

    def lacks(s):
        result = _succeeded(s, command)
        assert text not in result.stdout, (
            f"{s.name}: the output of `{_short(command)}` contains '{text}', "
            f"expected not: {_line_with(result.stdout, text)}"
        )

    each(lab, server, lacks)


@check('"{server:q}" でコマンド "{command}" の出力が "{text}" である')
def command_output_is(lab, server, command, text):
    """The command succeeds on the server and its standard output, stripped, is exactly this text."""

    def equals(s):
        now = _succeeded(s, command).stdout.strip()
        assert now == text, f"{s.name}: `{_short(command)}` answered '{excerpt(now)}', expected '{text}'"

    each(lab, server, equals)


# The same checks with the command as the step's text (a docstring): a long command, or one
# with a secret, stays out of the step's title. Run as one script, like 次のコマンドを実行する.


@check('"{server:q}" で次のコマンドが成功する:')
def script_succeeds(lab, server, docstring):
    """The step's text, run as one shell script (stopping at its first failing command), exits 0 on the server."""
    each(lab, server, lambda s: _succeeded(s, "set -e\n" + docstring))


@check('"{server:q}" で次のコマンドの出力に "{text}" が含まれる:')
def script_output_contains(lab, server, text, docstring):
    """The standard output of the step's text, run as one shell script, contains this text on the server."""
    each(lab, server, lambda s: _contains(s, "set -e\n" + docstring, text))


def _short(command: str, limit: int = 80) -> str:
    flat = " ⏎ ".join(line for line in command.splitlines() if line.strip() and line != "set -e")
    return flat if len(flat) <= limit else flat[:limit] + "…"


def _line_with(text: str, part: str) -> str:
    return excerpt(next(line for line in text.splitlines() if part in line))
