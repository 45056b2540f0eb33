"""Commands on a server, as an operator types them, and what they answered.

`もし "SERVER" でコマンド "…" を実行する` runs the command and keeps its result
(`command_result`) for the next steps of the scenario: exit status, standard output, standard
error. A role that several servers have runs it on each of them, and the checks then apply
to every answer. The one-shot checks run a command and check it in the same sentence (and
so also exist as `N 秒以内に …`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from pytest_bdd import then, when

from oat.errors import LabError
from oat.model.targets import servers
from oat.vocabulary.checks import check, sentence, each, excerpt


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
    raise LabError('no command has run in this scenario yet: a step like もし "SERVER" でコマンド "…" を実行する '
                   "must come before this one")


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
    _every(command_result, lambda a: None if a.status == status else
           f"{a.where()} exited {a.status}, expected {status} (stderr: {excerpt(a.stderr)}; stdout: {excerpt(a.stdout)})")


@then(sentence('標準出力に "{text}" が含まれる'))
def stdout_contains(command_result, text):
    """The kept command's standard output contains this text."""
    _every(command_result, lambda a: None if text in a.stdout else
           f"{a.where()}: standard output lacks '{text}' (exit {a.status}); it was: {excerpt(a.stdout)}")


@then(sentence('標準出力に "{text}" が含まれない'))
def stdout_lacks(command_result, text):
    """The kept command's standard output does not contain this text."""
    _every(command_result, lambda a: None if text not in a.stdout else
           f"{a.where()}: standard output contains '{text}', expected not: {_line_with(a.stdout, text)}")


@then(sentence('標準出力が正規表現 "{pattern}" に一致する'))
def stdout_matches(command_result, pattern):
    """Some line of the kept command's standard output matches this regular expression (re.search, multi-line)."""
    try:
        compiled = re.compile(pattern, re.MULTILINE)
    except re.error as exc:
        raise LabError(f"'{pattern}' is not a regular expression: {exc}") from None
    _every(command_result, lambda a: None if compiled.search(a.stdout) else
           f"{a.where()}: standard output does not match /{pattern}/ (exit {a.status}); it was: {excerpt(a.stdout)}")


@then(sentence('標準エラー出力に "{text}" が含まれる'))
def stderr_contains(command_result, text):
    """The kept command's standard error contains this text."""
    _every(command_result, lambda a: None if text in a.stderr else
           f"{a.where()}: standard error lacks '{text}' (exit {a.status}); it was: {excerpt(a.stderr)}")


@check('"{server:q}" でコマンド "{command}" が成功する')
def command_succeeds(lab, server, command):
    """The command exits 0 on the server (on each server of a role)."""
    def succeeds(s):
        result = s.run(command)
        assert result.rc == 0, (f"{s.name}: `{_short(command)}` exited {result.rc}, expected 0 "
                                f"(stderr: {excerpt(result.stderr)}; stdout: {excerpt(result.stdout)})")
    each(lab, server, succeeds)


@check('"{server:q}" でコマンド "{command}" の出力に "{text}" が含まれる')
def command_output_contains(lab, server, command, text):
    """The command's standard output on the server contains this text."""
    def contains(s):
        result = s.run(command)
        assert text in result.stdout, (f"{s.name}: the output of `{_short(command)}` lacks '{text}' "
                                       f"(exit {result.rc}); it was: {excerpt(result.stdout)}")
    each(lab, server, contains)


def _short(command: str, limit: int = 80) -> str:
    flat = " ⏎ ".join(line for line in command.splitlines() if line.strip() and line != "set -e")
    return flat if len(flat) <= limit else flat[:limit] + "…"


def _line_with(text: str, part: str) -> str:
    return excerpt(next(line for line in text.splitlines() if part in line))
