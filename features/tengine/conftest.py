"""The lab of use case 000 (lab/topologies/tengine.yaml) for every feature in this folder."""
import pytest


@pytest.fixture(scope="session")
def lab(labs):
    return labs.get("tengine")
