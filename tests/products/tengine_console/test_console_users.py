"""/etc/tengine/console_users and tengine_console_passwd."""

from __future__ import annotations

import io
import re
import stat

import pytest

from console_tree import PASSWORD
from tengine_console.cli import passwd
from tengine_console.errors import ConsoleError
from tengine_console.users import UserFile, hash_password, password_matches

LINE = re.compile(r"^(?P<name>[^:]+):pbkdf2_sha256\$(?P<iterations>\d+)\$[0-9a-f]{32}\$[0-9a-f]{64}$")


def test_the_file_format_of_the_contract_with_a_salt_per_hash(users):
    [line] = users.path.read_text().splitlines()
    match = LINE.match(line)
    assert match and match["name"] == "alice" and match["iterations"] == "1000"
    assert hash_password("same", 1000) != hash_password("same", 1000)


def test_verify_accepts_only_the_right_password(users):
    assert users.verify("alice", PASSWORD)
    assert not users.verify("alice", PASSWORD + "x")
    assert not users.verify("bob", PASSWORD)


def test_a_damaged_entry_never_matches():
    for damaged in ["", "pbkdf2_sha256$1000$zz$00", "md5$1$00$00", "pbkdf2_sha256$0$00$00", "pbkdf2_sha256$1000$00"]:
        assert not password_matches("", damaged), damaged
    assert password_matches("pw", hash_password("pw", 1000))


def test_replacing_keeps_one_line_per_user_and_the_others(users):
    assert users.set("bob", "b-1", iterations=1000) is False
    assert users.set("alice", "new", iterations=1000) is True
    names = [line.split(":")[0] for line in users.path.read_text().splitlines()]
    assert sorted(names) == ["alice", "bob"]
    assert users.verify("alice", "new") and not users.verify("alice", PASSWORD)
    assert users.verify("bob", "b-1")


def test_a_rewrite_keeps_the_mode_of_the_file(users):
    users.path.chmod(0o600)
    users.set("alice", "new", iterations=1000)
    assert stat.S_IMODE(users.path.stat().st_mode) == 0o600
    assert not [p for p in users.path.parent.iterdir() if p.name.startswith(".console_users")]


def test_an_invalid_name_is_refused(users):
    for name in ["", "a:b", "a b", "x" * 65, "alice\n"]:
        with pytest.raises(ConsoleError, match=r"^invalid user name "):
            users.set(name, "pw", iterations=1000)


def test_passwd_adds_then_replaces_from_stdin(tmp_path, capsys):
    path = tmp_path / "console_users"
    assert passwd(["tengine_admin", "--file", str(path)], io.StringIO("Op-Pass1\n")) == 0
    assert capsys.readouterr().out == f"added tengine_admin in {path}\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert passwd(["tengine_admin", "--file", str(path)], io.StringIO("Op-Pass2\n")) == 0
    assert capsys.readouterr().out == f"replaced the password of tengine_admin in {path}\n"
    assert UserFile(path).verify("tengine_admin", "Op-Pass2")
    assert len(path.read_text().splitlines()) == 1


def test_passwd_without_a_password_fails(tmp_path, capsys):
    path = tmp_path / "console_users"
    assert passwd(["alice", "--file", str(path)], io.StringIO("")) == 1
    assert capsys.readouterr().err == "tengine_console_passwd: no password on standard input\n"
    assert not path.exists()


def test_passwd_into_a_missing_folder_is_one_line(tmp_path, capsys):
    path = tmp_path / "nowhere" / "console_users"
    assert passwd(["alice", "--file", str(path)], io.StringIO("pw\n")) == 1
    assert capsys.readouterr().err == (f"tengine_console_passwd: cannot write {path}: No such file or directory\n")
