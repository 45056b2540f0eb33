"""oat.drivers.docker.owner: telling whether the process that made a lab still runs."""

from __future__ import annotations

import os
import socket
import subprocess

import pytest

from oat.drivers.docker import owner


def test_current_names_host_pid_and_start_time():
    host, pid, started = owner.current().rsplit(":", 2)
    assert host == socket.gethostname()
    assert pid == str(os.getpid())
    assert started.isdigit()


def test_the_current_process_is_alive():
    assert owner.is_alive(owner.current()) is True


def test_a_reused_pid_with_another_start_time_is_dead():
    host, pid, started = owner.current().rsplit(":", 2)
    assert owner.is_alive(f"{host}:{pid}:{int(started) + 1}") is False


def test_a_finished_process_is_dead():
    child = subprocess.Popen(["true"])
    started = owner._start_time(child.pid)
    child.wait()
    assert owner.is_alive(f"{socket.gethostname()}:{child.pid}:{started}") is False


def test_an_owner_on_another_host_counts_as_alive():
    assert owner.is_alive("elsewhere:1:0", host="here") is True
    assert owner.is_alive(f"not-{socket.gethostname()}:999999999:1") is True


def test_the_given_host_stands_for_this_host():
    _, pid, started = owner.current().rsplit(":", 2)
    assert owner.is_alive(f"ci-runner:{pid}:{started}", host="ci-runner") is True
    assert owner.is_alive(f"ci-runner:{pid}:{int(started) + 1}", host="ci-runner") is False
    assert owner.is_alive(owner.current(), host="ci-runner") is True  # another host: left alone


@pytest.mark.parametrize("garbage", ["", "garbage", "host:pid", f"{socket.gethostname()}:abc:1"])
def test_garbage_is_dead(garbage):
    assert owner.is_alive(garbage) is False


def test_a_host_name_with_colons_is_kept_whole():
    _, pid, started = owner.current().rsplit(":", 2)
    assert owner.is_alive(f"a:b:{pid}:{started}", host="a:b") is True
