"""The SCM checkout with real git on local repositories (and ssh to a closed local port)."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tengine_core import scm
from tengine_core.config import Scm
from tengine_core.scm import ScmError
from tengine_fakes import JN_HELLO, Repository


def test_a_first_load_clones(tmp_path, repository):
    revision = repository.push({"jobnets/jn_hello.yml": JN_HELLO})
    checkout = tmp_path / "load"
    assert scm.checkout(Scm(url=repository.url), checkout) == revision
    assert (checkout / "jobnets" / "jn_hello.yml").read_text(encoding="utf-8") == JN_HELLO


def test_a_later_load_fetches_and_resets_to_the_branch(tmp_path, repository):
    repository.push({"jobnets/jn_hello.yml": JN_HELLO, "jobnets/old.yml": JN_HELLO})
    checkout = tmp_path / "load"
    scm.checkout(Scm(url=repository.url), checkout)
    revision = repository.push({"jobnets/old.yml": None, "jobnets/new.yml": JN_HELLO})
    (checkout / "jobnets" / "jn_hello.yml").write_text("edited by hand")
    (checkout / "jobnets" / "stray.yml").write_text("left by hand")
    assert scm.checkout(Scm(url=repository.url), checkout) == revision
    assert sorted(p.name for p in (checkout / "jobnets").iterdir()) == ["jn_hello.yml", "new.yml"]
    assert (checkout / "jobnets" / "jn_hello.yml").read_text(encoding="utf-8") == JN_HELLO


def test_the_branch_of_the_config_is_checked_out(tmp_path):
    repository = Repository(tmp_path / "scm", branch="production")
    revision = repository.push({"jobnets/jn_hello.yml": JN_HELLO})
    assert scm.checkout(Scm(url=repository.url, branch="production"), tmp_path / "load") == revision
    with pytest.raises(ScmError, match="Remote branch main not found in upstream origin$"):
        scm.checkout(Scm(url=repository.url), tmp_path / "other")


def test_an_unreachable_repository_names_the_url_and_gits_reason(tmp_path):
    url = str(tmp_path / "missing.git")
    with pytest.raises(ScmError) as raised:
        scm.checkout(Scm(url=url), tmp_path / "load")
    assert str(raised.value) == (
        f"cannot fetch jobnet definitions from {url}: fatal: repository '{url}' does not exist"
    )


def test_an_unreachable_ssh_server_gives_sshs_reason_not_gits_advice(tmp_path):
    url = "ssh://git@127.0.0.1:1/srv/git/jobnets.git"
    settings = Scm(url=url, ssh_key=str(tmp_path / "id_ed25519"), known_hosts=str(tmp_path / "known_hosts"))
    with pytest.raises(ScmError) as raised:
        scm.checkout(settings, tmp_path / "load")
    assert str(raised.value) == (
        f"cannot fetch jobnet definitions from {url}: ssh: connect to host 127.0.0.1 port 1: Connection refused"
    )


def test_git_uses_the_contracts_ssh_command():
    assert scm.ssh_command(Scm(ssh_key="/etc/tengine/ssh/id_ed25519", known_hosts="/etc/tengine/ssh/known_hosts")) == (
        "ssh -i /etc/tengine/ssh/id_ed25519 -o UserKnownHostsFile=/etc/tengine/ssh/known_hosts"
        " -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=5"
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs git as another user")
def test_run_by_root_the_checkout_belongs_to_the_service_account():
    """As `tengined -k load` run by root: git runs as the account (nobody stands in for
    tengine), so the service can fetch into the checkout later."""
    nobody = pwd.getpwnam("nobody")
    # Outside pytest's tmp folders, which only root may enter.
    top = Path(tempfile.mkdtemp(prefix="tengine-scm-"))
    try:
        top.chmod(0o755)
        repository = Repository(top / "scm")
        revision = repository.push({"jobnets/jn_hello.yml": JN_HELLO})
        # The SCM's repository and the load_path's parent belong to the account, as on a lab.
        subprocess.run(["chown", "-R", f"{nobody.pw_uid}:{nobody.pw_gid}", str(top)], check=True)
        assert scm.checkout(Scm(url=repository.url), top / "load", nobody) == revision
        assert (top / "load" / "jobnets" / "jn_hello.yml").stat().st_uid == nobody.pw_uid
        assert scm.checkout(Scm(url=repository.url), top / "load", nobody) == revision
    finally:
        shutil.rmtree(top)
