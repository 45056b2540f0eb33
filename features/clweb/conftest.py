"""The lab of the CL/Web guide (lab/topologies/clweb.yaml), its product data and errata."""
from pathlib import Path

import pytest

from fixtures.lab import masked_product
from fixtures.report import errata_key
from oat.errata import Errata

HERE = Path(__file__).parent


@pytest.fixture(scope="session")
def product(recorder):
    return masked_product(recorder, "clweb")


@pytest.fixture(scope="session")
def lab(labs, product):
    return labs.get("clweb")


@pytest.fixture(scope="session")
def documents(pytestconfig):
    errata = Errata(HERE / "errata.yaml")
    pytestconfig.stash[errata_key].append(errata)
    return errata


@pytest.fixture(scope="session")
def clweb_state():
    """What the procedure carries from step to step (the API key, RTO measurements)."""
    return {}
