"""Run the test suite so that the exit status is the tests' result.

The Temporal SDK can abort the interpreter at exit after a clean run
(``PyGILState_Release``, exit 134, sdk-python#300). pytest's own status codes are
passed through; any other status is judged from the JUnit report pytest wrote
before exiting, so a teardown crash neither hides a failure nor fakes one.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

PYTEST_CODES = {0, 1, 2, 3, 4, 5}


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / "junit.xml"
        cmd = [sys.executable, "-m", "pytest", f"--junitxml={junit}", *sys.argv[1:]]
        code = subprocess.call(cmd)
        if code in PYTEST_CODES:
            return code
        if not junit.exists():
            return code
        suite = ET.parse(junit).getroot()
        suite = suite if suite.tag == "testsuite" else suite[0]
        tests = int(suite.get("tests", 0))
        bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        if tests > 0 and bad == 0:
            print(
                f"tests.run: pytest exited with {code} after all {tests} tests passed"
                " (interpreter teardown, sdk-python#300); counting the run as passed"
            )
            return 0
        return code if code else 1


if __name__ == "__main__":
    sys.exit(main())
