"""The tengine-job-agent package tree, with its lib first on sys.path (conftest imports this
before any tengine_job_agent module; it cannot do it itself: the project root has a conftest
too), and the stand-in pika that agent processes started by the tests import."""

import sys
from pathlib import Path

sys.dont_write_bytecode = True  # a __pycache__ in the tree would end up in the package

TREE = Path(__file__).resolve().parents[3] / "lab" / "packages" / "tengine-job-agent"
LIB = TREE / "usr" / "lib" / "tengine-job-agent"
FAKE_PIKA = Path(__file__).resolve().parent / "fake_pika"
if str(LIB) not in sys.path:
    sys.path.insert(0, str(LIB))
