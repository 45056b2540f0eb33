"""What lives in the config folder: password hashes, users, API keys and MyPage data."""

from __future__ import annotations

import json
import os
import stat

import pytest

from clweb import passwords
from clweb.apikeys import ApiKeys, digest
from clweb.errors import ClwebError
from clweb.mypage import MyPages
from clweb.users import Users

FAST = 1000  # iterations: the scheme is the same, the test is quicker


def test_a_password_hash_is_salted_pbkdf2_sha256_and_verifies():
    encoded = passwords.hash_password("s3cret", FAST)
    scheme, iterations, _salt, _digest = encoded.split("$")
    assert (scheme, iterations) == ("pbkdf2_sha256", "1000")
    assert passwords.verify("s3cret", encoded)
    assert not passwords.verify("S3cret", encoded)
    assert passwords.hash_password("s3cret", FAST) != encoded


@pytest.mark.parametrize("damaged", ["", "plain", "md5$1$a$b", "pbkdf2_sha256$x$a$b", "pbkdf2_sha256$10$!!$??"])
def test_a_damaged_hash_never_verifies(damaged):
    assert not passwords.verify("anything", damaged)


def test_the_default_iterations_are_current():
    assert passwords.ITERATIONS >= 600_000


def test_users_are_stored_with_hashes_only(home):
    users = Users(home.users_dir)
    users.add("alice", "pw-alice", FAST)
    users.add("bob", "pw-bob", FAST)
    assert users.names() == ["alice", "bob"]
    assert users.verify("alice", "pw-alice")
    assert not users.verify("alice", "pw-bob")
    assert not users.verify("carol", "pw-alice")
    stored = users.path.read_text()
    assert "pw-alice" not in stored and "pbkdf2_sha256$" in stored
    assert stat.S_IMODE(users.path.stat().st_mode) == 0o600


def test_adding_a_user_twice_or_badly_is_refused(home):
    users = Users(home.users_dir)
    users.add("alice", "pw", FAST)
    with pytest.raises(ClwebError, match="^user 'alice' already exists$"):
        users.add("alice", "other", FAST)
    with pytest.raises(ClwebError, match="^user 'bob': the password is empty$"):
        users.add("bob", "", FAST)
    for name in ["", "../etc", "a b", ".hidden", "x" * 33]:
        with pytest.raises(ClwebError, match="^invalid user name"):
            users.add(name, "pw", FAST)


def test_an_api_key_is_stored_as_its_sha256_only(home):
    Users(home.users_dir).add("alice", "pw", FAST)
    keys = ApiKeys(home.users_dir)
    key = keys.create("alice")
    assert key.startswith("clw_") and len(key) > 40
    assert keys.owner(key) == "alice"
    stored = json.loads(keys.path.read_text())
    assert list(stored) == [digest(key)] and key not in keys.path.read_text()
    assert keys.owner(key + "x") is None and keys.owner("") is None
    second = keys.create("alice")
    assert second != key and keys.count("alice") == 2 and keys.owner(key) == "alice"


def test_an_api_key_needs_an_existing_user(home):
    with pytest.raises(ClwebError, match="^no such user 'ghost'$"):
        ApiKeys(home.users_dir).create("ghost")


def test_api_keys_are_read_from_the_file_each_time(home):
    """Another node (or clweb_user) writes the file; this instance sees it at once."""
    Users(home.users_dir).add("alice", "pw", FAST)
    reader = ApiKeys(home.users_dir)
    key = ApiKeys(home.users_dir).create("alice")
    assert reader.owner(key) == "alice"


def test_mypage_starts_empty_and_round_trips(home):
    pages = MyPages(home.mypage_dir)
    assert pages.load("alice") == {"memo": "", "updated": None}
    saved = pages.save("alice", "ジョブ定義メモ\n2行目")
    assert pages.load("alice") == saved and saved["memo"] == "ジョブ定義メモ\n2行目"
    assert (home.mypage_dir / "alice.json").is_file()


def test_mypage_save_is_atomic(home, monkeypatch):
    pages = MyPages(home.mypage_dir)
    pages.save("alice", "old")
    before = (home.mypage_dir / "alice.json").read_bytes()

    def crash(src, dst):
        raise OSError(5, "Input/output error")  # e.g. the shared disk went away mid-save

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(ClwebError, match=r"alice\.json: cannot write: .*Input/output error"):
        pages.save("alice", "new")
    assert (home.mypage_dir / "alice.json").read_bytes() == before
    assert sorted(p.name for p in home.mypage_dir.iterdir()) == [".keep", "alice.json"]


def test_mypage_names_cannot_leave_the_folder(home):
    with pytest.raises(ClwebError, match="^invalid user name '../users/users'"):
        MyPages(home.mypage_dir).save("../users/users", "x")


def test_a_corrupt_store_is_one_line_naming_the_file(home):
    (home.users_dir / "users.json").write_text("{not json")
    with pytest.raises(ClwebError, match=r"users\.json: cannot read: "):
        Users(home.users_dir).verify("alice", "pw")
