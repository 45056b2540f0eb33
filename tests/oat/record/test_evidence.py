"""oat.record.evidence: masking secrets and recording the commands of each Gherkin step."""

from __future__ import annotations

import pytest

from oat.errors import LabError
from oat.record.evidence import ERROR, FAILED, MASK, NOT_RUN, PASSED, Masker, Recorder, one_line

# --- literal secrets ---------------------------------------------------------------------


def test_a_literal_secret_is_masked_everywhere():
    mask = Masker(["hunter22"])
    assert mask("login hunter22; echo hunter22") == f"login {MASK}; echo {MASK}"


def test_the_longest_literal_is_masked_first():
    mask = Masker(["abcd", "abcdefgh"])
    assert mask("x abcdefgh y") == f"x {MASK} y"


def test_a_secret_added_later_is_masked():
    mask = Masker()
    mask.add("s3cr3t-value")
    assert mask("value: s3cr3t-value") == f"value: {MASK}"


@pytest.mark.parametrize("secret", ["", "a", "abc"])
def test_a_too_short_secret_is_refused(secret):
    with pytest.raises(ValueError, match="at least 4 characters"):
        Masker([secret])


def test_none_as_a_secret_is_ignored():
    mask = Masker([None])
    assert mask("nothing here") == "nothing here"


@pytest.mark.parametrize("text", ["", None])
def test_empty_text_is_returned_as_is(text):
    assert Masker(["hunter22"])(text) == text


# --- secrets found by their shape --------------------------------------------------------


@pytest.mark.parametrize(
    "text, masked",
    [
        ("password=hunter2", f"password={MASK}"),
        ("DB_PASSWORD=abc;echo done", f"DB_PASSWORD={MASK};echo done"),
        ("passwd: abc123", f"passwd: {MASK}"),
        ("api_key=XYZ123", f"api_key={MASK}"),
        ("API-KEY: XYZ123", f"API-KEY: {MASK}"),
        ("access_key = AKIA0000", f"access_key = {MASK}"),
        ("client_secret='abc'", f"client_secret='{MASK}'"),
        ('token "abc"', f'token "{MASK}"'),
    ],
)
def test_assignments_to_secret_keys_are_masked(text, masked):
    assert Masker()(text) == masked


def test_a_json_style_password_is_masked():
    out = Masker()('{"user": "admin", "password": "hunter2x"}')
    assert "hunter2x" not in out
    assert out == f'{{"user": "admin", "password": "{MASK}"}}'


def test_a_quoted_secret_with_spaces_is_masked_whole():
    out = Masker()("password='correct horse battery'")
    assert "horse" not in out and "battery" not in out


@pytest.mark.parametrize(
    "text, masked",
    [
        ("mysql --password hunter2 -e 'select 1'", f"mysql --password {MASK} -e 'select 1'"),
        ("tool --db-password=hunter2 run", f"tool --db-password={MASK} run"),
        ("gh auth --token ghp_abc123", f"gh auth --token {MASK}"),
    ],
)
def test_secret_flags_are_masked(text, masked):
    assert Masker()(text) == masked


@pytest.mark.parametrize(
    "text, masked",
    [
        ("git clone https://bob:s3cret@scm.example/x.git", f"git clone https://bob:{MASK}@scm.example/x.git"),
        ("postgresql://app:pw1234@db:5432/app", f"postgresql://app:{MASK}@db:5432/app"),
    ],
)
def test_url_credentials_are_masked(text, masked):
    assert Masker()(text) == masked


def test_a_url_without_credentials_is_unchanged():
    text = "curl -fsS http://repo:8080/dists/ https://user@host/path"
    assert Masker()(text) == text


def test_a_pem_private_key_block_is_masked():
    pem = (
        "before\n-----BEGIN OPENSSH PRIVATE KEY-----\n"
        "b3BlbnNzaC1rZXktdjEAAAAA\nAAAABG5vbmUAAAAEbm9uZQ==\n"
        "-----END OPENSSH PRIVATE KEY-----\nafter"
    )
    out = Masker()(pem)
    assert out == (f"before\n-----BEGIN OPENSSH PRIVATE KEY-----{MASK}-----END OPENSSH PRIVATE KEY-----\nafter")


def test_a_truncated_private_key_is_masked_to_the_end():
    out = Masker()("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nqq")
    assert "MIIE" not in out and MASK in out


def test_a_public_key_or_certificate_is_not_masked():
    text = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"
    assert Masker()(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "passed",
        "5 passed, 1 skipped in 0.12s",
        "bypass the cache",
        "ssh-keygen -A",
        "Setting up passwd (1:4.13+dfsg1-1) ...",
        "getent passwd root",
        "systemctl is-active oat-repo.service",
        "apt-get install -y nginx",
    ],
)
def test_text_without_secrets_is_unchanged(text):
    assert Masker(["hunter22"])(text) == text


def test_ordinary_words_containing_pass_keep_their_values():
    assert Masker()("checks passed: 5") == "checks passed: 5"


# --- the recorder ------------------------------------------------------------------------


@pytest.fixture
def recorder() -> Recorder:
    rec = Recorder(Masker(["hunter22"]))
    rec.start_scenario(
        [("Given", "a lab"), ("When", "tengine is installed"), ("Then", "it runs")], key="tests/x.py::test_y"
    )
    return rec


def test_a_scenario_starts_with_every_step_not_run(recorder):
    assert recorder.key == "tests/x.py::test_y"
    assert [s.title for s in recorder.steps] == ["Given a lab", "When tengine is installed", "Then it runs"]
    assert all(s.status == NOT_RUN for s in recorder.steps)
    assert recorder.current is None
    assert recorder.failed_step is None


def test_a_step_that_ends_without_error_passes(recorder):
    recorder.start_step(0)
    assert recorder.current is recorder.steps[0]
    recorder.end_step()
    assert recorder.steps[0].status == PASSED
    assert recorder.steps[0].duration >= 0
    assert recorder.current is None


def test_a_failed_step_keeps_a_one_line_masked_cause(recorder):
    recorder.start_step(1)
    recorder.end_step(RuntimeError("login with hunter22 refused\nTraceback: ..."))
    step = recorder.steps[1]
    assert step.status == ERROR  # not a failed check: nothing could be checked
    assert step.error == f"RuntimeError: login with {MASK} refused"
    assert recorder.failed_step is step


def test_a_failed_check_is_a_failed_step(recorder):
    recorder.start_step(2)
    recorder.end_step(AssertionError("tengine is not running"))
    assert recorder.steps[2].status == FAILED and recorder.steps[2].status == "failed"
    assert recorder.failed_step is recorder.steps[2]


def test_end_step_outside_a_step_does_nothing(recorder):
    recorder.end_step(RuntimeError("boom"))
    assert all(s.status == NOT_RUN for s in recorder.steps)


def test_commands_land_under_the_running_step(recorder):
    recorder.start_step(1)
    recorder.record("core", "apt-get install -y tengine", 0, "ok", "", 1.5)
    recorder.end_step()
    assert [c.command for c in recorder.steps[1].commands] == ["apt-get install -y tengine"]
    assert recorder.steps[0].commands == [] and recorder.steps[2].commands == []
    assert recorder.setup_commands == []


def test_commands_outside_any_step_are_setup_commands(recorder):
    entry = recorder.record("repo", "oat-repo-index", 0, "3 packages", None, 0.2)
    assert recorder.setup_commands == [entry]
    assert entry.stderr == ""
    assert all(s.commands == [] for s in recorder.steps)


def test_a_recorded_command_is_masked_in_command_and_output(recorder):
    entry = recorder.record("db", "mysql --password hunter22", 1, "user hunter22", "password=abc denied", 0.1)
    assert entry.command == f"mysql --password {MASK}"
    assert entry.stdout == f"user {MASK}"
    assert entry.stderr == f"password={MASK} denied"
    assert entry.exit_code == 1 and entry.ok is False
    assert "hunter22" not in repr(entry)


def test_a_command_with_exit_code_zero_is_ok(recorder):
    assert recorder.record("db", "true", 0, "", "", 0.0).ok is True


def test_a_command_without_exit_code_is_not_ok(recorder):
    assert recorder.record("db", "sleep 100", None, "", "", 5.0).ok is False


def test_attachments_go_to_the_running_step_and_text_is_masked(recorder):
    recorder.start_step(2)
    recorder.attach("text", "config", "token=hunter22")
    recorder.attach("png", "screen", b"\x89PNG hunter22")
    attachments = recorder.steps[2].attachments
    assert [(a.kind, a.name) for a in attachments] == [("text", "config"), ("png", "screen")]
    assert attachments[0].content == f"token={MASK}"
    assert attachments[1].content == b"\x89PNG hunter22"  # bytes are stored as they are


def test_an_attachment_outside_a_step_goes_to_the_last_step(recorder):
    recorder.attach("text", "summary", "done")
    assert [a.name for a in recorder.steps[-1].attachments] == ["summary"]


def test_an_attachment_without_any_scenario_is_dropped():
    rec = Recorder(Masker())
    rec.attach("text", "summary", "done")
    assert rec.steps == []


def test_a_new_scenario_replaces_the_previous_steps(recorder):
    recorder.start_step(0)
    recorder.start_scenario([("Given", "another lab")], key="k2")
    assert [s.title for s in recorder.steps] == ["Given another lab"]
    assert recorder.current is None and recorder.key == "k2"


# --- one_line ----------------------------------------------------------------------------


def test_one_line_prefixes_the_exception_type():
    assert one_line(ValueError("bad value\nmore")) == "ValueError: bad value"


def test_one_line_skips_blank_leading_lines():
    assert one_line(RuntimeError("\n\n  first real line  \nsecond")) == "RuntimeError: first real line"


@pytest.mark.parametrize("error", [AssertionError("expected 1\nassert 0 == 1"), LabError("expected 1")])
def test_one_line_leaves_assertions_and_lab_errors_unprefixed(error):
    assert one_line(error) == "expected 1"


def test_one_line_of_an_empty_error_is_its_type():
    assert one_line(KeyError()) == "KeyError"


def test_a_secret_learnt_during_the_run_is_masked_in_what_was_already_recorded():
    recorder = Recorder(Masker())
    recorder.record("db", "setup", 0, "key Clw_setupKEY99", "", 0.1)
    recorder.start_scenario([("もし", "API キーを発行する")])
    recorder.start_step(0)
    recorder.record("node1", "clweb_user apikey jcadmin", 0, "Clw_setupKEY99\n", "", 0.1)
    recorder.secret("Clw_setupKEY99")
    recorder.record("node1", "curl -H 'X-Key: Clw_setupKEY99'", 0, "", "", 0.1)
    recorded = recorder.setup_commands + recorder.steps[0].commands
    assert all("Clw_setupKEY99" not in f"{c.command} {c.stdout}" for c in recorded)
    assert recorder.steps[0].commands[0].stdout == "********\n"
