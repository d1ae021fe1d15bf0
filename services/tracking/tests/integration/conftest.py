"""Make the unit tests' shared modules (contract suites) importable here too."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "unit"))
