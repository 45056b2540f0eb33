"""Server placeholders through the plugin: one naming no server of the folder's lab stops the
run at collection, before any lab is made, with one line naming the feature file and line."""

from __future__ import annotations

TOPOLOGY = """name: demo
description: demo
networks:
  - name: service
    subnet: 10.231.99.0/24
servers:
  - name: web
    role: Webサーバ
    image: server
    addresses: {service: 10.231.99.11}
"""

FEATURE = """# language: ja
機能: 名前で参照する
  シナリオ: 別のサーバのアドレス
    もし "web" でコマンド "curl http://{wbe.address}/" を実行する
"""


def test_a_placeholder_naming_no_server_stops_the_run_at_collection(pytester):
    (pytester.path / "features" / "demo").mkdir(parents=True)
    (pytester.path / "features" / "demo" / "01.feature").write_text(FEATURE, encoding="utf-8")
    (pytester.path / "lab" / "topologies").mkdir(parents=True)
    (pytester.path / "lab" / "topologies" / "demo.yaml").write_text(TOPOLOGY, encoding="utf-8")
    pytester.makeini("[pytest]\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == 7
    output = result.stdout.str() + result.stderr.str()
    assert (
        "oat: features/demo/01.feature:4: {wbe.address} names no server or role of lab 'demo' "
        "(servers: web; roles: Webサーバ)"
    ) in output
    assert "[oat] lab" not in output and "passed" not in output
