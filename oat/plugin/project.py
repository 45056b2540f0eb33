"""The project a run belongs to: the folder of the pytest.ini that pytest found (its rootdir).

A team's project and this repository are laid out alike (oat.model.project), so the plugin
looks for features, labs, products and packages there, never inside oat's own tree.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from oat.model.project import Project

project_key = pytest.StashKey[Project]()


def project_of(config) -> Project:
    """The run's project (made once per process)."""
    found = config.stash.get(project_key, None)
    if found is None:
        found = config.stash[project_key] = Project(Path(config.rootpath))
    return found
