"""Each user's MyPage: config/mypage/<user>.json, on the shared disk with the config folder."""
from __future__ import annotations

from pathlib import Path

from clweb import jsonfile
from clweb.users import check_name, now


class MyPages:
    def __init__(self, mypage_dir: Path):
        self.dir = mypage_dir

    def _path(self, user: str) -> Path:
        return self.dir / f"{check_name(user)}.json"  # the name check keeps it in this folder

    def load(self, user: str) -> dict:
        data = jsonfile.read(self._path(user), {})
        return {"memo": data.get("memo", ""), "updated": data.get("updated")}

    def save(self, user: str, memo: str) -> dict:
        data = {"memo": memo, "updated": now()}
        jsonfile.write_atomic(self._path(user), data)
        return data
