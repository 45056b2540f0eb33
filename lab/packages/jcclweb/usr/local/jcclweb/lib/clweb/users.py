"""The users who may log in: config/users/users.json, name -> password hash."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

from clweb import jsonfile, passwords
from clweb.errors import ClwebError

# Names become file names (config/mypage/<user>.json), so they are kept to a safe alphabet.
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise ClwebError(f"invalid user name '{name}'"
                         " (letters, digits, '.', '_', '-'; at most 32; not starting with . _ -)")
    return name


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Users:
    def __init__(self, users_dir: Path):
        self.path = users_dir / "users.json"

    def _all(self) -> dict:
        return jsonfile.read(self.path, {})

    def names(self) -> list[str]:
        return sorted(self._all())

    def exists(self, name: str) -> bool:
        return name in self._all()

    def add(self, name: str, password: str, iterations: int = passwords.ITERATIONS) -> None:
        check_name(name)
        if not password:
            raise ClwebError(f"user '{name}': the password is empty")
        users = self._all()
        if name in users:
            raise ClwebError(f"user '{name}' already exists")
        users[name] = {"password": passwords.hash_password(password, iterations), "created": now()}
        jsonfile.write_atomic(self.path, users)

    def verify(self, name: str, password: str) -> bool:
        """Read on every login, so users added with clweb_user count without a restart."""
        entry = self._all().get(name)
        if not entry:
            passwords.verify(password, passwords.DUMMY)
            return False
        return passwords.verify(password, entry.get("password", ""))
