"""Steps of Tengine's jobs (use case 000 basic course 12-17): the job server registered with
the core, the job test start (ジョブテスト起動), the job script, and a jobnet from the SCM run
through core → SSH → agent → queue → core."""
from __future__ import annotations

import time

from pytest_bdd import parsers, step, then, when

from oat.safety import disruptive
from features.tengine.steps.platform import platform, virtual_server
from features.tengine.steps.tengine import CORE, db_query, edit_core_config, run_on_cores


@when(parsers.parse('Tengineコア にジョブ実行サーバ "{name}" を登録する'))
def register_job_server(parts, product, name):
    entry = {"name": name, "host": platform(parts).address, "port": product["job_server.ssh_port"],
             "user": product["job_server.user"]}
    edit_core_config(parts, product, "job_servers",
                     lambda node, key: node.__setitem__(key, [s for s in node.get(key) or [] if s["name"] != name] + [entry]))
    # A running core reads its config at start: it must learn the new server too.
    for server in parts.servers(CORE):
        server.check("systemctl try-restart %s" % parts.part(CORE).service)


@when("Tengineコア サーバで Tengineコア のジョブテスト起動を実行する")
def run_job_test_start(parts, product, tengine_state):
    run_on_cores(parts, tengine_state, product["core.jobtest"])


@then("ジョブテスト起動が成功する")
def job_test_start_succeeds(product, tengine_state):
    for server, result, took in tengine_state["test_results"]:
        out = (result.stdout + result.stderr).strip()
        assert result.rc == 0 and product["core.jobtest_success"] in result.stdout, (
            f"{server.name}: job test start exited {result.rc}: {out.splitlines()[-1] if out else 'no output'}")


@then(parsers.parse('ジョブテスト起動が失敗し、出力が "{server_name}" と原因 "{cause}" を示す'))
def job_test_start_fails(product, tengine_state, server_name, cause):
    for server, result, took in tengine_state["test_results"]:
        out = (result.stdout + result.stderr).strip()
        assert result.rc != 0, f"{server.name}: job test start exited 0: {out}"
        assert product["core.jobtest_failure"] in out and server_name in out and cause in out, (
            f"{server.name}: the job test start does not name {server_name} and '{cause}': {out}")


@when(parsers.parse('仮想サーバ "{name}" にジョブ実行用のスクリプトをセットアップする'))
def set_up_job_script(parts, product, name):
    server = virtual_server(parts, name)
    path = product["job_server.script"]
    server.put_file(path, (parts.product.path.with_suffix("") / "hello.sh").read_text(encoding="utf-8"), mode=0o755)
    server.check(f"chown {product['job_server.user']}: {path}")


@when(parsers.parse('Tengineコア で SCM のジョブネット "{jobnet}" を実行する'))
def run_jobnet(parts, product, tengine_state, recorder, jobnet):
    core = parts.servers(CORE)[0]
    started = time.monotonic()
    tengine_state["run"] = (jobnet, core.run(product["core.run"].format(jobnet=jobnet)))
    recorder.measure("seconds", f"ジョブネット {jobnet} の実行 (コア → SSH → エージェント → キュー → コア)",
                     time.monotonic() - started)


@then(parsers.parse('ジョブネット "{jobnet}" の実行が成功し、ジョブの結果がキューを通って DB に記録されている'))
def jobnet_succeeded(parts, product, tengine_state, jobnet):
    ran, result = tengine_state["run"]
    out = (result.stdout + result.stderr).strip()
    assert ran == jobnet and result.rc == 0 and "success" in result.stdout, f"jobnet {jobnet} exited {result.rc}: {out}"
    row = db_query(parts, product, "SELECT status, detail->'jobs' FROM executions WHERE jobnet = '%s'"
                                   " ORDER BY id DESC LIMIT 1" % jobnet)
    assert row.startswith("success|"), f"the last execution of {jobnet} in the DB is: {row}"
    count = db_query(parts, product, "SELECT count(*) FROM events WHERE event_type_name = 'finished.process.job.tengine'"
                                     " AND properties->>'MM_TARGET_JOBNET_ID' = '%s'" % jobnet)
    assert int(count) >= 1, f"no finished.process.job.tengine event of {jobnet} reached the DB"


# --- the alternate courses' faults on the job server ------------------------------------

AGENT = "Tengineジョブエージェント"


@step(parsers.parse('仮想サーバ "{name}" から Tengineジョブエージェント をアンインストールする'))
@disruptive
def purge_agent(parts, name):
    server = virtual_server(parts, name)
    package = parts.part(AGENT).package
    server.check(f"apt-get purge -y {package}")
    assert not server.host.package(package).is_installed, f"{package} is still installed on {name}"


@step(parsers.parse('仮想サーバ "{name}" のパッケージ取得元の設定が失われる'))
@disruptive
def lose_package_source(parts, name):
    server = virtual_server(parts, name)
    server.check("rm -f /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list && apt-get update")


@when(parsers.parse('仮想サーバ "{name}" にパッケージ取得元を設定し直す'))
def restore_package_source(lab, parts, name):
    lab.package_source.configure(virtual_server(parts, name))


@when("Tengineジョブエージェント サーバに Tengineジョブエージェント のインストールを試みる")
def try_agent_install(parts, tengine_state):
    server = parts.servers(AGENT)[0]
    server.run("apt-get update")
    tengine_state["attempt"] = (server, server.run("apt-get install %s" % parts.part(AGENT).package))


@then(parsers.parse('インストールが失敗し、出力が "{package}" が見つからないことを示す'))
def install_failed(tengine_state, package):
    server, result = tengine_state["attempt"]
    out = (result.stdout + result.stderr).strip()
    assert result.rc != 0, f"{server.name}: apt-get install exited 0 without a package source: {out[-300:]}"
    assert f"Unable to locate package {package}" in out, f"{server.name}: apt's output does not name {package}: {out[-300:]}"


@step("Tengineジョブエージェント の設定ファイルを壊す")
@disruptive
def break_agent_config(parts, product):
    for server in parts.servers(AGENT):
        server.put_file(product[f"parts.{AGENT}.config"], "connection: {host: [unclosed\n")


@when("Tengineジョブエージェント サーバの Tengineジョブエージェント の起動を試みる")
def try_agent_start(parts, tengine_state):
    server = parts.servers(AGENT)[0]
    tengine_state["attempt"] = (server, server.run("systemctl start %s" % parts.part(AGENT).service))


@then(parsers.parse('エージェントの起動が失敗し、ログが "{text}" を示す'))
def agent_start_failed(parts, tengine_state, text):
    server, result = tengine_state["attempt"]
    assert result.rc != 0, f"{server.name}: the agent started with a broken config"
    service = parts.part(AGENT).service
    journal = server.check("journalctl --no-pager -u %s -n 30", service)
    assert text in journal, f"{server.name}: the journal of {service} does not show '{text}':\n{journal[-600:]}"
    server.check("systemctl reset-failed %s" % service)


@then(parsers.parse('仮想サーバ "{name}" のエージェントのログが "{text}" を示す'))
def agent_log_shows(parts, product, name, text):
    server = virtual_server(parts, name)
    log = server.check("tail -n 30 %s/*.log", product["job_server.agent_log"])
    assert text in log, f"{name}: the agent's logs in {product['job_server.agent_log']} do not show '{text}':\n{log[-600:]}"
