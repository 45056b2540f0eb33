"""Product facts as data (lab/products/NAME.yaml): names, paths, commands, addresses.

Steps read `product["cluster.fip"]`; a missing key is a one-line error naming file and key.
"""
from __future__ import annotations

from pathlib import Path

import yaml

from oat.errors import LabError


class Product:
    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self._data = yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}
        except FileNotFoundError:
            raise LabError(f"{self.path}: product file not found") from None
        except yaml.YAMLError as exc:
            raise LabError(f"{self.path}: not valid YAML: {str(exc).splitlines()[0]}") from None

    def __getitem__(self, dotted: str):
        value = self._data
        for part in dotted.split("."):
            if not isinstance(value, dict) or part not in value:
                raise LabError(f"{self.path}: key '{dotted}' is missing")
            value = value[part]
        return value

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
