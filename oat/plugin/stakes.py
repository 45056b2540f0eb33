"""A run whose only failures are checks with nothing at stake exits 9, not 1.

A check that had nothing to check raises NothingAtStake (oat.errors.at_stake): its step and
scenario fail with that one line, as any failure does, so it is never a pass. The exit status
tells it apart from a product defect: 9 when every failed test of the run failed that way, 1
as soon as any other failure is among them (a failed check says more than a missing stake).
Under pytest-xdist the mark travels on the test's report to the controller, which decides.
"""

from __future__ import annotations

import pytest

from oat.errors import NothingAtStake


class Stakes:
    """Counts the run's failed test reports by whether nothing at stake was their cause, and
    sets the exit status from them."""

    def __init__(self):
        self.nothing_at_stake = 0
        self.other = 0

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if report.failed and call.excinfo is not None and call.excinfo.errisinstance(NothingAtStake):
            report.oat_nothing_at_stake = True  # plain data: it reaches the xdist controller

    def pytest_runtest_logreport(self, report):
        if report.failed and getattr(report, "oat_nothing_at_stake", False):
            self.nothing_at_stake += 1
        elif report.failed:
            self.other += 1

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session):
        """Before the reports write the run's exit status down."""
        if self.nothing_at_stake and not self.other and session.exitstatus == pytest.ExitCode.TESTS_FAILED:
            session.exitstatus = NothingAtStake.exit_code


def pytest_configure(config):
    config.pluginmanager.register(Stakes(), "oat-stakes")
