"""The tengine-support package tree, with its lib first on sys.path (conftest imports this
before any tengine_support module; it cannot do it itself: the project root has a conftest
too)."""

import sys
from pathlib import Path

sys.dont_write_bytecode = True  # a __pycache__ in the tree would end up in the package

TREE = Path(__file__).resolve().parents[3] / "lab" / "packages" / "tengine-support"
LIB = TREE / "usr" / "lib" / "tengine-support"
if str(LIB) not in sys.path:
    sys.path.insert(0, str(LIB))
