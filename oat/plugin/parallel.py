"""Under pytest-xdist (`-n 2`), a feature folder is one procedure on one lab: every scenario of
a folder runs on the same worker, in the folder's order, whatever `--dist` says. Folders are
what is spread over the workers (each worker makes the labs of its own folders).

`--dist load` or `loadfile` alone would hand 02_configure.feature to a worker that never ran
01_install.feature (`sed: can't read /etc/nginx/nginx.conf`).
"""

from __future__ import annotations

import pytest

from oat.plugin.project import project_of
from oat.plugin.report import runs_features


def folder_scheduling(config, log):
    from xdist.scheduler import LoadScopeScheduling

    features = project_of(config).features.relative_to(project_of(config).root).as_posix()

    class FolderScheduling(LoadScopeScheduling):
        """LoadScopeScheduling whose scope is a feature folder (else, outside features/, a file)."""

        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            parts = path.split("/")
            if len(parts) >= 3 and "/".join(parts[:-2]) == features:
                return "/".join(parts[:-1])
            return path

    return FolderScheduling(config, log)


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    """A folder's scenarios on one worker when the run carries out features (not for `-n 2`
    on unit tests, where any worker may take any test)."""
    if config.getoption("dist", "load") == "each" or not runs_features(config):
        return None
    return folder_scheduling(config, log)
