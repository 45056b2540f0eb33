"""The lab of use case 000 (lab/topologies/tengine.yaml) and the Tengine product data
(lab/products/tengine.yaml) for every feature in this folder."""
import pytest

from fixtures.lab import masked_product
from oat.parts import Parts


@pytest.fixture(scope="session")
def product(recorder):
    return masked_product(recorder, "tengine")


@pytest.fixture(scope="session")
def lab(labs, product):
    return labs.get("tengine")


@pytest.fixture(scope="session")
def parts(product, lab):
    return Parts(product, lab)


@pytest.fixture(scope="session")
def tengine_state():
    """What the procedure carries from step to step (test start results, jobnet names)."""
    return {}
