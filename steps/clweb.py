"""Steps of CL/Web's own setup (guide (4) 環境設定, (6)/(9) the config folder), and where
that setup takes effect on the servers: the listening socket, the files CL/Web writes."""
from __future__ import annotations

from pytest_bdd import parsers, then, when

from oat.errors import LabError
from oat.sockets import listening
from oat.wait import wait_until
from steps.cluster import SIDES, node_of, nodes, other_node


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
def register_operator(lab, product, clweb_state, recorder):
    server = lab.server(product["cluster.active"])
    tool, user = product["clweb.user_tool"], product["clweb.operator.user"]
    server.check("echo %s | %s add %s" % (_quote(product["clweb.operator.password"]), tool, user))
    clweb_state["api_key"] = server.check("%s apikey %s" % (tool, user)).strip().splitlines()[-1]
    recorder.secret(clweb_state["api_key"])  # a credential: never in the report


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


# --- where (4) and (6) take effect: the server's sockets and open files -----------------

@then(parsers.re(f"{SIDES}の CL/Web がフローティング IP の (?P<port>\\d+) 番ポートだけで待ち受け、"
                 "(?P<other>運用系|待機系)では待ち受けていない"))
def listens_on_floating_ip_only(lab, product, side, port, other):
    if other == side or int(port) != int(product["clweb.port"]):
        raise LabError(f"the step names {side}/{other} and port {port}; lab/products/clweb.yaml says "
                       f"clweb.port is {product['clweb.port']} and the two sides must differ")
    audit_listeners(lab, product, node_of(product, side))


def audit_listeners(lab, product, node: str) -> None:
    """$bind's effect where it takes effect: on NODE, clweb_serv listens on the floating IP's
    port and on no other address; the other node has no CL/Web listener at all."""
    process, want = product["clweb.process"], (product["cluster.fip"], int(product["clweb.port"]))
    server = lab.server(node)
    found = wait_until(lambda: listening(server, [process]), 30, f"{process} listens on nothing on {node}")
    stray = [str(s) for s in found if s.local != want]
    assert not stray, (f"{process} on {node} listens on more than {want[0]}:{want[1]} "
                       f"(the $bind of step (4)): {'; '.join(stray)}")
    idle = lab.server(other_node(product, node))
    left = listening(idle, [process])
    assert not left, f"{process} listens on {idle.name} too, which does not hold the group: {'; '.join(map(str, left))}"


@then(parsers.re(f"{SIDES}の CL/Web が書き込むファイルは共有ディスク上にある"))
def writes_to_shared_disk(lab, product, side):
    """(6)/(9)'s effect: every file the running clweb_serv processes hold open (its log)
    is on the shared disk, reached through the config link, and none is elsewhere."""
    server = lab.server(node_of(product, side))
    mount, process = product["cluster.disk.mount"], product["clweb.process"]
    pids = server.check("pgrep -x %s", process).split()
    opened = set()
    for pid in pids:
        listing = server.run("find /proc/%s/fd -maxdepth 1 -type l -printf '%%l\\n'" % pid).stdout
        opened |= {p for p in listing.split() if p.startswith("/") and not p.startswith(("/dev/", "/proc/", "/sys/"))}
    assert opened, f"{process} on {server.name} holds no file open (pids {', '.join(pids)})"
    elsewhere = sorted(p for p in opened if not p.startswith(mount + "/"))
    assert not elsewhere, f"{process} on {server.name} writes outside the shared disk {mount}: {', '.join(elsewhere)}"
    log = server.check("readlink -f %s", product["clweb.log"]).strip()
    assert log in opened, f"{process} on {server.name} does not write {product['clweb.log']} ({log}); it holds {', '.join(sorted(opened))}"


@then(parsers.re(f"{SIDES}の CL/Web のサーバ証明書の秘密鍵は所有者だけが読み書きできる"))
def key_is_private(lab, product, side):
    server = lab.server(node_of(product, side))
    key = server.host.file(product["clweb.key"])
    assert key.exists, f"{product['clweb.key']} is missing on {server.name}"
    assert key.mode == 0o600, f"{product['clweb.key']} on {server.name} has mode {key.mode:04o}, expected 0600"
