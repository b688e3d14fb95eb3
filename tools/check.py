"""The project's checks, the one command that README's test command, tox and CI run.

``python tools/check.py [PYTEST ARGS]`` runs ruff, mypy and the test suite
with the Python that runs it, stopping at the first that fails.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

LINT = ["-m", "ruff", "check", "oauth2", "tests", "examples", "bench", "tools"]
TYPES = ["-m", "mypy", "--strict", "oauth2"]
TESTS = ["-m", "pytest", "-q", "-n", "2", "-p", "no:cacheprovider"]


def main(pytest_args: list[str]) -> int:
    """Run each check in turn; the exit status of the first that fails, else 0."""
    # pytest last, so that its summary is the run's closing line, where CI reads the count of tests.
    for args in (LINT, TYPES, TESTS + pytest_args):
        print("+ python", *args, flush=True)
        status = subprocess.call([sys.executable, *args], cwd=ROOT)  # noqa: S603 - our own fixed commands
        if status:
            return status
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
