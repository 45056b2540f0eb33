"""Allure results beside the report: `pytest --alluredir DIR` (with `pip install 'oat[allure]'`).

allure-pytest-bdd writes the results: one test per scenario, one step per Gherkin step. oat
adds what its own reports show:
- each step's evidence as attachments of that step: every command it ran (server, exit
  status, duration, output), the screenshots, and the servers' journal and the browser's
  screen gathered when it failed;
- the scenario's outcome as oat records it (oat.record.outcome): 合格 is passed, 不合格 (a
  check failed) failed, エラー (nothing could be checked) broken, and 実施不可, 未実施 and 免除
  skipped, with their reason as the message (a scenario left out before its first step gets a
  result too: allure-pytest-bdd writes none); a failure's message is its one line (the Gherkin
  step and the cause); a label 判定 gives the word the other outputs show;
- masking: every text written to DIR (names, parameters, messages, traces, text attachments,
  captured output) goes through the run's masker first, as every other output does.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from oat.plugin.bdd import template_of
from oat.plugin.lab import recorder_key
from oat.plugin.report import scenario_key
from oat.record.outcome import Outcome
from oat.record.timewords import seconds
from oat.render.workbook import LEFT_OUT, outcome_of

try:
    import attr
    from allure_commons.lifecycle import AllureLifecycle
    from allure_commons.model2 import ATTACHMENT_PATTERN, Attachment, Label, StatusDetails
    from allure_commons.types import AttachmentType
    from allure_commons.utils import md5, uuid4
    from allure_pytest_bdd.pytest_bdd_listener import PytestBDDListener
except ImportError:  # the extra is not installed: --alluredir says how to get it
    AllureLifecycle = None

INSTALL = "pip install 'oat[allure]'"
STATUS = {
    Outcome.PASSED: "passed",
    Outcome.FAILED: "failed",
    Outcome.ERROR: "broken",
    Outcome.CANNOT: "skipped",
    Outcome.WAIVED: "skipped",
    Outcome.NOT_RUN: "skipped",
}  # Allure's statuses (allure_commons Status)
lifecycle_key = pytest.StashKey[object]()
LABEL = "判定"  # the label with the word the other outputs show for the scenario's outcome


def pytest_addoption(parser):
    if AllureLifecycle is None:  # allure-pytest-bdd adds the option itself when it is installed
        parser.getgroup("oat").addoption(
            "--alluredir",
            dest="allure_report_dir",
            metavar="DIR",
            default=None,
            help=f"write Allure results to DIR (needs allure-pytest-bdd: {INSTALL})",
        )


@pytest.hookimpl(trylast=True)  # after allure-pytest-bdd made its listener
def pytest_configure(config):
    if not config.getoption("allure_report_dir", None):
        return
    if AllureLifecycle is None:
        raise pytest.UsageError(f"oat: --alluredir needs allure-pytest-bdd: {INSTALL}")
    listener = next((p for p in config.pluginmanager.get_plugins() if isinstance(p, PytestBDDListener)), None)
    if listener is None:
        raise pytest.UsageError(
            "oat: --alluredir: allure-pytest-bdd is installed but not loaded "
            "(-p no:allure_pytest_bdd?); its plugin writes the results"
        )
    lifecycle = listener.lifecycle
    lifecycle.__class__ = MaskedLifecycle  # the one object every result and attachment goes through
    lifecycle.mask = config.stash[recorder_key].mask  # the run's masker, with the secrets learnt later too
    config.stash[lifecycle_key] = lifecycle


if AllureLifecycle is not None:

    class MaskedLifecycle(AllureLifecycle):
        """allure-python's lifecycle with every text masked before it is written."""

        mask = None

        def write_test_case(self, uuid=None):
            with self.update_test_case(uuid=uuid) as result:
                if result is not None:
                    _mask_attrs(result, self.mask)
            super().write_test_case(uuid=uuid)

        def attach_data(self, uuid, body, name=None, attachment_type=None, extension=None, parent_uuid=None):
            super().attach_data(
                uuid,
                _masked_body(body, attachment_type, self.mask),
                name=self.mask(name),
                attachment_type=attachment_type,
                extension=extension,
                parent_uuid=parent_uuid,
            )

        def attach_file(self, uuid, source, name=None, attachment_type=None, extension=None, parent_uuid=None):
            if _is_text(attachment_type):  # read, masked, written as data
                with open(source, "rb") as file:
                    return self.attach_data(
                        uuid,
                        file.read(),
                        name=name,
                        attachment_type=attachment_type,
                        extension=extension,
                        parent_uuid=parent_uuid,
                    )
            return super().attach_file(
                uuid,
                source,
                name=self.mask(name),
                attachment_type=attachment_type,
                extension=extension,
                parent_uuid=parent_uuid,
            )

        def global_attach_data(self, uuid, body, name=None, attachment_type=None, extension=None):
            super().global_attach_data(
                uuid,
                _masked_body(body, attachment_type, self.mask),
                name=self.mask(name),
                attachment_type=attachment_type,
                extension=extension,
            )

        def global_attach_file(self, uuid, source, name=None, attachment_type=None, extension=None):
            if _is_text(attachment_type):
                with open(source, "rb") as file:
                    return self.global_attach_data(
                        uuid, file.read(), name=name, attachment_type=attachment_type, extension=extension
                    )
            return super().global_attach_file(
                uuid, source, name=self.mask(name), attachment_type=attachment_type, extension=extension
            )

        def write_container(self, uuid=None):
            with self.update_container(uuid=uuid) as container:
                if container is not None:
                    _mask_attrs(container, self.mask)
            super().write_container(uuid=uuid)

        def global_error(self, message=None, trace=None):
            super().global_error(message=self.mask(message), trace=self.mask(trace))

        def attach_to(self, executable, body, name: str, attachment_type) -> None:
            """Attach to a step or test already finished (the evidence is known at its end)."""
            from allure_commons._core import plugin_manager

            file_name = ATTACHMENT_PATTERN.format(prefix=uuid4(), ext=attachment_type.extension)
            plugin_manager.hook.report_attached_data(
                body=_masked_body(body, attachment_type, self.mask), file_name=file_name
            )
            executable.attachments.append(
                Attachment(name=self.mask(name), source=file_name, type=attachment_type.mime_type)
            )


def _is_text(attachment_type) -> bool:
    mime = getattr(attachment_type, "mime_type", attachment_type) or ""
    return not str(mime).startswith(
        (
            "image/png",
            "image/jp",
            "image/gif",
            "image/bmp",
            "image/tiff",
            "video/",
            "application/zip",
            "application/pdf",
            "application/vnd",
        )
    )


def _masked_body(body, attachment_type, mask):
    if isinstance(body, str):
        return mask(body)
    if isinstance(body, bytes) and _is_text(attachment_type):
        try:
            return mask(body.decode("utf-8")).encode("utf-8")
        except UnicodeDecodeError:
            return body
    return body


def _mask_attrs(item, mask) -> None:
    """Every text of an allure-python model object (and of those it holds) masked in place."""
    for field in attr.fields(type(item)):
        setattr(item, field.name, _masked(getattr(item, field.name), mask))


def _masked(value, mask):
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, list):
        return [_masked(v, mask) for v in value]
    if isinstance(value, dict):
        return {k: _masked(v, mask) for k, v in value.items()}
    if attr.has(type(value)):
        _mask_attrs(value, mask)
    return value


# --- what oat adds to each scenario's result --------------------------------------------------


@pytest.hookimpl(hookwrapper=True, tryfirst=True)  # outside allure-pytest-bdd's: after it judged
def pytest_runtest_makereport(item, call):
    report = (yield).get_result()
    lifecycle = item.config.stash.get(lifecycle_key, None)
    if lifecycle is None:
        return
    scenario = getattr(report, "oat_scenario", None)
    if report.when == "call":
        _complete(lifecycle, item, report, scenario)
    elif report.when == "setup" and not report.passed and scenario:
        _not_started(lifecycle, item, report, scenario)


def _complete(lifecycle, item, report, scenario) -> None:
    """The running scenario's result: each step's evidence, and the outcome in oat's words."""
    ran = item.stash.get(scenario_key, None)
    recorder = item.config.stash[recorder_key]
    with lifecycle.update_test_case() as result:  # the one this process is running
        if result is None or ran is None or not (result.fullName or "").endswith(f":{ran[2]}"):
            return
        if recorder.key == item.nodeid:  # the steps not reached yet are added at teardown, with nothing
            for step, allure_step in zip(recorder.steps, result.steps, strict=False):
                _attach_evidence(lifecycle, allure_step, step)
        if scenario is None:
            return
        outcome = outcome_of(scenario.get("outcome"))
        result.labels.append(Label(name=LABEL, value=outcome.word))
        result.status = STATUS[outcome]
        headline = (scenario.get("failure") or {}).get("headline")
        waiver = (scenario.get("waiver") or {}).get("text")
        message = f"{outcome.word}: {waiver}" if outcome == Outcome.WAIVED and waiver else headline
        if message:
            trace = result.statusDetails.trace if result.statusDetails else report.longreprtext
            result.statusDetails = StatusDetails(message=message, trace=trace)


def _attach_evidence(lifecycle, allure_step, step) -> None:
    for command in step.commands:
        code = "例外" if command.exit_code is None else command.exit_code
        name = f"{command.server}: $ {command.command}"
        name = (name if len(name) <= 100 else name[:100] + " …") + (
            "" if command.exit_code == 0 else f" (終了コード {code})"
        )
        body = "\n".join(
            [
                f"サーバ: {command.server}" + (f" ({command.via})" if command.via else ""),
                f"$ {command.command}",
                f"終了コード: {code} ・ 所要時間: {seconds(command.duration)}",
                "--- 標準出力 ---",
                command.stdout or "(なし)",
                "--- 標準エラー出力 ---",
                command.stderr or "(なし)",
            ]
        )
        lifecycle.attach_to(allure_step, body, name, AttachmentType.TEXT)
    for attachment in step.attachments:
        if attachment.kind == "png":
            lifecycle.attach_to(allure_step, attachment.content, attachment.name, AttachmentType.PNG)
        elif isinstance(attachment.content, str):
            lifecycle.attach_to(allure_step, attachment.content, attachment.name, AttachmentType.TEXT)


def _not_started(lifecycle, item, report, scenario) -> None:
    """A scenario that ended before its first step: left out (its folder failed earlier, or
    実施不可 here) or its set-up failed (エラー). allure-pytest-bdd writes nothing for a test that
    ends before its scenario starts, so oat writes it, with why, named as allure-pytest-bdd
    names the scenarios it runs."""
    template = template_of(item)
    if template is None:
        return
    feature = template.feature
    full_name = f"{Path(feature.rel_filename)}:{template.name}"
    try:
        folders = Path(feature.filename).relative_to(item.config.rootpath).parts[:-1]
    except ValueError:
        folders = ()
    outcome = outcome_of(scenario["outcome"])
    if outcome in LEFT_OUT:
        why = (
            f"{outcome.word}: 同じラボで先に実行した「{scenario['blocked_by']}」が失敗したため"
            if scenario.get("blocked_by")
            else f"{outcome.word}: {scenario.get('reason', '')}"
        )
        details = StatusDetails(message=why)
    else:
        details = StatusDetails(
            message=(scenario.get("failure") or {}).get("headline") or outcome.word, trace=report.longreprtext
        )
    now = round(time.time() * 1000)
    with lifecycle.schedule_test_case(uuid=uuid4()) as result:
        result.name, result.fullName = scenario["label"], full_name
        result.titlePath = [*folders, feature.name or Path(feature.filename).name]
        result.testCaseId = md5(full_name)
        result.historyId = md5(full_name)
        result.status, result.statusDetails = STATUS[outcome], details
        result.start = result.stop = now
        result.labels.extend(
            [
                Label(name="framework", value="pytest-bdd"),
                Label(name="feature", value=feature.name),
                Label(name=LABEL, value=outcome.word),
            ]
        )
        uuid = result.uuid
    lifecycle.write_test_case(uuid=uuid)
