"""The distribution: a wheel builds from the checkout and installs in a clean virtual environment.

Offline: the wheel is built without build isolation, and installed without
dependencies; the clean environment borrows httplib2 from the test
environment through PYTHONPATH.
"""

from __future__ import annotations

import email
import os
import pathlib
import re
import subprocess
import sys
import venv
import zipfile

import httplib2
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    pytest.importorskip("setuptools")
    pytest.importorskip("wheel")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", str(out),
         str(ROOT)],
        check=True, capture_output=True,
    )
    (built,) = out.glob("oauth2-*.whl")
    return built


def test_wheel_metadata(wheel: pathlib.Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = email.message_from_bytes(archive.read(next(n for n in names if n.endswith("/METADATA"))))
        entry_points = archive.read(next(n for n in names if n.endswith("/entry_points.txt"))).decode()
    assert "oauth2/py.typed" in names
    assert {"oauth2/__init__.py", "oauth2/clients/imap.py", "oauth2/clients/smtp.py", "oauth2/cli.py"} <= set(names)
    assert not any(n.startswith("tests/") for n in names)
    assert metadata["Requires-Python"] == ">=3.9"
    requires = metadata.get_all("Requires-Dist")
    assert [r for r in requires if "extra ==" not in r] == ["httplib2>=0.19"]
    assert {"rsa", "redis", "test"} <= set(metadata.get_all("Provides-Extra"))
    assert "OAuth 1.0a" in metadata["Summary"]
    # What .ci/run tests, the oldest and the newest claimed version, and nothing newer.
    claimed = [c for c in metadata.get_all("Classifier") if re.fullmatch(r".*:: Python :: 3\.\d+", c)]
    assert claimed[0].endswith(":: 3.9") and claimed[-1].endswith(":: 3.13")
    assert "oauth2 = oauth2.cli:main" in entry_points


def test_wheel_installs_in_a_clean_venv(wheel: pathlib.Path, tmp_path: pathlib.Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True)
    borrowed = str(pathlib.Path(httplib2.__file__).parent.parent)
    env = {**os.environ, "PYTHONPATH": borrowed}
    code = "import oauth2, oauth2.clients.imap, oauth2.clients.smtp; print(oauth2.__file__)"
    # Run away from the checkout, whose oauth2/ would shadow the installed one.
    where = subprocess.run([str(bin_dir / "python"), "-c", code], env=env, cwd=tmp_path, capture_output=True,
                           text=True, check=True)
    assert pathlib.Path(where.stdout.strip()).is_relative_to(env_dir)
    version = subprocess.run([str(bin_dir / "oauth2"), "--version"], env=env, cwd=tmp_path, capture_output=True,
                             text=True, check=True)
    assert version.stdout.startswith("oauth2 ")
