"""Binds every feature of the CL/Web guide (seeds/004) in this folder; steps come from steps/."""
from pathlib import Path

from pytest_bdd import scenarios

# One file at a time, in file-name order: pytest-bdd would sort features by their title,
# but a procedure runs in the document's order (NN_ prefixes).
for feature in sorted(Path(__file__).parent.glob("*.feature")):
    scenarios(feature.name)
