"""The hooks are typed against the hub's public face (``hub`` ships py.typed), as the scaffold's
are: mypy --strict checks the records they build against ``hub.records``' TypedDicts."""

import subprocess
import sys
from pathlib import Path

import connect_woocommerce

PACKAGE = Path(connect_woocommerce.__file__).parent
ROOT = PACKAGE.parents[2]


def test_mypy_strict_passes_on_the_connector():
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", str(PACKAGE)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout
