"""Where the tengine-core package tree is, and its lib on sys.path (imported first by
conftest). A module of its own, not conftest, because the project root has a conftest too."""

import sys
from pathlib import Path

# No __pycache__ inside the package tree: dpkg-deb would ship it.
sys.dont_write_bytecode = True

TREE = Path(__file__).resolve().parents[3] / "lab" / "packages" / "tengine-core"
LIB = TREE / "usr" / "lib" / "tengine-core"
if str(LIB) not in sys.path:
    sys.path.insert(0, str(LIB))
