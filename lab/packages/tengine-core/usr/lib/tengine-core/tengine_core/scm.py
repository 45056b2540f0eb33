"""The checkout of the SCM repository that holds the jobnet definitions (git over SSH).

Run as root (the operator's `tengined -k load`), git runs as the service's user: the checkout
then belongs to tengine, which fetches into it later, and git refuses to work in a repository
that belongs to someone else."""
from __future__ import annotations

import os
import pwd
import shlex
import subprocess
from pathlib import Path

from tengine_core import ssh
from tengine_core.config import Scm
from tengine_core.errors import TengineError

SERVICE_USER = "tengine"
GIT_TIMEOUT = 60  # s for one git command; ssh gives up connecting after 5 s

# What git adds after every failed remote access; the line before it says what went wrong.
GIT_ADVICE = (
    "fatal: Could not read from remote repository.",
    "Please make sure you have the correct access rights",
    "and the repository exists.",
)


class ScmError(TengineError):
    pass


def ssh_command(scm: Scm) -> str:
    """GIT_SSH_COMMAND: the job servers' ssh options (ssh.options), in one shell line."""
    return shlex.join(["ssh", *ssh.options(scm.ssh_key, scm.known_hosts)])


def service_account() -> pwd.struct_passwd | None:
    """The account git runs as: tengine when root runs this, else whoever runs it."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        return None


def checkout(scm: Scm, path: Path, account: pwd.struct_passwd | None = None) -> str:
    """Clone scm.url into path, or fetch and reset an existing checkout to origin/<branch>;
    the commit id checked out. ScmError names the URL and git's reason."""
    path = path.absolute()  # git runs in / (the account may not enter the caller's folder)
    git = Git(scm, account)
    if (path / ".git").is_dir():
        git.run("-C", str(path), "remote", "set-url", "origin", scm.url)
        git.run("-C", str(path), "fetch", "--quiet", "origin",
                f"+refs/heads/{scm.branch}:refs/remotes/origin/{scm.branch}")
        git.run("-C", str(path), "reset", "--quiet", "--hard", f"origin/{scm.branch}")
        # Files that are not in the repository (left by hand) are not definitions either.
        git.run("-C", str(path), "clean", "-q", "-d", "-x", "--force")
    else:
        git.run("clone", "--quiet", "--branch", scm.branch, "--", scm.url, str(path))
    return git.run("-C", str(path), "rev-parse", "HEAD").strip()


class Git:
    def __init__(self, scm: Scm, account: pwd.struct_passwd | None):
        self.url = scm.url
        self.account = account
        self.env = {**os.environ, "GIT_SSH_COMMAND": ssh_command(scm),
                    "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
        if account:
            self.env.update(HOME=account.pw_dir, USER=account.pw_name, LOGNAME=account.pw_name)

    def run(self, *args: str) -> str:
        as_account = {}
        if self.account:
            as_account = {"user": self.account.pw_uid, "group": self.account.pw_gid,
                          "extra_groups": []}
        try:
            result = subprocess.run(["git", *args], env=self.env, capture_output=True,
                                    text=True, timeout=GIT_TIMEOUT, cwd="/", **as_account)
        except subprocess.TimeoutExpired:
            raise ScmError(f"cannot fetch jobnet definitions from {self.url}:"
                           f" git did not finish within {GIT_TIMEOUT} s") from None
        if result.returncode != 0:
            raise ScmError(f"cannot fetch jobnet definitions from {self.url}:"
                           f" {reason(result.stderr, result.returncode)}")
        return result.stdout


def reason(stderr: str, status: int) -> str:
    """git's last stderr line that says something: the generic advice git prints after any
    failed remote access is skipped for the line before it (ssh's or the server's words)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    telling = [line for line in lines if line not in GIT_ADVICE]
    return (telling or lines or [f"git exited with status {status}"])[-1]
