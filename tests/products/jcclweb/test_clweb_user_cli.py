"""bin/clweb_user: add (password on stdin), apikey, list; one-line errors."""

from __future__ import annotations

import subprocess

from clweb.apikeys import ApiKeys
from clweb.users import Users
from jcclweb_tree import INSTALL

USER = INSTALL / "bin" / "clweb_user"


def clweb_user(home, *args, stdin=""):
    return subprocess.run(
        [str(USER), "--home", str(home.root), *args], input=stdin, capture_output=True, text=True, timeout=10
    )


def test_add_reads_one_line_of_password_from_stdin(home):
    result = clweb_user(home, "add", "alice", stdin="s3cret pass\nignored\n")
    assert (result.returncode, result.stdout, result.stderr) == (0, "user 'alice' added\n", "")
    assert Users(home.users_dir).verify("alice", "s3cret pass")


def test_apikey_prints_a_key_that_the_store_accepts_and_list_counts_it(home):
    clweb_user(home, "add", "alice", stdin="pw\n")
    result = clweb_user(home, "apikey", "alice")
    key = result.stdout.strip()
    assert result.returncode == 0 and key.startswith("clw_")
    assert ApiKeys(home.users_dir).owner(key) == "alice"
    assert clweb_user(home, "list").stdout == "alice\tapikeys=1\n"


def test_errors_are_one_line_and_non_zero(home, tmp_path):
    clweb_user(home, "add", "alice", stdin="pw\n")
    cases = [
        (("add", "alice"), "pw\n", "clweb_user: user 'alice' already exists\n"),
        (("add", "bob"), "\n", "clweb_user: user 'bob': the password is empty\n"),
        (("apikey", "ghost"), "", "clweb_user: no such user 'ghost'\n"),
    ]
    for args, stdin, message in cases:
        result = clweb_user(home, *args, stdin=stdin)
        assert (result.returncode, result.stderr) == (1, message)
    result = clweb_user(home, "add", "../x", stdin="pw\n")
    assert result.returncode == 1 and result.stderr.startswith("clweb_user: invalid user name '../x'")
    result = subprocess.run(
        [str(USER), "--home", str(tmp_path / "nowhere"), "list"], capture_output=True, text=True, timeout=10
    )
    assert (result.returncode, result.stderr) == (1, f"clweb_user: config folder {tmp_path}/nowhere/config not found\n")
