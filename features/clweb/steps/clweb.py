"""Steps of CL/Web's own setup (guide (4) 環境設定, (6)/(9) the config folder), and where
that setup takes effect on the servers: the listening socket, the files CL/Web writes."""

from __future__ import annotations

from pytest_bdd import parsers, then, when

from features.clweb.steps.cluster import SIDE
from oat.errors import LabError
from oat.sockets import listening
from oat.wait import wait_until


@when(parsers.parse("{side:Side}の clweb.conf の $bind にフローティング IP を指定する", extra_types=SIDE))
def set_bind_address(cluster, product, side):
    """Replace the commented default $bind line with the floating IP."""
    server = cluster.server(cluster.node(side))
    conf, default = product["clweb.conf_file"], product["clweb.bind_default"]
    wanted = product["clweb.bind"].format(address=cluster.fip)
    before = server.host.file(conf).content_string
    assert default in before.splitlines(), f"{conf} on {server.name} lacks the line '{default}' the guide changes"
    server.put_file(conf, before.replace(default, wanted))
    assert wanted in server.host.file(conf).content_string.splitlines(), f"{conf} on {server.name} lacks '{wanted}'"


@when(parsers.parse("{side:Side}の CL/Web にラボの認証局が発行したサーバ証明書を設定する", extra_types=SIDE))
def install_certificate(cluster, product, lab_ca, side):
    """A server certificate for the floating IP (and both node names), its key 0600."""
    server = cluster.server(cluster.node(side))
    issued = lab_ca.issue(cluster.fip, dns_names=cluster.nodes, ips=[cluster.fip])
    server.put_file(product["clweb.cert"], issued.cert_pem)
    server.put_file(product["clweb.key"], issued.key_pem, mode=0o600)


@when(parsers.parse("{side:Side}の CL/Web に運用者のユーザを登録する", extra_types=SIDE))
def register_operator(cluster, product, clweb_state, recorder, side):
    """Add the operator's user and keep the API access key it is given (masked)."""
    server = cluster.server(cluster.node(side))
    user = product["clweb.operator.user"]
    server.check(product["clweb.add_user"].format(password=_quote(product["clweb.operator.password"]), user=user))
    clweb_state.api_key = server.check(product["clweb.api_key"].format(user=user)).strip().splitlines()[-1]
    recorder.secret(clweb_state.api_key)  # a credential: never in the report


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


@then(parsers.parse("{side:Side}の移動元の config フォルダがなくなっている", extra_types=SIDE))
def config_moved_away(cluster, product, side):
    """The config folder is gone from its place, and its clweb.conf is on the shared disk."""
    server = cluster.server(cluster.node(side))
    config = server.host.file(product["clweb.config"])
    assert not config.exists and not config.is_symlink, f"{product['clweb.config']} still exists on {server.name}"
    shared = server.host.file(f"{cluster.mount}/config/clweb.conf")
    assert shared.exists, f"the moved config is not on the shared disk of {server.name}"


@then(parsers.parse("{side:Side}の config フォルダが共有ディスクへのシンボリックリンクになっている", extra_types=SIDE))
def config_is_linked(cluster, product, side):
    """The config folder is a link to the shared disk's config (reaching clweb.conf where mounted)."""
    server = cluster.server(cluster.node(side))
    config = server.host.file(product["clweb.config"])
    target = f"{cluster.mount}/config"
    assert config.is_symlink and config.linked_to == target, (
        f"{product['clweb.config']} on {server.name} is not a link to {target}"
    )
    # Only the server holding the group mounts the shared disk; elsewhere the link waits
    # for the disk (the rolling update links on the standby, then moves the group there).
    if server.run("mountpoint -q %s", cluster.mount).rc == 0:
        assert server.host.file(f"{product['clweb.config']}/clweb.conf").exists, (
            f"the link on {server.name} does not reach clweb.conf on the mounted shared disk"
        )


@then("両系の config フォルダが共有ディスクへのシンボリックリンクのままである")
def config_still_linked(cluster, product):
    """The links of ② and ⑤ after both nodes ran 2.0.0: an update that turns the link back
    into a folder of its own (settings and MyPage data off the shared disk) is caught here."""
    for side in ("待機系", "運用系"):
        config_is_linked(cluster, product, side)


# --- where (4) and (6) take effect: the server's sockets and open files -----------------


@then(
    parsers.parse(
        "{side:Side}の CL/Web がフローティング IP の {port:d} 番ポートだけで待ち受け、{other:Side}では待ち受けていない",
        extra_types=SIDE,
    )
)
def listens_on_floating_ip_only(cluster, product, side, port, other):
    """$bind's effect where it takes effect: on that node, CL/Web listens on the floating IP's
    port and on no other address; the other node has no CL/Web listener at all."""
    if other == side or port != int(product["clweb.port"]):
        raise LabError(
            f"the step names {side}/{other} and port {port}; {product.path} says "
            f"clweb.port is {product['clweb.port']} and the two sides must differ"
        )
    audit_listeners(cluster, product, cluster.node(side))


def audit_listeners(cluster, product, node: str) -> None:
    process, want = product["clweb.process"], (cluster.fip, int(product["clweb.port"]))
    server = cluster.server(node)
    found = wait_until(lambda: listening(server, [process]), 30, f"{process} listens on nothing on {node}")
    stray = [str(s) for s in found if s.local != want]
    assert not stray, (
        f"{process} on {node} listens on more than {want[0]}:{want[1]} (the $bind of step (4)): {'; '.join(stray)}"
    )
    idle = cluster.server(cluster.other(node))
    left = listening(idle, [process])
    assert not left, f"{process} listens on {idle.name} too, which does not hold the group: {'; '.join(map(str, left))}"


@then(parsers.parse("{side:Side}の CL/Web が書き込むファイルは共有ディスク上にある", extra_types=SIDE))
def writes_to_shared_disk(cluster, product, side):
    """(6)/(9)'s effect: every file the running CL/Web processes hold open (its log) is on
    the shared disk, reached through the config link, and none is elsewhere."""
    server = cluster.server(cluster.node(side))
    mount, process = cluster.mount, product["clweb.process"]
    pids = server.check("pgrep -x %s", process).split()
    opened = set()
    for pid in pids:
        listing = server.run("find /proc/%s/fd -maxdepth 1 -type l -printf '%%l\\n'" % pid).stdout
        opened |= {p for p in listing.split() if p.startswith("/") and not p.startswith(("/dev/", "/proc/", "/sys/"))}
    assert opened, f"{process} on {server.name} holds no file open (pids {', '.join(pids)})"
    elsewhere = sorted(p for p in opened if not p.startswith(mount + "/"))
    assert not elsewhere, f"{process} on {server.name} writes outside the shared disk {mount}: {', '.join(elsewhere)}"
    log = server.check("readlink -f %s", product["clweb.log"]).strip()
    assert log in opened, (
        f"{process} on {server.name} does not write {product['clweb.log']} ({log}); it holds {', '.join(sorted(opened))}"
    )


@then(parsers.parse("{side:Side}の CL/Web のサーバ証明書の秘密鍵は所有者だけが読み書きできる", extra_types=SIDE))
def key_is_private(cluster, product, side):
    """The certificate's private key has mode 0600."""
    server = cluster.server(cluster.node(side))
    key = server.host.file(product["clweb.key"])
    assert key.exists, f"{product['clweb.key']} is missing on {server.name}"
    assert key.mode == 0o600, f"{product['clweb.key']} on {server.name} has mode {key.mode:04o}, expected 0600"
