"""A feature folder is a procedure: its `.feature` files are collected as they are, and the
folder's name picks its lab (lab/topologies/NAME.yaml), its product facts
(lab/products/NAME.yaml, when it has product steps) and its errata (errata.yaml beside the
features, when the document has any).

So a new runbook needs no Python: `features/NAME/*.feature`, its traceability.yaml and a
topology (or an inventory entry) named NAME. A folder with product steps of its own imports
them in its conftest.py (features/clweb/steps, features/tengine/steps).
"""

from __future__ import annotations

import types
from pathlib import Path

import pytest
from pytest_bdd import scenarios
from pytest_bdd.exceptions import NoScenariosFound

from oat.errors import LabError
from oat.model.errata import Errata
from oat.model.parts import Parts
from oat.plugin.lab import labs_key, masked_product
from oat.plugin.project import project_of
from oat.plugin.report import errata_key


class FeatureFile(pytest.Module):
    """A `.feature` file as a test module: one test per scenario, in the file's order."""

    def _getobj(self):
        # The test module one would write for the file, made in memory: its body is the call
        # `scenarios(FILE)`, which puts a test per scenario into the namespace it runs in.
        module = types.ModuleType(self.path.stem)
        module.__file__ = str(self.path)
        module.scenarios = scenarios
        body = f"scenarios({str(self.path)!r}, features_base_dir={str(self.path.parent)!r})"
        try:
            exec(compile(body, str(self.path), "exec"), module.__dict__)  # noqa: S102 - our own one line
        except NoScenariosFound:
            pass  # a feature without scenarios (yet): nothing to run
        return module


TAGS = {  # the tags oat gives a meaning to: every project may use them without declaring them
    "破壊的": "サーバを停止・再起動・破壊するシナリオ (インベントリでは disposable: true のときだけ実施)",
    "独立": "同じ手順の先のシナリオに依存しない (前提ステップで必要な状態を作る。-k で単独実行できる)",
    "障害試験": "ラボのハードウェアに障害を起こすシナリオ (oat が作ったラボでだけ実施)",
}


def pytest_configure(config):
    for tag, meaning in TAGS.items():
        config.addinivalue_line("markers", f"{tag}: {meaning}")


def pytest_addhooks(pluginmanager):
    from oat.plugin import hooks

    pluginmanager.add_hookspecs(hooks)


def pytest_collect_file(file_path: Path, parent):
    if file_path.suffix == ".feature" and project_of(parent.config).procedure_of(file_path):
        return FeatureFile.from_parent(parent, path=file_path)
    return None


def procedure_of(request) -> str:
    """The feature folder (the procedure) of the scenario asking."""
    path = Path(request.node.path)
    features = project_of(request.config).features
    folder = project_of(request.config).procedure_of(path)
    if folder is None:
        raise LabError(f"{path}: not a feature of {features}: a lab belongs to a feature folder")
    return folder


class _PerProcedure:
    """Session-wide objects made once per feature folder."""

    def __init__(self):
        self.made: dict[tuple[str, str], object] = {}

    def get(self, kind: str, folder: str, make):
        key = (kind, folder)
        if key not in self.made:
            self.made[key] = make()
        return self.made[key]


@pytest.fixture(scope="session")
def per_procedure() -> _PerProcedure:
    return _PerProcedure()


@pytest.fixture
def procedure(request) -> str:
    """The name of this scenario's procedure (its feature folder)."""
    return procedure_of(request)


@pytest.fixture
def product(procedure, per_procedure, recorder, lab, pytestconfig):
    """The procedure's product facts (lab/products/<folder>.yaml), secrets masked, addresses
    as the lab uses them (a network moved to a free subnet moves its addresses here too)."""
    products = project_of(pytestconfig).products
    if not (products / f"{procedure}.yaml").exists():
        raise LabError(
            f"procedure '{procedure}' has product steps but no product file {products / (procedure + '.yaml')}"
        )
    return per_procedure.get(
        "product", procedure, lambda: masked_product(recorder, products / f"{procedure}.yaml").on(lab.relocation)
    )


@pytest.fixture
def lab(procedure, pytestconfig):
    """The lab of this scenario's procedure (lab/topologies/<folder>.yaml), made on first use."""
    return pytestconfig.stash[labs_key].get(procedure)


@pytest.fixture
def parts(procedure, per_procedure, product, lab) -> Parts:
    """The procedure's product parts on its lab, found by role."""
    return per_procedure.get("parts", procedure, lambda: Parts(product, lab))


@pytest.fixture
def documents(procedure, per_procedure, pytestconfig) -> Errata:
    """The document's errata (features/<folder>/errata.yaml; none if the file is absent)."""

    def load() -> Errata:
        errata = Errata(project_of(pytestconfig).features / procedure / "errata.yaml")
        pytestconfig.stash[errata_key].append(errata)
        return errata

    return per_procedure.get("errata", procedure, load)
