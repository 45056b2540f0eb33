"""Where the package tree is, and the lib on sys.path (imported first by conftest).
A module of its own, not conftest, because the project root has a conftest too."""

import sys
from pathlib import Path

# No __pycache__ inside the package tree: dpkg-deb would ship it.
sys.dont_write_bytecode = True

TREE = Path(__file__).resolve().parents[3] / "lab" / "packages" / "jcclweb"
INSTALL = TREE / "usr" / "local" / "jcclweb"
if str(INSTALL / "lib") not in sys.path:
    sys.path.insert(0, str(INSTALL / "lib"))

VERSION = "1.2.3"  # what the test install roots put in VERSION
