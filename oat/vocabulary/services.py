"""systemd services: start, stop, restart, reload; running or not; enabled at boot or not.

The checks ask systemctl itself (`is-active`, `is-enabled`): its answer is the state word the
message shows (active, inactive, failed, activating…; enabled, disabled, static, masked…).
testinfra's host.service would pick its implementation from PID 1 and keep only a yes or no.

"Stopped" by that word alone misses a unit with KillMode=process that leaves a child of another
name running: the unit is inactive, no process has its name, no port is open. `… が完全に停止
している` also asks the kernel: the unit's control group (systemctl show ControlGroup, its
cgroup.procs under /sys/fs/cgroup, sub-groups included) must hold no process, and the unit's
User= (when it is not root) must run none.
"""

from __future__ import annotations

from pytest_bdd import when

from oat.model.safety import disruptive
from oat.model.targets import servers
from oat.vocabulary.checks import check, each, excerpt, sentence

CGROUPS = "/sys/fs/cgroup"  # the cgroup file system (v2; v1's hierarchies are folders of it)
NOT_ACTIVE = ("inactive", "failed", "unknown")


def _systemctl(lab, word: str, verb: str, unit: str) -> None:
    for server in servers(lab, word):
        server.check(f"systemctl {verb} %s", unit)


@when(sentence('"{server:q}" でサービス "{unit:q}" を起動する'))
def start_service(lab, server, unit):
    """Start a systemd unit (systemctl start) on the server."""
    _systemctl(lab, server, "start", unit)


@when(sentence('"{server:q}" でサービス "{unit:q}" を再読み込みする'))
def reload_service(lab, server, unit):
    """Reload a systemd unit's configuration (systemctl reload) on the server."""
    _systemctl(lab, server, "reload", unit)


@when(sentence('"{server:q}" でサービス "{unit:q}" を停止する'))
@disruptive
def stop_service(lab, server, unit):
    """Stop a systemd unit (systemctl stop) on the server."""
    _systemctl(lab, server, "stop", unit)


@when(sentence('"{server:q}" でサービス "{unit:q}" を再起動する'))
@disruptive
def restart_service(lab, server, unit):
    """Restart a systemd unit (systemctl restart) on the server."""
    _systemctl(lab, server, "restart", unit)


def _state(server, question: str, unit: str) -> str:
    result = server.run(f"systemctl {question} %s", unit)
    return result.stdout.strip() or excerpt(result.stderr) or f"exit {result.rc}"


@check('"{server:q}" でサービス "{unit:q}" が起動している')
def service_running(lab, server, unit):
    """The systemd unit is active (running) on the server."""

    def running(s):
        state = _state(s, "is-active", unit)
        assert state == "active", f"{s.name}: service {unit} is '{state}', expected 'active'"

    each(lab, server, running)


@check('"{server:q}" でサービス "{unit:q}" が停止している')
def service_stopped(lab, server, unit):
    """The systemd unit is not active on the server (inactive, failed or unknown)."""

    def stopped(s):
        state = _state(s, "is-active", unit)
        assert state in NOT_ACTIVE, f"{s.name}: service {unit} is '{state}', expected 'inactive' (stopped)"

    each(lab, server, stopped)


def _show(server, unit: str) -> dict[str, str]:
    """systemctl show's answer for a few properties, as a dict (its own order is not -p's)."""
    answer = server.check("systemctl show -p Id -p ControlGroup -p User %s", unit)
    return dict(line.split("=", 1) for line in answer.splitlines() if "=" in line)


# The unit's control group and its sub-groups, in every hierarchy that has it (cgroup v2, and
# v1's systemd and controller hierarchies), or, when systemd no longer names it (an older
# systemd forgets it once the unit stops, leftovers or not), every folder of the unit's name.
# Prints `ps` lines (PID, user, name, command line) of the processes in it.
_IN_CGROUP = """root=%s; cg=%s; id=%s
if [ -n "$cg" ]; then set -- "$root$cg" "$root"/*"$cg"; else set -- $(find "$root" -type d -name "$id" 2>/dev/null); fi
pids=$(for d in "$@"; do [ -d "$d" ] && find "$d" -name cgroup.procs -exec cat {} + ; done 2>/dev/null | sort -un | paste -sd, -)
[ -z "$pids" ] || ps -ww -o pid=,user=,comm=,args= -p "$pids"
true"""


def _processes(answer: str) -> list[str]:
    return [" ".join(line.split()) for line in answer.splitlines() if line.strip()]


def _listed(processes: list[str], limit: int = 3) -> str:
    shown = "; ".join(processes[:limit])
    return f"{len(processes)} process(es): {shown}" + ("; …" if len(processes) > limit else "")


@check('"{server:q}" でサービス "{unit:q}" が完全に停止している')
def service_stopped_completely(lab, server, unit):
    """The systemd unit is not active, its control group holds no process, and its User= (unless root) runs none."""

    def stopped(s):
        state = _state(s, "is-active", unit)
        assert state in NOT_ACTIVE, f"{s.name}: service {unit} is '{state}', expected 'inactive' (stopped)"
        problems = leftovers(s, unit)
        assert not problems, f"{s.name}: service {unit} is '{state}' but " + "; and ".join(problems)

    each(lab, server, stopped)


def leftovers(s, unit: str) -> list[str]:
    """What still runs of a unit that is not active: processes in its control group, and
    processes of its User= (unless root). Empty when it stopped for real."""
    shown = _show(s, unit)
    cgroup, user = shown.get("ControlGroup", ""), shown.get("User", "")
    problems = []
    left = _processes(s.check(_IN_CGROUP, CGROUPS, cgroup, shown.get("Id") or unit))
    if left:
        problems.append(f"its control group {cgroup or shown.get('Id') or unit} still holds {_listed(left)}")
    if user and user not in ("root", "0"):
        owned = _processes(s.run("ps -ww -o pid=,user=,comm=,args= -u %s", user).stdout)
        if owned:
            problems.append(f"its user {user} still runs {_listed(owned)}")
    return problems


@check('"{server:q}" でサービス "{unit:q}" の自動起動が有効である')
def service_enabled(lab, server, unit):
    """The systemd unit starts at boot on the server (systemctl is-enabled: enabled)."""

    def enabled(s):
        state = _state(s, "is-enabled", unit)
        assert state in ("enabled", "enabled-runtime"), (
            f"{s.name}: service {unit} is '{state}' at boot, expected 'enabled'"
        )

    each(lab, server, enabled)


@check('"{server:q}" でサービス "{unit:q}" の自動起動が無効である')
def service_disabled(lab, server, unit):
    """The systemd unit does not start at boot on the server (systemctl is-enabled: disabled)."""

    def disabled(s):
        state = _state(s, "is-enabled", unit)
        assert state == "disabled", f"{s.name}: service {unit} is '{state}' at boot, expected 'disabled'"

    each(lab, server, disabled)
