"""Secrets in runbooks: declared, given to the steps, and masked in every output.

- pytest.ini's `oat_secrets` declares them; values come from OAT_SECRET_<NAME> or the
  secrets file (oat.model.secrets). Each value set is masked from the start of the run.
- The placeholders {secret.NAME} are checked and replaced by oat.plugin.placeholders.
- Every report pytest makes is masked before anything reads it: the failure output (traceback,
  assertion message, the step function's arguments), captured output, skip reasons, oat's
  scenario data (the run record, which report.html and the 試験成績書 are made from) and
  pytest-bdd's scenario (cucumber.json). So the terminal, junit.xml, cucumber.json and
  report.html never see a secret; the commands and attachments were masked when recorded.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from oat.errors import OatError
from oat.model.secrets import Secrets
from oat.plugin.bdd import cucumber_data
from oat.plugin.lab import recorder_key
from oat.plugin.project import project_of
from oat.record.masking import MIN_LENGTH

secrets_key = pytest.StashKey[Secrets]()
SECRETS_FILE = "secrets.yaml"


def pytest_addoption(parser):
    parser.addini(
        "oat_secrets",
        type="linelist",
        default=[],
        help="the project's secrets by name; features use {secret.NAME}, values come from "
        "OAT_SECRET_NAME or the secrets file",
    )
    parser.addini(
        "oat_secrets_file",
        default=SECRETS_FILE,
        help=f"the secrets file, relative to pytest.ini (default: {SECRETS_FILE}; keep it out of git)",
    )
    parser.getgroup("oat").addoption(
        "--secrets",
        metavar="FILE",
        default=None,
        help="the file of the secrets' values (a YAML mapping NAME: value; default: oat_secrets_file)",
    )


@pytest.hookimpl(trylast=True)  # after oat.plugin.lab made the recorder and its masker
def pytest_configure(config):
    option = config.getoption("secrets", None)
    file = Path(option) if option else project_of(config).root / config.getini("oat_secrets_file")
    where = f"{config.inipath or 'pytest.ini'} (oat_secrets)"
    try:
        secrets = Secrets.load(config.getini("oat_secrets"), file, file_required=bool(option), where=where)
    except OatError as exc:
        raise pytest.UsageError(f"oat: {exc}") from None
    for name, value in secrets.values.items():
        if len(value) < MIN_LENGTH:
            raise pytest.UsageError(
                f"oat: secret '{name}' is shorter than {MIN_LENGTH} characters: "
                "too short to be told apart from other text and masked"
            )
        config.stash[recorder_key].mask.add(value)
    config.stash[secrets_key] = secrets


@pytest.hookimpl(hookwrapper=True, tryfirst=True)  # the outermost: after every plugin wrote its part
def pytest_runtest_makereport(item, call):
    outcome = yield
    mask_report(outcome.get_result(), item.config.stash[recorder_key].mask)


def mask_report(report, mask) -> None:
    """Every text of a test report masked: what the terminal, junit.xml, cucumber.json and
    the run record (so report.html) are written from."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):  # a skip: (file, line, reason)
        report.longrepr = mask.data(longrepr)
    elif longrepr is not None:
        text = longrepr if isinstance(longrepr, str) else report.longreprtext
        if mask(text) != text:
            report.longrepr = mask(text)  # plain text: the secret is gone from every rendering
    report.sections = [(title, mask(content)) for title, content in report.sections]
    if getattr(report, "oat_scenario", None):
        report.oat_scenario = mask.data(report.oat_scenario)
    scenario = cucumber_data(report)
    if scenario is not None:
        masked = mask.data(scenario)
        scenario.clear()
        scenario.update(masked)
