"""Where CL/Web lives: the install root, its VERSION and its config folder."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from clweb.errors import ClwebError

# lib/clweb/home.py -> the install root (/usr/local/jcclweb, or the source tree in tests).
DEFAULT_ROOT = Path(__file__).resolve().parents[2]
ENV = "CLWEB_HOME"


@dataclass(frozen=True)
class Home:
    root: Path

    @classmethod
    def locate(cls, option: str | None = None) -> "Home":
        """--home wins over $CLWEB_HOME, which wins over the root the code is installed in."""
        return cls(Path(option or os.environ.get(ENV) or DEFAULT_ROOT))

    @property
    def config(self) -> Path:
        return self.root / "config"

    @property
    def conf_file(self) -> Path:
        return self.config / "clweb.conf"

    @property
    def users_dir(self) -> Path:
        return self.config / "users"

    @property
    def mypage_dir(self) -> Path:
        return self.config / "mypage"

    @property
    def logs_dir(self) -> Path:
        return self.config / "logs"

    @property
    def log_file(self) -> Path:
        return self.logs_dir / "clweb.log"

    def in_config(self, path: str) -> Path:
        """A path from clweb.conf: relative ones are relative to the config folder."""
        return self.config / path

    def version(self) -> str:
        try:
            return (self.root / "VERSION").read_text(encoding="utf-8").strip() or "unknown"
        except OSError:
            return "unknown"

    def check(self) -> None:
        """The config folder must be there; a dangling link usually means an unmounted disk."""
        if self.config.is_symlink() and not self.config.exists():
            target = os.readlink(self.config)
            raise ClwebError(f"config folder {self.config} links to {target}, which does not exist"
                             " (is the shared disk mounted?)")
        if not self.config.is_dir():
            raise ClwebError(f"config folder {self.config} not found")
