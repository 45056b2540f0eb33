"""Steps of CL/Web's own setup (guide (4) 環境設定, (6)/(9) the config folder)."""
from __future__ import annotations

from pytest_bdd import parsers, then, when

from steps.cluster import SIDES, node_of, nodes


@when("運用系の clweb.conf の $bind にフローティング IP を指定する")
def set_bind_address(lab, product):
    server = lab.server(product["cluster.active"])
    conf, default = product["clweb.conf_file"], product["clweb.bind_default"]
    before = server.host.file(conf).content_string
    assert default in before.splitlines(), f"{conf} on {server.name} lacks the line '{default}' the guide changes"
    after = before.replace(default, f'$bind = "{product["cluster.fip"]}"')
    server.put_file(conf, after)
    assert f'$bind = "{product["cluster.fip"]}"' in server.host.file(conf).content_string.splitlines()


@when("運用系の CL/Web にラボの認証局が発行したサーバ証明書を設定する")
def install_certificate(lab, product, lab_ca):
    server = lab.server(product["cluster.active"])
    issued = lab_ca.issue(product["cluster.fip"], dns_names=nodes(product), ips=[product["cluster.fip"]])
    server.put_file(product["clweb.cert"], issued.cert_pem)
    server.put_file(product["clweb.key"], issued.key_pem, mode=0o600)


@when("運用系の CL/Web に運用者のユーザを登録する")
def register_operator(lab, product, clweb_state):
    server = lab.server(product["cluster.active"])
    tool, user = product["clweb.user_tool"], product["clweb.operator.user"]
    server.check("echo %s | %s add %s" % (_quote(product["clweb.operator.password"]), tool, user))
    clweb_state["api_key"] = server.check("%s apikey %s" % (tool, user)).strip().splitlines()[-1]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


@then(parsers.re(f"{SIDES}の移動元の config フォルダがなくなっている"))
def config_moved_away(lab, product, side):
    server = lab.server(node_of(product, side))
    config = server.host.file(product["clweb.config"])
    assert not config.exists and not config.is_symlink, f"{product['clweb.config']} still exists on {server.name}"
    shared = server.host.file(f"{product['cluster.disk.mount']}/config/clweb.conf")
    assert shared.exists, f"the moved config is not on the shared disk of {server.name}"


@then(parsers.re(f"{SIDES}の config フォルダが共有ディスクへのシンボリックリンクになっている"))
def config_is_linked(lab, product, side):
    server = lab.server(node_of(product, side))
    config = server.host.file(product["clweb.config"])
    target = f"{product['cluster.disk.mount']}/config"
    assert config.is_symlink and config.linked_to == target, (
        f"{product['clweb.config']} on {server.name} is not a link to {target}")
    # Only the server holding the group mounts the shared disk; elsewhere the link waits
    # for the disk (the rolling update links on the standby, then moves the group there).
    if server.run("mountpoint -q %s", product["cluster.disk.mount"]).rc == 0:
        assert server.host.file(f"{product['clweb.config']}/clweb.conf").exists, (
            f"the link on {server.name} does not reach clweb.conf on the mounted shared disk")
