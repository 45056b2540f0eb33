"""Product facts as data (lab/products/NAME.yaml): names, paths, commands, addresses.

Steps read `product["cluster.fip"]`; a missing key is a one-line error naming file and key.
"""

from __future__ import annotations

from pathlib import Path

from oat.errors import LabError
from oat.model import yamlfile


class Product:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._data = yamlfile.read(self.path, "product file") or {}
        self.relocation = None  # a lab's oat.relocation.Relocation: its addresses as this run uses them

    def on(self, relocation) -> Product:
        """The same facts with the addresses of networks the lab moved translated."""
        self.relocation = relocation if relocation else None
        return self

    def __getitem__(self, dotted: str):
        value = self._data
        for part in dotted.split("."):
            if not isinstance(value, dict) or part not in value:
                raise LabError(f"{self.path}: key '{dotted}' is missing")
            value = value[part]
        return self.relocation.value(value) if self.relocation is not None else value

    def secrets(self) -> list[str]:
        """Every value under a key named password (to be masked in evidence)."""
        found: list[str] = []

        def walk(node):
            if isinstance(node, dict):
                for key, value in node.items():
                    if "password" in str(key).lower() and isinstance(value, str):
                        found.append(value)
                    else:
                        walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(self._data)
        return found
