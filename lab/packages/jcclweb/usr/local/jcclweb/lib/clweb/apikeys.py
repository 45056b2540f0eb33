"""API access keys: config/users/apikeys.json maps sha256(key) -> owner.

Only the digest is stored, and the file is on the shared disk with the rest of the config
folder, so a key keeps working on whichever node serves after a failover."""
from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from clweb import jsonfile
from clweb.errors import ClwebError
from clweb.users import Users, now

PREFIX = "clw_"  # makes a leaked key easy to recognise in logs and scanners


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class ApiKeys:
    def __init__(self, users_dir: Path):
        self.path = users_dir / "apikeys.json"
        self.users = Users(users_dir)

    def _all(self) -> dict:
        return jsonfile.read(self.path, {})

    def create(self, user: str) -> str:
        """A new key for an existing user; the key itself is returned once and never stored."""
        if not self.users.exists(user):
            raise ClwebError(f"no such user '{user}'")
        key = PREFIX + secrets.token_urlsafe(32)
        keys = self._all()
        keys[digest(key)] = {"user": user, "created": now()}
        jsonfile.write_atomic(self.path, keys)
        return key

    def owner(self, key: str) -> str | None:
        """The user a key belongs to, or None; read per request like the users file."""
        if not key:
            return None
        entry = self._all().get(digest(key))
        return entry.get("user") if entry else None

    def count(self, user: str) -> int:
        return sum(1 for entry in self._all().values() if entry.get("user") == user)
