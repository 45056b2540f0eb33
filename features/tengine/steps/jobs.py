"""Steps of Tengine's jobs (use case 000 basic course 12-17): the job server registered with
the core, the job test start (ジョブテスト起動), the job script, and a jobnet from the SCM run
through core → SSH → agent → queue → core."""

from __future__ import annotations

import time

from pytest_bdd import parsers, step, then, when

from features.tengine.steps import TYPES, config_value, plain, shell
from features.tengine.steps.platform import virtual_server
from features.tengine.steps.state import Ran
from features.tengine.steps.tengine import CORE, db_query, edit_core_config, run_on_cores
from oat.errors import LabError
from oat.model.safety import disruptive

JOB_TEST_START = "Tengineコア サーバで Tengineコア のジョブテスト起動を実行する"

AGENT = "Tengineジョブエージェント"


@when(parsers.parse('Tengineコア にジョブ実行サーバ "{name:q}" を登録する', extra_types=TYPES))
def register_job_server(parts, product, name):
    """Add the job server to the core's config and restart a running core so it learns it."""
    template = product["core.job_server_entry"]
    entry = {field: config_value(plain(parts.render(value), name=name)) for field, value in template.items()}
    # An entry of the same name (in the field that holds {name}) is replaced.
    by = next((field for field, value in template.items() if value == "{name}"), None)
    if by is None:
        raise LabError(f"{product.path}: core.job_server_entry has no field that is '{{name}}'")

    def register(node, key):
        node[key] = [s for s in node.get(key) or [] if s.get(by) != name] + [entry]

    edit_core_config(parts, product, product["core.job_servers"], register)
    # A running core reads its config at start: it must learn the new server too.
    for server in parts.servers(CORE):
        server.check("systemctl try-restart %s", parts.part(CORE).service)


@when("Tengineコア サーバで Tengineコア のジョブテスト起動を実行する")
def run_job_test_start(parts, product, tengine_state):
    """Run the core's job test start on every core server and keep the results for the checks."""
    run_on_cores(parts, tengine_state, product["core.jobtest"])


@then("ジョブテスト起動が成功する")
def job_test_start_succeeds(product, tengine_state):
    """Every core's job test start succeeded."""
    for server, result, _took in tengine_state.needs("test_results", JOB_TEST_START):
        out = (result.stdout + result.stderr).strip()
        assert result.rc == 0 and product["core.jobtest_success"] in result.stdout, (
            f"{server.name}: job test start exited {result.rc}: {out.splitlines()[-1] if out else 'no output'}"
        )


@then(parsers.parse('ジョブテスト起動が失敗し、出力が "{server_name:q}" と原因 "{cause:q}" を示す', extra_types=TYPES))
def job_test_start_fails(product, tengine_state, server_name, cause):
    """Every core's job test start failed, naming the job server and the cause."""
    for server, result, _took in tengine_state.needs("test_results", JOB_TEST_START):
        out = (result.stdout + result.stderr).strip()
        assert result.rc != 0, f"{server.name}: job test start exited 0: {out}"
        assert product["core.jobtest_failure"] in out and server_name in out and cause in out, (
            f"{server.name}: the job test start does not name {server_name} and '{cause}': {out}"
        )


@when(parsers.parse('仮想サーバ "{name:q}" にジョブ実行用のスクリプトをセットアップする', extra_types=TYPES))
def set_up_job_script(parts, product, name):
    """Put the job's script on the virtual server, executable and owned by the job user."""
    server = virtual_server(parts, name)
    path = product["job_server.script"]
    server.put_file(path, parts.template(product["job_server.script_source"]), mode=0o755)
    server.check("chown %s: %s", product["job_server.user"], path)


@when(parsers.parse('Tengineコア で SCM のジョブネット "{jobnet:q}" を実行する', extra_types=TYPES))
def run_jobnet(parts, product, tengine_state, recorder, jobnet):
    """Run the jobnet on the first core server and measure how long the round trip took."""
    core = parts.servers(CORE)[0]
    started = time.monotonic()
    tengine_state.run = (jobnet, Ran(core, core.run(shell(product["core.run"], jobnet=jobnet))))
    recorder.measure(
        "seconds",
        f"ジョブネット {jobnet} の実行 (コア → SSH → エージェント → キュー → コア)",
        time.monotonic() - started,
    )


@then(
    parsers.parse(
        'ジョブネット "{jobnet:q}" の実行が成功し、ジョブの結果がキューを通って DB に記録されている', extra_types=TYPES
    )
)
def jobnet_succeeded(parts, product, tengine_state, jobnet):
    """The run succeeded, its execution is recorded as a success and its jobs' events reached the DB."""
    _jobnet_ended(parts, product, tengine_state, jobnet, product["core.run_success"], succeeded=True)


@then(
    parsers.parse(
        'ジョブネット "{jobnet:q}" の実行が失敗し、ジョブの失敗がキューを通って DB に記録されている', extra_types=TYPES
    )
)
def jobnet_failed(parts, product, tengine_state, jobnet):
    """The run failed (non-zero exit), its execution is recorded as failed and its jobs' ends reached the DB."""
    _jobnet_ended(parts, product, tengine_state, jobnet, product["core.run_failure"], succeeded=False)


def _jobnet_ended(parts, product, tengine_state, jobnet: str, status: str, succeeded: bool) -> None:
    ran, run = tengine_state.needs("run", 'Tengineコア で SCM のジョブネット "…" を実行する')
    result = run.result
    out = (result.stdout + result.stderr).strip()
    exited = result.rc == 0 if succeeded else result.rc != 0
    assert ran == jobnet and exited and status in result.stdout, (
        f"jobnet {jobnet} exited {result.rc}, expected {'0' if succeeded else 'non-zero'} and '{status}': {out}"
    )
    row = db_query(parts, product, "last_execution", jobnet=jobnet)
    assert row.split("|", 1)[0] == status, f"the last execution of {jobnet} in the DB is: {row}, expected '{status}'"
    count = db_query(parts, product, "job_finished_events", jobnet=jobnet)
    assert int(count) >= 1, f"no job of {jobnet} reported its end to the DB (db.queries.job_finished_events: {count})"


# --- the alternate courses' faults on the job server ------------------------------------


@step(parsers.parse('仮想サーバ "{name:q}" から Tengineジョブエージェント をアンインストールする', extra_types=TYPES))
@disruptive
def purge_agent(parts, name):
    """Purge the agent's package from the virtual server."""
    server = virtual_server(parts, name)
    package = parts.part(AGENT).package
    server.check("apt-get purge -y %s", package)
    assert not server.host.package(package).is_installed, f"{package} is still installed on {name}"


@step(parsers.parse('仮想サーバ "{name:q}" のパッケージ取得元の設定が失われる', extra_types=TYPES))
@disruptive
def lose_package_source(parts, name):
    """Remove every apt source of the virtual server and refresh apt's lists."""
    server = virtual_server(parts, name)
    server.check("rm -f /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list && apt-get update")


@when(parsers.parse('仮想サーバ "{name:q}" にパッケージ取得元を設定し直す', extra_types=TYPES))
def restore_package_source(lab, parts, name):
    """Configure the lab's package source on the virtual server again."""
    lab.package_source.configure(virtual_server(parts, name))


@when("Tengineジョブエージェント サーバに Tengineジョブエージェント のインストールを試みる")
def try_agent_install(parts, tengine_state):
    """Try to install the agent's package with apt and keep the result."""
    server = parts.servers(AGENT)[0]
    server.run("apt-get update")
    tengine_state.attempt = Ran(server, server.run("apt-get install %s", parts.part(AGENT).package))


@then(parsers.parse('インストールが失敗し、出力が "{package:q}" が見つからないことを示す', extra_types=TYPES))
def install_failed(tengine_state, package):
    """apt's install failed, saying it cannot find the package."""
    attempt = tengine_state.needs(
        "attempt", "Tengineジョブエージェント サーバに Tengineジョブエージェント のインストールを試みる"
    )
    server, result = attempt.server, attempt.result
    out = (result.stdout + result.stderr).strip()
    assert result.rc != 0, f"{server.name}: apt-get install exited 0 without a package source: {out[-300:]}"
    assert f"Unable to locate package {package}" in out, (
        f"{server.name}: apt's output does not name {package}: {out[-300:]}"
    )


@step("Tengineジョブエージェント の設定ファイルを壊す")
@disruptive
def break_agent_config(parts, product):
    """Overwrite the agent's config file with text that is not YAML."""
    for server in parts.servers(AGENT):
        server.put_file(product[f"parts.{AGENT}.config"], product["job_server.broken_agent_config"])


@when("Tengineジョブエージェント サーバの Tengineジョブエージェント の起動を試みる")
def try_agent_start(parts, tengine_state):
    """Try to start the agent's service and keep the result."""
    server = parts.servers(AGENT)[0]
    tengine_state.attempt = Ran(server, server.run("systemctl start %s", parts.part(AGENT).service))


@then(parsers.parse('エージェントの起動が失敗し、ログが "{text:q}" を示す', extra_types=TYPES))
def agent_start_failed(parts, tengine_state, text):
    """The agent's service did not start and the journal of that very start attempt (its
    invocation) shows the text: a line an earlier attempt wrote is no evidence of this one."""
    attempt = tengine_state.needs(
        "attempt", "Tengineジョブエージェント サーバの Tengineジョブエージェント の起動を試みる"
    )
    server, result = attempt.server, attempt.result
    assert result.rc != 0, f"{server.name}: the agent started with a broken config"
    service = parts.part(AGENT).service
    journal = server.run(
        'journalctl --no-pager -o cat _SYSTEMD_INVOCATION_ID="$(systemctl show -p InvocationID --value %s)"', service
    ).stdout
    assert text in journal, (
        f"{server.name}: the journal of the last start of {service} does not show '{text}':\n"
        f"{journal[-600:] or '(nothing)'}"
    )
    server.check("systemctl reset-failed %s", service)


@then(parsers.parse('仮想サーバ "{name:q}" のエージェントのログが "{text:q}" を示す', extra_types=TYPES))
def agent_log_shows(parts, product, name, text):
    """The end of the agent's logs on the virtual server shows the text."""
    server = virtual_server(parts, name)
    log = server.check(parts.render(product["job_server.agent_log_tail"]))
    assert text in log, (
        f"{name}: the agent's logs in {product['job_server.agent_log']} do not show '{text}':\n{log[-600:]}"
    )
