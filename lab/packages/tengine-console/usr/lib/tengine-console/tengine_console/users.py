"""The console's users: /etc/tengine/console_users, one
`name:pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>` a line.

The file is read on every login, so tengine_console_passwd takes effect without a restart."""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import tempfile
from pathlib import Path

from tengine_console.errors import ConsoleError

USERS_FILE = "/etc/tengine/console_users"
SCHEME = "pbkdf2_sha256"
ITERATIONS = 600_000  # OWASP's figure for PBKDF2-SHA256; kept per line, so it can grow later
NEW_FILE_MODE = 0o640
NAME = re.compile(r"[A-Za-z0-9._@-]{1,64}")  # never a colon or a newline: the format uses them


def _derive(password: str, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)


def hash_password(password: str, iterations: int = ITERATIONS) -> str:
    salt = secrets.token_bytes(16)
    return f"{SCHEME}${iterations}${salt.hex()}${_derive(password, salt, iterations).hex()}"


def password_matches(password: str, encoded: str) -> bool:
    scheme, _, fields = encoded.partition("$")
    if scheme != SCHEME:
        return False
    try:
        iterations, salt, digest = fields.split("$")
        actual = _derive(password, bytes.fromhex(salt), int(iterations))
        return hmac.compare_digest(actual, bytes.fromhex(digest))
    except ValueError:
        return False  # a damaged line never lets anyone in


class UserFile:
    def __init__(self, path: str | Path = USERS_FILE):
        self.path = Path(path)

    def verify(self, name: str, password: str) -> bool:
        encoded = self._entries().get(name)
        if encoded is None:
            # Same cost as a real check, so response times do not tell which names exist.
            _derive(password, bytes(16), ITERATIONS)
            return False
        return password_matches(password, encoded)

    def set(self, name: str, password: str, iterations: int = ITERATIONS) -> bool:
        """Add the user or replace their password; True if they existed."""
        if not NAME.fullmatch(name):
            raise ConsoleError(f"invalid user name {name!r}: use 1-64 letters, digits, . _ @ -")
        lines = self._lines()
        others = [line for line in lines if line.partition(":")[0] != name]
        self._write(others + [f"{name}:{hash_password(password, iterations)}"])
        return len(others) < len(lines)

    def _lines(self) -> list[str]:
        try:
            return self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise ConsoleError(f"cannot read {self.path}: {reason}") from None

    def _entries(self) -> dict[str, str]:
        pairs = (line.partition(":") for line in self._lines())
        return {name: encoded for name, colon, encoded in pairs if colon}

    def _write(self, lines: list[str]) -> None:
        # Replace the file in one rename, so a login never reads half a file, and keep its
        # owner and mode (root:tengine 0640 from postinst) for the server to go on reading it.
        try:
            previous = self.path.stat()
        except FileNotFoundError:
            previous = None
        try:
            fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        except OSError as error:
            raise ConsoleError(f"cannot write {self.path}: {error.strerror}") from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                file.write("".join(f"{line}\n" for line in lines))
            os.chmod(temporary, previous.st_mode & 0o7777 if previous else NEW_FILE_MODE)
            if previous:
                os.chown(temporary, previous.st_uid, previous.st_gid)
            os.replace(temporary, self.path)
        except OSError as error:
            os.unlink(temporary)
            raise ConsoleError(f"cannot write {self.path}: {error.strerror}") from None
