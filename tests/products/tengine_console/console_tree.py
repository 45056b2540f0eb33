"""The tengine-console package tree, with its lib first on sys.path; conftest imports this
before any tengine_console module (conftest itself cannot: the project root has one too)."""

import sys
from pathlib import Path

TREE = Path(__file__).resolve().parents[3] / "lab" / "packages" / "tengine-console"
LIB = TREE / "usr" / "lib" / "tengine-console"
sys.dont_write_bytecode = True  # a __pycache__ in the tree would end up in the package
if str(LIB) not in sys.path:
    sys.path.insert(0, str(LIB))

PASSWORD = "パスワード-1"  # alice's, in the users file of every test console
