"""Placeholders in the features: checked after collection, replaced when a step runs.

- After collection, before any lab is made, every placeholder of the collected features must
  stand for something: {secret.NAME} a declared secret that is set, {NAME.address} and
  {NAME.host} a server (or the one server of a role) of the folder's lab. Else the run stops
  with one line naming the feature file and line (exit 7).
- A step receives its text, docstring and table with each placeholder replaced: the secret's
  value, the server's address as the lab runs it (moved, or the inventory's), its host name.
  The step's title in every output keeps the placeholder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from oat.errors import OatError
from oat.model import placeholders
from oat.model.topology import load
from oat.plugin.project import project_of
from oat.plugin.secrets import secrets_key

hostnames_key = pytest.StashKey[dict]()  # (lab, server) -> what `hostname` said there


@pytest.hookimpl(tryfirst=True)  # before oat.plugin.lab makes any lab
def pytest_collection_finish(session):
    config = session.config
    project, secrets = project_of(config), config.stash[secrets_key]
    topologies: dict[str, object] = {}
    seen: set[Path] = set()
    try:
        for item in session.items:
            path = Path(item.path)
            folder = project.procedure_of(path)
            if path.suffix != ".feature" or path in seen or folder is None:
                continue
            seen.add(path)
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if "{" not in line or line.lstrip().startswith("#"):
                    continue
                place = f"{project.shown(path)}:{number}"
                secrets.check(line, place)
                if placeholders.find_servers(line):
                    if folder not in topologies:
                        topologies[folder] = load(project.topologies / f"{folder}.yaml")
                    placeholders.check_servers(line, topologies[folder], place)
    except OatError as exc:
        pytest.exit(f"oat: {exc}", returncode=exc.exit_code)


def pytest_bdd_before_step_call(request, feature, scenario, step, step_func, step_func_args):
    """The step's own text, docstring and table with each placeholder replaced."""
    place = f"{project_of(request.config).shown(feature.filename)}:{step.line_number}"
    expand = _expander(request, place)
    for key, value in step_func_args.items():
        if isinstance(value, str) and "{" in value:
            step_func_args[key] = expand(value)
        elif key == "datatable" and isinstance(value, list):
            step_func_args[key] = [
                [expand(cell) if isinstance(cell, str) and "{" in cell else cell for cell in row] for row in value
            ]


def _expander(request, place: str):
    secrets = request.config.stash[secrets_key]

    def expand(text: str) -> str:
        if placeholders.find_servers(text):  # first: a secret's value is never read for placeholders
            lab = request.getfixturevalue("lab")
            text = placeholders.expand_servers(
                text, lab.topology, lambda name: _hostname(request.config, lab, name), place
            )
        return secrets.expand(text, place)

    return expand


def _hostname(config, lab, name: str) -> str:
    known = config.stash.setdefault(hostnames_key, {})
    key = (id(lab), name)
    if key not in known:
        known[key] = lab.server(name).run("hostname").stdout.strip()
    return known[key]
