"""Steps of Tengine's own procedure (use case 000): the jobnet definitions in the SCM, the
core's test start (テスト起動) and what it leaves in the DB, and the core's config."""

from __future__ import annotations

import time

import yaml
from pytest_bdd import given, parsers, step, then, when

from features.tengine.steps import TYPES, config_value, plain, shell, sql
from features.tengine.steps.state import Ran, TengineState
from oat.errors import LabError
from oat.model.safety import disruptive
from oat.wait import wait_until

CORE = "Tengineコア"


@when("SCM にアプリケーション開発者のジョブネット定義を登録する")
def register_jobnet_definitions(parts, product, tengine_state):
    """Commit and push the developer's jobnet definitions to the SCM from a working copy.

    The definitions are lab/products/tengine/<scm.definitions.folder>; the working copy
    belongs to the repository's owner, as the repository does (scm.register)."""
    folder = product.path.with_suffix("") / product["scm.definitions.folder"]
    files = sorted(folder.glob(product["scm.definitions.files"]))
    if not files:
        raise LabError(f"{folder}: no jobnet definitions ({product['scm.definitions.files']})")
    for server in parts.servers("SCM"):
        work = server.check(product["scm.register.work"]).strip()
        for command in product["scm.register.clone"]:
            server.check(shell(parts.render(command), work=work, server=server.name))
        into = plain(product["scm.register.into"], work=work)
        for path in files:
            server.put_file(f"{into}/{path.name}", path.read_text(encoding="utf-8"))
        for command in product["scm.register.push"]:
            server.check(shell(parts.render(command), work=work, server=server.name))
        server.check(shell(parts.render(product["scm.register.clean"]), work=work))
    tengine_state.jobnets = [
        yaml.safe_load(p.read_text(encoding="utf-8"))[product["scm.definitions.name"]] for p in files
    ]


@then("Tengineコア が SCM からジョブネット定義を読み込める")
def core_loads_jobnets(parts, product, tengine_state):
    """The core's load reads every registered jobnet definition from the SCM."""
    expected = plain(
        product["core.load_success"],
        count=len(tengine_state.needs("jobnets", "SCM にアプリケーション開発者のジョブネット定義を登録する")),
    )
    for server in parts.servers(CORE):
        out = server.check(product["core.load"])
        assert expected in out, (
            f"{server.name}: `{product['core.load']}` printed '{out.strip()}', expected '{expected}'"
        )


TEST_START = "Tengineコア サーバで Tengineコア のテスト起動を実行する"


def run_on_cores(parts, tengine_state: TengineState, command: str) -> None:
    """Run a core command (test start, job test start) on every core server; keep each
    result and its duration for the checks, and the DB's clock before it."""
    db = parts.servers("DB")[0]
    # The DB server's clock in UTC (ISO 8601), read by the OS: the DB may be the part stopped.
    tengine_state.test_since = db.check("date -u +%Y-%m-%dT%H:%M:%S.%6NZ").strip()
    results = []
    for server in parts.servers(CORE):
        started = time.monotonic()
        result = server.run(command)
        results.append(Ran(server, result, time.monotonic() - started))
    tengine_state.test_results = results


@when("Tengineコア サーバで Tengineコア のテスト起動を実行する")
def run_test_start(parts, product, tengine_state):
    """Run the core's test start on every core server and keep the results for the checks."""
    run_on_cores(parts, tengine_state, product["core.test"])


def _output(result) -> str:
    return (result.stdout + result.stderr).strip()


@then("テスト起動が成功する")
def test_start_succeeds(product, tengine_state, recorder):
    """Every core's test start succeeded within the time the product promises; the time is measured."""
    promise = product["core.test_within_seconds"]
    for server, result, took in tengine_state.needs("test_results", TEST_START):
        out = _output(result)
        assert result.rc == 0 and product["core.test_success"] in result.stdout, (
            f"{server.name}: test start exited {result.rc}: {out.splitlines()[-1] if out else 'no output'}"
        )
        assert took <= promise, f"{server.name}: test start took {took:.1f} s (the product promises {promise} s)"
        recorder.measure(
            "seconds",
            f"テスト起動 ({server.name}, {' → '.join(product['core.test_events'])} 格納まで、コマンド全体)",
            took,
        )


@given("Tengineコア のテスト起動が成功する")
def test_start_works(parts, product, tengine_state, recorder):
    """Run the core's test start and require it to succeed (a scenario's starting point)."""
    run_test_start(parts, product, tengine_state)
    test_start_succeeds(product, tengine_state, recorder)


@then(parsers.parse("テスト起動が失敗し、{part:Part} の{cause:Cause}が原因として表示される", extra_types=TYPES))
def test_start_fails(parts, product, tengine_state, part, cause):
    """The test start failed in time, naming the broken part, its address and the cause."""
    name = product[f"core.failure_part.{part}"]
    words = product[f"core.failure_words.{cause}"]
    address = parts.address(part)
    failure = product["core.test_failure"]
    promise = product["core.test_within_seconds"]
    for server, result, took in tengine_state.needs("test_results", TEST_START):
        out = _output(result)
        assert result.rc != 0, f"{server.name}: test start exited 0 with {part} broken: {out}"
        assert failure in out, f"{server.name}: no '{failure}' in: {out}"
        reason = out.split(failure, 1)[1]
        assert name in reason and address in reason, (
            f"{server.name}: the failure does not name {part} ({name} {address}): {out}"
        )
        assert not words or any(w in reason for w in words), (
            f"{server.name}: the failure does not say {' or '.join(repr(w) for w in words)} ({cause}): {out}"
        )
        assert took <= promise, f"{server.name}: the failure took {took:.1f} s to report (at most {promise} s)"


def db_query(parts, product, name: str, **values) -> str:
    """What the DB answers to one of the product's queries (db.queries.NAME, its {fields}
    filled), asked on the DB server as its administrator."""
    query = sql(product[f"db.queries.{name}"], **values)
    return parts.servers("DB")[0].check(shell(parts.render(product["db.query"]), sql=query)).strip()


@then(parsers.parse('DB にテスト起動のイベント "{first:q}" と "{second:q}" が格納されている', extra_types=TYPES))
def test_events_stored(parts, product, tengine_state, first, second):
    """The DB holds both events since the test start began."""
    stored = db_query(parts, product, "events_since", since=tengine_state.needs("test_since", TEST_START)).split()
    missing = [name for name in (first, second) if name not in stored]
    assert not missing, f"the DB has no {', '.join(missing)} event since the test start (stored: {stored})"


# --- the core's config, changed and restored by the failure scenarios -------------------


def edit_core_config(parts, product, key: str, edit) -> None:
    """Change one dotted key of the core's config on each core server."""
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


@step(parsers.parse('{part:Part} の設定 "{key:q}" を "{value:Value}" に変更する', extra_types=TYPES))
@disruptive
def change_config(parts, product, part, key, value):
    """Set one dotted key of a part's config file to a value, on each of its servers."""
    edit_config(
        parts, part, config_file(product, part), key, lambda node, last: node.__setitem__(last, config_value(value))
    )


def config_file(product, part: str) -> str:
    """The path of a part's config file (parts.PART.config)."""
    return product[f"parts.{part}.config"]


@when(parsers.parse('Tengineコア の設定から "{key:q}" を削除する', extra_types=TYPES))
@disruptive
def remove_core_config_key(parts, product, key):
    """Remove one dotted key from the core's config file."""
    edit_core_config(parts, product, key, lambda node, last: node.pop(last))


@when(parsers.parse("{part:Part} の設定を元に戻す", extra_types=TYPES))
def restore_config(parts, product, part):
    """Write a part's config file again as its setup wrote it."""
    for server in parts.servers(part):
        parts.write_file(part, server, config_file(product, part))


@then(parsers.parse('Tengineコア のテスト起動は設定ファイルとキー "{key:q}" を示して失敗する', extra_types=TYPES))
def test_start_names_config_key(product, tengine_state, key):
    """The test start failed with the config error's exit code and one line naming the file and the key."""
    path = config_file(product, CORE)
    status = product["core.config_error_exit"]
    for server, result, _ in tengine_state.needs("test_results", TEST_START):
        out = _output(result)
        assert result.rc == status, (
            f"{server.name}: test start exited {result.rc} with a broken config, not {status}: {out}"
        )
        assert path in out and key in out, f"{server.name}: the error does not name {path} and {key}: {out}"
        assert len(out.splitlines()) == 1, f"{server.name}: expected a one-line error, got: {out}"


@then("Tengineコア のジョブネット定義の読み込みは SCM の URL を示して失敗する")
def load_names_scm(parts, product):
    """The core's load failed, naming the SCM's address."""
    for server in parts.servers(CORE):
        result = server.run(product["core.load"])
        out = _output(result)
        assert result.rc != 0, f"{server.name}: load succeeded with the SCM unreachable: {out}"
        assert parts.address("SCM") in out, f"{server.name}: the error does not name the SCM's address: {out}"


# --- the resident core ------------------------------------------------------------------


@when(parsers.parse('Tengineコア サーバで tengine_fire でイベント "{event:q}" を発火する', extra_types=TYPES))
def fire_event(parts, product, tengine_state, event):
    """Fire one event on the first core server and keep the key it printed."""
    server = parts.servers(CORE)[0]
    key = server.check(shell(product["core.fire"], event=event)).strip().splitlines()[-1]
    tengine_state.fired = (event, key)


@then(parsers.parse('起動している Tengineコア がイベント "{event:q}" を DB に格納する', extra_types=TYPES))
def resident_core_stores(parts, product, tengine_state, event):
    """The running core stored the fired event in the DB in time (found by its key)."""
    fired, key = tengine_state.needs("fired", 'Tengineコア サーバで tengine_fire でイベント "…" を発火する')
    assert fired == event, f"the event fired was '{fired}', not '{event}'"
    within = product["core.store_within_seconds"]
    wait_until(
        lambda: db_query(parts, product, "event_by_key", key=key) == event,
        within,
        f"the running Tengine core did not store event {event} (key {key}) in the DB within {within} s",
    )


@then("Tengineコア のログに停止が記録されている")
def core_log_says_stopped(parts, product):
    """The core's log records the stop after its last start: a stop line an earlier stop wrote
    (before the core was started again) is no evidence of this one."""
    stopped, started = product["core.stopped_line"], product["core.started_line"]
    for server in parts.servers(CORE):
        lines = server.run("grep -n -F -e %s -e %s %s", stopped, started, product["core.log"]).stdout.splitlines()
        last_start = max((i for i, line in enumerate(lines) if started in line), default=-1)
        assert last_start >= 0, f"{server.name}: {product['core.log']} records no start ('{started}')"
        after = [line for line in lines[last_start + 1 :] if stopped in line]
        assert after, (
            f"{server.name}: {product['core.log']} records no '{stopped}' after the last start "
            f"(line {lines[last_start].split(':', 1)[0]}): the stop was not logged"
        )
