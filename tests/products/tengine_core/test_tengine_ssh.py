"""SSH to the job servers, with a stand-in `ssh` on PATH: the contract's command line, the
remote command with the MM_ variables, and ssh's failures as short causes."""

from __future__ import annotations

import time

import pytest

from tengine_core import ssh
from tengine_core.config import JobServer
from tengine_core.ssh import SshError

JOB1 = JobServer(
    name="job1",
    host="10.231.10.14",
    port=2201,
    user="tengine",
    ssh_key="/etc/tengine/ssh/id_ed25519",
    known_hosts="/etc/tengine/ssh/known_hosts",
)
COMMAND = (
    "MM_SERVER_NAME=job1 MM_ROOT_JOBNET_ID=7 MM_TARGET_JOBNET_ID=jn_hello"
    " MM_ACTUAL_JOB_ID=7/j1 tengine_job_agent_run /home/tengine/hello.sh"
)


def test_the_remote_command_sets_the_mm_variables_as_the_contract_says():
    assert ssh.agent_command("job1", "7", "jn_hello", "j1", "/home/tengine/hello.sh") == COMMAND


def test_values_the_shell_would_split_are_quoted():
    assert ssh.agent_command("job1", "7", "jn x", "j1", "/home/my scripts/a.sh") == (
        "MM_SERVER_NAME=job1 MM_ROOT_JOBNET_ID=7 MM_TARGET_JOBNET_ID='jn x'"
        " MM_ACTUAL_JOB_ID=7/j1 tengine_job_agent_run '/home/my scripts/a.sh'"
    )


def test_ssh_runs_with_the_contracts_options(fake_ssh):
    fake_ssh.answer(stdout="4321\n")
    assert ssh.run(JOB1, COMMAND, timeout=5) == ssh.Result(0, "4321\n", "")
    assert fake_ssh.argv == [
        "-i",
        "/etc/tengine/ssh/id_ed25519",
        "-p",
        "2201",
        "-o",
        "UserKnownHostsFile=/etc/tengine/ssh/known_hosts",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        "ConnectTimeout=5",
        "tengine@10.231.10.14",
        COMMAND,
    ]


def test_a_started_agent_is_no_error(fake_ssh):
    fake_ssh.answer(stdout="4321\n")
    assert ssh.start_agent(JOB1, COMMAND) is None


def cause_of(fake_ssh, **answer) -> str:
    fake_ssh.answer(**answer)
    with pytest.raises(SshError) as raised:
        ssh.start_agent(JOB1, COMMAND)
    return str(raised.value)


@pytest.mark.parametrize(
    "stderr, cause",
    [
        ("ssh: connect to host 10.231.10.14 port 2201: Connection refused\n", "ssh: connection refused"),
        ("tengine@10.231.10.14: Permission denied (publickey).\n", "ssh: permission denied (publickey)"),
        (
            "tengine@10.231.10.14: Permission denied (publickey,password).\n",
            "ssh: permission denied (publickey,password)",
        ),
        (
            "No ED25519 host key is known for [10.231.10.14]:2201 and you have requested strict"
            " checking.\nHost key verification failed.\n",
            "ssh: host key verification failed",
        ),
        ("ssh: connect to host 10.231.10.14 port 2201: Connection timed out\n", "ssh: connection timed out"),
        ("banner exchange: Connection to 10.231.10.14 port 2201: Connection timed out\n", "ssh: connection timed out"),
        ("ssh: Could not resolve hostname job1: Name or service not known\n", "ssh: could not resolve host"),
        ("ssh: connect to host 10.231.10.14 port 2201: No route to host\n", "ssh: no route to host"),
        (
            "kex_exchange_identification: read: Connection reset by peer\nConnection reset by 10.231.10.14 port 2201\n",
            "ssh: connection reset",
        ),
        (
            "kex_exchange_identification: Connection closed by remote host\n"
            "Connection closed by 10.231.10.14 port 2201\n",
            "ssh: connection closed by the server",
        ),
        (
            "Warning: Identity file /etc/tengine/ssh/id_ed25519 not accessible: No such file or"
            " directory.\ntengine@10.231.10.14: Permission denied (publickey).\n",
            "ssh: cannot read the key /etc/tengine/ssh/id_ed25519: no such file or directory",
        ),
        (
            'Load key "/etc/tengine/ssh/id_ed25519": Permission denied\n'
            "tengine@10.231.10.14: Permission denied (publickey).\n",
            "ssh: cannot read the key /etc/tengine/ssh/id_ed25519: permission denied",
        ),
        ("Bad owner or permissions on /root/.ssh/config\n", "ssh: bad owner or permissions on /root/.ssh/config"),
        ("", "ssh: ssh exited with status 255"),
    ],
    ids=[
        "refused",
        "publickey",
        "methods",
        "host-key",
        "timeout",
        "banner-timeout",
        "dns",
        "route",
        "reset",
        "closed",
        "missing-key",
        "unreadable-key",
        "other",
        "silent",
    ],
)
def test_ssh_failures_become_short_causes(fake_ssh, stderr, cause):
    assert cause_of(fake_ssh, stderr=stderr, status=255) == cause


def test_an_agent_that_is_not_installed(fake_ssh):
    assert cause_of(fake_ssh, status=127, stderr="bash: line 1: tengine_job_agent_run: command not found\n") == (
        "tengine_job_agent_run: command not found"
    )


def test_the_agents_own_refusal_is_its_last_line(fake_ssh):
    assert cause_of(fake_ssh, status=1, stderr="tengine_job_agent_run: /home/tengine/hello.sh: not executable\n") == (
        "tengine_job_agent_run: /home/tengine/hello.sh: not executable"
    )
    assert cause_of(fake_ssh, status=2) == "tengine_job_agent_run exited with status 2"


def test_an_ssh_that_does_not_end_is_killed_at_the_timeout(fake_ssh):
    fake_ssh.answer(sleep="10")
    started = time.monotonic()
    with pytest.raises(SshError, match=r"^ssh: no answer within 0\.3 s$"):
        ssh.run(JOB1, COMMAND, timeout=0.3)
    assert time.monotonic() - started < 2


def test_no_ssh_client(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SshError, match=r"^ssh: command not found \(install openssh-client\)$"):
        ssh.run(JOB1, COMMAND, timeout=1)
