"""Steps about the lab's servers as a whole: that they exist, their (virtual) hardware, their
OS, the network between them, and rebooting the servers of a role. Checked on the servers
themselves with testinfra."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from oat.errors import LabError
from oat.model import targets
from oat.model.safety import disruptive
from oat.vocabulary.roles import ROLE


@given("運用テスト環境のサーバが用意されている")
def lab_is_ready(lab):
    """Every server of the lab answers."""
    for server in lab.servers:
        server.check_alive()


@then("以下のサーバが存在し起動している:")
def servers_exist_and_run(lab, datatable):
    """Each server of the table exists with that role and has booted (systemd running)."""
    header, *rows = datatable
    col = {name: i for i, name in enumerate(header)}
    for required in ("サーバ", "役割"):
        if required not in col:
            raise LabError(f"the table of this step needs a column '{required}' (it has: {', '.join(header)})")
    problems = []
    for row in rows:
        name, role = row[col["サーバ"]].strip(), row[col["役割"]].strip()
        server = lab.server(name)  # an unknown name is a one-line error naming the lab
        if server.spec.role != role:
            problems.append(f"{name}: role is '{server.spec.role}', the procedure expects '{role}'")
        problems += not_booted(server)
    assert not problems, "; ".join(problems)


def not_booted(server) -> list[str]:
    """Why the server has not finished booting (it answers, and systemd says 'running'): none
    when it has."""
    server.check_alive()
    state = server.run("systemctl is-system-running").stdout.strip()
    return [] if state == "running" else [f"{server.name}: systemd says '{state}', expected 'running'"]


@then("全てのサーバに CPU とメモリとディスクが割り当てられている")
def hardware_is_allocated(lab):
    """Every server has a CPU, 256 MiB of memory and 1 GiB free on /. The memory is what the
    server may use: the machine's, or less where its control group is limited (a container's
    /proc/meminfo shows the host's memory, not the server's)."""
    problems = []
    for server in lab.topology.procedure_servers:
        s = lab.server(server.name)
        cpus = int(s.check("nproc").strip())
        mem_kib = _memory_kib(s)
        disk_kib = int(s.check("df -Pk / | awk 'NR==2 {print $4}'").strip())
        if cpus < 1:
            problems.append(f"{s.name}: no CPU")
        if mem_kib < 256 * 1024:
            problems.append(f"{s.name}: only {mem_kib // 1024} MiB of memory")
        if disk_kib < 1024 * 1024:
            problems.append(f"{s.name}: only {disk_kib // 1024} MiB free on /")
    assert not problems, "; ".join(problems)


# The lowest memory limit on the way from PID 1's control group up to the root: cgroup v1's
# memory controller (memory.limit_in_bytes) or v2's memory.max ("max", or a huge v1 number: none).
_CGROUP_MEMORY = (
    "p=$(sed -n 's/^[0-9]*:memory://p' /proc/1/cgroup); "
    'if [ -n "$p" ]; then top=/sys/fs/cgroup/memory; f=memory.limit_in_bytes; '
    "else top=/sys/fs/cgroup; f=memory.max; p=$(sed -n 's/^0:://p' /proc/1/cgroup); fi; "
    "d=$top$p; d=${d%/}; limit=max; "
    'while :; do v=$(cat "$d/$f" 2>/dev/null || echo max); '
    'if [ "$v" != max ] && { [ "$limit" = max ] || [ "$v" -lt "$limit" ]; }; then limit=$v; fi; '
    '[ "$d" = "$top" ] && break; d=${d%/*}; done; echo "$limit"'
)


def _memory_kib(s) -> int:
    """The memory the server may use, in KiB: MemTotal, capped by its control group's limit."""
    total = int(s.check("awk '/^MemTotal:/ {print $2}' /proc/meminfo").strip())
    limit = s.check(_CGROUP_MEMORY).strip()
    return min(total, int(limit) // 1024) if limit.isdigit() else total


@then(parsers.parse('全てのサーバに OS "{os_name}" がインストールされている'))
def os_is_installed(lab, os_name):
    """Every server's /etc/os-release PRETTY_NAME is that OS."""
    problems = []
    for server in lab.topology.procedure_servers:
        s = lab.server(server.name)
        pretty = s.check('. /etc/os-release && echo "$PRETTY_NAME"').strip()
        if pretty != os_name:
            problems.append(f"{s.name}: OS is '{pretty}'")
    assert not problems, f"expected '{os_name}': " + "; ".join(problems)


@then("全てのサーバで systemd がシステムの起動を完了している")
def systemd_has_booted(lab):
    """On every server PID 1 is systemd and it says the system is running."""
    problems = []
    for server in lab.topology.procedure_servers:
        s = lab.server(server.name)
        init = s.check("ps -o comm= -p 1").strip()
        state = s.run("systemctl is-system-running").stdout.strip()
        if init != "systemd":
            problems.append(f"{s.name}: PID 1 is '{init}', not systemd")
        if state != "running":
            failed = s.run("systemctl --failed --no-legend --plain").stdout.strip()
            problems.append(f"{s.name}: system is '{state}'" + (f" (failed: {failed})" if failed else ""))
    assert not problems, "; ".join(problems)


def pairs(lab):
    """Every ordered pair of the procedure's servers: (source spec, source server, target spec)."""
    servers = lab.topology.procedure_servers
    for source in servers:
        for target in servers:
            if target is not source:
                yield source, lab.server(source.name), target


@then("全てのサーバが他の全てのサーバに名前で到達できる")
def servers_reach_each_other_by_name(lab):
    """Every server resolves every other by name to its address and pings it."""
    problems = []
    for source, s, target in pairs(lab):
        resolved = s.run("getent hosts %s", target.name).stdout.split()
        if not resolved or resolved[0] != target.address:
            problems.append(
                f"{source.name} resolves {target.name} to {resolved[:1] or 'nothing'}, expected {target.address}"
            )
        elif s.run("ping -c 1 -W 2 %s", target.name).rc != 0:
            problems.append(f"{source.name} cannot ping {target.name} ({target.address})")
    assert not problems, "; ".join(problems)


@then("全てのサーバの SSH サーバに他の全てのサーバから接続できる")
def ssh_answers_everywhere(lab):
    """Every server gets an SSH banner from every other server's port 22."""
    problems = []
    for source, s, target in pairs(lab):
        # The SSH banner proves sshd answers, not only that the port is open.
        banner = s.run("timeout 5 bash -c 'exec 3<>/dev/tcp/%s/22 && head -n 1 <&3'" % target.name)
        if not banner.stdout.startswith("SSH-2.0-"):
            problems.append(
                f"{source.name} gets no SSH banner from {target.name}: "
                f"{(banner.stderr or banner.stdout).strip()[:80] or 'no answer'}"
            )
    assert not problems, "; ".join(problems)


@then("全てのサーバがパッケージ取得元からパッケージ一覧を取得できる")
def package_source_answers(lab):
    """apt-get update reads the lab's package source without warnings on every server."""
    source = lab.topology.package_source
    assert source, f"lab '{lab.topology.name}' has no package source (topology key package_source)"
    problems = []
    for server in lab.topology.procedure_servers:
        s = lab.server(server.name)
        update = s.run("apt-get update")
        warnings = [l for l in (update.stdout + update.stderr).splitlines() if l.startswith(("W:", "E:", "Err:"))]
        if update.rc != 0 or warnings:
            problems.append(f"{s.name}: apt-get update exited {update.rc}: {'; '.join(warnings)[:200]}")
            continue
        if f"http://{source}" not in update.stdout:
            problems.append(f"{s.name}: apt-get update did not read the lab package source '{source}'")
        policy = s.run("apt-cache policy").stdout
        if "o=oat-lab" not in policy:
            problems.append(f"{s.name}: the lab repository (origin oat-lab) is not among apt's sources")
    assert not problems, "; ".join(problems)


@when(parsers.parse("{role:Role}を再起動する", extra_types=ROLE))
@when(parsers.parse("{role:Role}の OS を再起動する", extra_types=ROLE))
@disruptive
def reboot_role(lab, request, role):
    """Reboot the servers of that role as an operator does (systemctl reboot), wait until they
    have booted again, then let the procedure audit what a fault must not break."""
    servers = targets.servers(lab, role)
    for server in servers:
        lab.restart(server.name)
    request.node.ihook.pytest_oat_after_fault(request=request, servers=servers, fault=f"reboot of {role}")
