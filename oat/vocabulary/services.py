"""systemd services: start, stop, restart, reload; running or not; enabled at boot or not.

The checks ask systemctl itself (`is-active`, `is-enabled`): its answer is the state word the
message shows (active, inactive, failed, activating…; enabled, disabled, static, masked…).
testinfra's host.service would pick its implementation from PID 1 and keep only a yes or no.
"""
from __future__ import annotations

from pytest_bdd import when

from oat.model.safety import disruptive
from oat.model.targets import servers
from oat.vocabulary.checks import check, sentence, each, excerpt


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
        assert state in ("inactive", "failed", "unknown"), (
            f"{s.name}: service {unit} is '{state}', expected 'inactive' (stopped)")
    each(lab, server, stopped)


@check('"{server:q}" でサービス "{unit:q}" の自動起動が有効である')
def service_enabled(lab, server, unit):
    """The systemd unit starts at boot on the server (systemctl is-enabled: enabled)."""
    def enabled(s):
        state = _state(s, "is-enabled", unit)
        assert state in ("enabled", "enabled-runtime"), f"{s.name}: service {unit} is '{state}' at boot, expected 'enabled'"
    each(lab, server, enabled)


@check('"{server:q}" でサービス "{unit:q}" の自動起動が無効である')
def service_disabled(lab, server, unit):
    """The systemd unit does not start at boot on the server (systemctl is-enabled: disabled)."""
    def disabled(s):
        state = _state(s, "is-enabled", unit)
        assert state == "disabled", f"{s.name}: service {unit} is '{state}' at boot, expected 'disabled'"
    each(lab, server, disabled)
