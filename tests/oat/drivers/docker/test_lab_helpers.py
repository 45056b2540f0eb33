"""oat.drivers.docker.lab's pure helpers: run ids, container privileges, deferred signals."""

from __future__ import annotations

import os
import re
import signal
import threading

import pytest

from oat.drivers.docker.lab import ALL_CAPS_SECURITY_OPT, _privileges, new_run_id, signals_deferred
from oat.errors import LabError


def test_a_run_id_is_a_timestamp_and_a_random_suffix():
    run_id = new_run_id()
    assert re.fullmatch(r"\d{8}[0-9a-f]{4}", run_id), run_id


def test_run_ids_differ():
    assert len({new_run_id() for _ in range(20)}) > 1


def test_default_capabilities_need_no_privileges():
    assert _privileges(()) == {}


def test_extra_capabilities_are_added():
    assert _privileges(("NET_ADMIN", "SYS_PTRACE")) == {"cap_add": ["NET_ADMIN", "SYS_PTRACE"]}


def test_all_capabilities_replace_privileged_mode():
    assert _privileges(("ALL",)) == {
        "cap_add": ["ALL"],
        "cap_drop": ["SYS_RESOURCE"],
        "security_opt": ALL_CAPS_SECURITY_OPT,
        "device_cgroup_rules": ["a *:* rwm"],
    }


@pytest.fixture
def received():
    """Record SIGTERM and SIGINT instead of dying; restore the handlers afterwards."""
    seen: list[int] = []
    previous = {
        sig: signal.signal(sig, lambda signum, frame: seen.append(signum)) for sig in (signal.SIGTERM, signal.SIGINT)
    }
    yield seen
    for sig, handler in previous.items():
        signal.signal(sig, handler)


def test_a_sigterm_inside_is_delivered_after_the_block(received):
    with signals_deferred():
        os.kill(os.getpid(), signal.SIGTERM)
        assert received == []
    assert received == [signal.SIGTERM]


def test_a_sigint_inside_is_delivered_after_the_block(received):
    with signals_deferred():
        signal.raise_signal(signal.SIGINT)
        assert received == []
    assert received == [signal.SIGINT]


def test_the_signal_is_delivered_even_when_the_block_fails(received):
    with pytest.raises(RuntimeError):
        with signals_deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            raise RuntimeError("removal failed")
    assert received == [signal.SIGTERM]


def test_the_previous_handlers_are_restored(received):
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    with signals_deferred():
        assert signal.getsignal(signal.SIGTERM) is not before[0]
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before
    assert received == []


def test_outside_the_main_thread_nothing_is_held():
    errors = []

    def run():
        try:
            with signals_deferred():
                pass
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert errors == []


def test_faults_on_a_lab_on_another_engine_are_refused_in_one_line(monkeypatch):
    from oat.drivers.docker import lab as labmod

    monkeypatch.setattr(labmod, "engine_address", lambda: "tcp://10.0.0.5:2376 (TLS)")
    lab = labmod.Lab.__new__(labmod.Lab)
    lab.topology = type("T", (), {"name": "clweb"})()
    lab._hardware = None
    with pytest.raises(LabError, match=r"lab 'clweb' is on tcp://10.0.0.5:2376 \(TLS\): faults are injected"):
        lab.hardware()
