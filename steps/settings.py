"""Where a part's setup takes effect on its servers: the files it wrote (content, mode, owner)
and the live connections its config file names (sockets, not only a client's success)."""
from __future__ import annotations

import yaml
from pytest_bdd import parsers, then

from oat.errors import LabError
from oat.sockets import connected
from oat.wait import wait_until
from steps.packages import PART, SAME_PART


@then(parsers.re(f"{PART}で {SAME_PART}の設定ファイルはセットアップで書いた内容と権限のままである"))
def files_as_set_up(parts, part):
    written = parts.files(part)
    if not written:
        raise LabError(f"{parts.product.path}: parts.{part}.setup writes no file to check")
    for server in parts.servers(part):
        for want in written:
            held = server.host.file(want["path"])
            assert held.exists, f"{want['path']} is missing on {server.name}"
            assert held.content_string == want["content"], (
                f"{want['path']} on {server.name} no longer holds what the setup wrote")
            assert held.mode == want["mode"], (
                f"{want['path']} on {server.name} has mode {held.mode:04o}, the setup set {want['mode']:04o}")
            owner = f"{held.user}:{held.group}"
            assert not want["owner"] or owner == want["owner"], (
                f"{want['path']} on {server.name} is owned by {owner}, the setup set {want['owner']}")


@then(parsers.re(f"{PART}で {SAME_PART}が設定ファイルに書かれた接続先に接続している"))
def connected_as_configured(parts, part):
    spec = parts.part(part)
    if not spec.config or not spec.connections:
        raise LabError(f"{parts.product.path}: parts.{part} names no config file or connections to check")
    for server in parts.servers(part):
        config = yaml.safe_load(server.host.file(spec.config).content_string) or {}
        for peer, host_key, port_key in spec.connections:
            host, port = str(_dig(config, host_key, spec.config)), int(_dig(config, port_key, spec.config))
            expected = parts.address(peer)
            assert host == expected, f"{spec.config} on {server.name} names {host} for the {peer}, whose address is {expected}"
            found = {}

            def reaches() -> bool:
                found["all"] = connected(server, spec.processes)
                return any(s.peer == (host, port) for s in found["all"])

            wait_until(reaches, 30, lambda: f"{'/'.join(spec.processes)} on {server.name} holds no connection to "
                                            f"the {peer} at {host}:{port} ({spec.config}); it holds: "
                                            f"{'; '.join(map(str, found['all'])) or 'none'}")
            astray = [str(s) for s in found["all"] if s.peer[1] == port and s.peer[0] != host]
            assert not astray, f"{server.name}: {part} also reaches port {port} elsewhere than {host}: {'; '.join(astray)}"


def _dig(config: dict, dotted: str, path: str):
    value = config
    for key in dotted.split("."):
        if not isinstance(value, dict) or key not in value:
            raise AssertionError(f"{path} has no key {dotted}")
        value = value[key]
    return value
