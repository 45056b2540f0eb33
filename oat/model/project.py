"""A project: the folder a team keeps its runbooks in, with pytest.ini at its top.

Every project, this repository included, has the same layout:

    features/<procedure>/   one folder per runbook: its .feature files, traceability.yaml,
                            errata.yaml, and steps/ when it has product steps of its own
    lab/topologies/         the lab of each procedure (<procedure>.yaml)
    lab/products/           product facts (<procedure>.yaml), when a procedure has product steps
    lab/packages/           .deb package trees the project builds for its labs (optional)
    reports/                what each run writes
    .oat/                   the run's working files (kept out of git)

The lab images' recipes are oat's own (oat/drivers/docker/recipes); the project's package set
(every Debian package its lab files list) goes into its package source's image.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from oat.model.topology import load

OAT_HOME = Path(__file__).resolve().parents[2]
INI = "pytest.ini"


def project_root(start: Path) -> Path | None:
    """The folder of the first pytest.ini found upward from `start` (pytest's rootdir)."""
    start = Path(start).resolve()
    for folder in (start, *start.parents):
        if (folder / INI).is_file():
            return folder
    return None


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def features(self) -> Path:
        return self.root / "features"

    @property
    def topologies(self) -> Path:
        return self.root / "lab" / "topologies"

    @property
    def products(self) -> Path:
        return self.root / "lab" / "products"

    @property
    def packages(self) -> Path:
        return self.root / "lab" / "packages"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def work(self) -> Path:
        return self.root / ".oat"

    def runs_features(self, path: Path) -> bool:
        """Does running `path` run features: it is the features folder, inside it, or above it
        (the project itself, as `pytest` alone runs it)?"""
        path = Path(path)
        return path == self.features or self.features in path.parents or path in self.features.parents

    def procedure_of(self, path: Path) -> str | None:
        """The feature folder (procedure) a path inside features/ belongs to."""
        path = Path(path)
        if self.features not in path.parents:
            return None
        return path.relative_to(self.features).parts[0]

    def shown(self, path: Path | str) -> str:
        """A path as messages show it: from the project's top when it is inside the project."""
        try:
            return Path(path).resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)

    def package_set(self) -> list[str]:
        """Every Debian package the project's lab files list: one set for all its labs, so a run
        of one folder and a run of all use the same package source image."""
        return sorted({p for path in sorted(self.topologies.glob("*.yaml")) for p in load(path).packages()})

    def procedures(self) -> list[str]:
        """Every feature folder that has a traceability file (a documented procedure)."""
        return sorted(p.parent.name for p in self.features.glob("*/traceability.yaml"))
