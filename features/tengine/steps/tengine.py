"""Steps of Tengine's own procedure (use case 000): the jobnet definitions in the SCM, the
core's test start (テスト起動) and what it leaves in the DB, and the core's config."""
from __future__ import annotations

import shlex
import time

import yaml
from pytest_bdd import given, parsers, step, then, when

from oat.errors import LabError
from oat.safety import disruptive
from oat.wait import wait_until

CORE = "Tengineコア"


@when("SCM にアプリケーション開発者のジョブネット定義を登録する")
def register_jobnet_definitions(parts, product, tengine_state):
    """The developer's definitions (lab/products/tengine/jobnets) committed and pushed to
    the bare repository, as the developer would from a working copy."""
    folder = product.path.with_suffix("") / product["scm.definitions"]
    files = sorted(folder.glob("*.yml"))
    if not files:
        raise LabError(f"{folder}: no jobnet definitions (*.yml)")
    user, bare = product["scm.user"], f"{product['scm.home']}/{product['scm.repository']}"
    for server in parts.servers("SCM"):
        work = server.check("mktemp -d").strip()
        # The developer's working copy belongs to the repository's owner, as the repository does.
        server.check(f"chown {user}: {work} && runuser -u {user} -- git clone --quiet {bare} {work}/jobnets")
        for path in files:
            server.put_file(f"{work}/jobnets/jobnets/{path.name}", path.read_text(encoding="utf-8"))
        git = f"runuser -u {user} -- git -C {work}/jobnets -c user.name=developer -c user.email=developer@{server.name}"
        server.check(f"chown -R {user}: {work} && {git} add jobnets")
        server.check(f"{git} commit --quiet -m 'jobnet definitions'")
        server.check(f"{git} push --quiet origin HEAD:{product['scm.branch']}")
        server.check(f"rm -rf {work}")
        tengine_state["jobnets"] = [yaml.safe_load(p.read_text(encoding="utf-8"))["jobnet"] for p in files]


@then("Tengineコア が SCM からジョブネット定義を読み込める")
def core_loads_jobnets(parts, product, tengine_state):
    for server in parts.servers(CORE):
        out = server.check(product["core.load"])
        assert f"loaded {len(tengine_state['jobnets'])} jobnets" in out, (
            f"{server.name}: `{product['core.load']}` printed '{out.strip()}', "
            f"expected {len(tengine_state['jobnets'])} jobnets")


def run_on_cores(parts, tengine_state, command: str) -> None:
    """Run a core command (test start, job test start) on every core server; keep each
    result and its duration for the checks, and the DB's clock before it."""
    db = parts.servers("DB")[0]
    tengine_state["test_since"] = db.check("date -u +%Y-%m-%dT%H:%M:%S.%6NZ").strip()
    results = []
    for server in parts.servers(CORE):
        started = time.monotonic()
        result = server.run(command)
        results.append((server, result, time.monotonic() - started))
    tengine_state["test_results"] = results


def run_test_start(parts, product, tengine_state):
    run_on_cores(parts, tengine_state, product["core.test"])


when("Tengineコア サーバで Tengineコア のテスト起動を実行する")(run_test_start)


@then("テスト起動が成功する")
def test_start_succeeds(product, tengine_state, recorder):
    for server, result, took in tengine_state["test_results"]:
        out = (result.stdout + result.stderr).strip()
        assert result.rc == 0 and product["core.test_success"] in result.stdout, (
            f"{server.name}: test start exited {result.rc}: {out.splitlines()[-1] if out else 'no output'}")
        assert took <= 10, f"{server.name}: test start took {took:.1f} s (the product promises 10 s)"
        recorder.measure("seconds", f"テスト起動 ({server.name}, foo → bar 格納まで、コマンド全体)", took)


@given("Tengineコア のテスト起動が成功する")
def test_start_works(parts, product, tengine_state, recorder):
    run_test_start(parts, product, tengine_state)
    test_start_succeeds(product, tengine_state, recorder)


@then(parsers.re(r"テスト起動が失敗し、(?P<part>\S+) の(?P<cause>接続|認証)が原因として表示される"))
def test_start_fails(parts, product, tengine_state, part, cause):
    name = product[f"core.failure_part.{part}"]
    address = parts.address(part)
    for server, result, took in tengine_state["test_results"]:
        out = (result.stdout + result.stderr).strip()
        assert result.rc != 0, f"{server.name}: test start exited 0 with {part} broken: {out}"
        assert product["core.test_failure"] in out, f"{server.name}: no '{product['core.test_failure']}' in: {out}"
        reason = out.split(product["core.test_failure"], 1)[1]
        assert name in reason and address in reason, (
            f"{server.name}: the failure does not name {part} ({name} {address}): {out}")
        if cause == "認証":
            assert any(w in reason for w in ("authentication", "access refused")), (
                f"{server.name}: the failure does not say the credentials were refused: {out}")
        assert took <= 10, f"{server.name}: the failure took {took:.1f} s to report (at most 10 s)"


def db_query(parts, product, sql: str) -> str:
    """What the DB answers to one SQL query, asked on the DB server as its administrator."""
    return parts.servers("DB")[0].check(product["db.query"].format(sql=shlex.quote(sql))).strip()


@then(parsers.parse('DB にテスト起動のイベント "{first}" と "{second}" が格納されている'))
def test_events_stored(parts, product, tengine_state, first, second):
    stored = db_query(parts, product, "SELECT event_type_name FROM events WHERE stored_at >= '%s' ORDER BY id"
                      % tengine_state["test_since"]).split()
    missing = [name for name in (first, second) if name not in stored]
    assert not missing, f"the DB has no {', '.join(missing)} event since the test start (stored: {stored})"


# --- the core's config, changed and restored by the failure scenarios -------------------

def edit_core_config(parts, product, key: str, edit) -> None:
    edit_config(parts, CORE, config_file(product, CORE), key, edit)


def edit_config(parts, part: str, path: str, key: str, edit) -> None:
    """Change one dotted key of a part's YAML config on each of its servers, as vi would."""
    for server in parts.servers(part):
        config = yaml.safe_load(server.host.file(path).content_string)
        node = config
        *parents, last = key.split(".")
        for parent in parents:
            node = node[parent]
        edit(node, last)
        mode = int(server.check("stat -c %%a %s", path).strip(), 8)
        owner = server.check("stat -c %%U:%%G %s", path).strip()
        server.put_file(path, yaml.safe_dump(config, allow_unicode=True, sort_keys=False), mode=mode)
        server.check(f"chown {owner} {path}")


@step(parsers.re(r'(?P<part>\S+) の設定 "(?P<key>[^"]+)" を "(?P<value>[^"]*)" に変更する'))
@disruptive
def change_config(parts, product, part, key, value):
    edit_config(parts, part, config_file(product, part), key,
                lambda node, last: node.__setitem__(last, int(value) if value.isdigit() else value))


def config_file(product, part: str) -> str:
    return product[f"parts.{part}.config"]


@when(parsers.parse('Tengineコア の設定から "{key}" を削除する'))
@disruptive
def remove_core_config_key(parts, product, key):
    edit_core_config(parts, product, key, lambda node, last: node.pop(last))


@when(parsers.re(r"(?P<part>\S+) の設定を元に戻す"))
def restore_config(parts, product, part):
    for server in parts.servers(part):
        parts.write_file(part, server, config_file(product, part))


@then(parsers.parse('Tengineコア のテスト起動は設定ファイルとキー "{key}" を示して失敗する'))
def test_start_names_config_key(product, tengine_state, key):
    for server, result, _ in tengine_state["test_results"]:
        out = (result.stdout + result.stderr).strip()
        assert result.rc == 2, f"{server.name}: test start exited {result.rc} with a broken config: {out}"
        path = config_file(product, CORE)
        assert path in out and key in out, f"{server.name}: the error does not name {path} and {key}: {out}"
        assert len(out.splitlines()) == 1, f"{server.name}: expected a one-line error, got: {out}"


@then(parsers.parse("Tengineコア のジョブネット定義の読み込みは SCM の URL を示して失敗する"))
def load_names_scm(parts, product):
    for server in parts.servers(CORE):
        result = server.run(product["core.load"])
        out = (result.stdout + result.stderr).strip()
        assert result.rc != 0, f"{server.name}: load succeeded with the SCM unreachable: {out}"
        assert parts.address("SCM") in out, f"{server.name}: the error does not name the SCM's address: {out}"


# --- the resident core ------------------------------------------------------------------

@when(parsers.parse('Tengineコア サーバで tengine_fire でイベント "{event}" を発火する'))
def fire_event(parts, product, tengine_state, event):
    server = parts.servers(CORE)[0]
    key = server.check("tengine_fire -f %s %s oat:probe" % (config_file(product, CORE), event)).strip().splitlines()[-1]
    tengine_state["fired"] = (event, key)


@then(parsers.parse('起動している Tengineコア がイベント "{event}" を DB に格納する'))
def resident_core_stores(parts, product, tengine_state, event):
    fired, key = tengine_state["fired"]
    assert fired == event, f"the event fired was '{fired}', not '{event}'"
    query = "SELECT event_type_name FROM events WHERE key = '%s'" % key.replace("'", "")
    wait_until(lambda: db_query(parts, product, query) == event, 10,
               f"the running Tengine core did not store event {event} (key {key}) in the DB within 10 s")


@then("Tengineコア のログに停止が記録されている")
def core_log_says_stopped(parts, product):
    for server in parts.servers(CORE):
        tail = server.check("tail -n 20 %s", product["core.log"])
        assert product["core.stopped_line"] in tail, (
            f"{server.name}: {product['core.log']} does not end with '{product['core.stopped_line']}':\n{tail[-500:]}")
