"""The distribution: a wheel builds from the checkout and installs in a clean virtual environment.

Offline: the wheel is built without build isolation, and installed without
dependencies; the clean environment borrows httplib2 from the test
environment through PYTHONPATH.
"""

from __future__ import annotations

import ast
import configparser
import email
import os
import pathlib
import subprocess
import sys
import venv
import zipfile

import httplib2
import pytest
from docs_support import README_TEXT, marked_block
from packaging.requirements import Requirement

import oauth2

ROOT = pathlib.Path(__file__).resolve().parent.parent
PYTHON_VERSION = "Programming Language :: Python :: 3."


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    pytest.importorskip("setuptools", minversion="77")  # the dev extra's: older ones cannot build this pyproject
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
    assert not any(n.startswith(("tests/", "tools/")) for n in names)
    assert metadata["Version"] == oauth2.__version__
    assert metadata["Requires-Python"] == ">=3.9"
    assert metadata["License-Expression"] == "MIT"
    assert "LICENSE" in metadata.get_all("License-File")
    requires = metadata.get_all("Requires-Dist")
    assert [r for r in requires if "extra ==" not in r] == ["httplib2>=0.19"]
    assert set(metadata.get_all("Provides-Extra")) == {
        "rsa", "redis", "postgres", "requests", "httpx", "aiohttp", "starlette", "fastapi", "flask", "django", "test",
        "dev"}
    extras = {
        extra: {r.name: str(r.specifier) for r in map(Requirement, requires) if r.marker and r.marker.evaluate(
            {"extra": extra})}
        for extra in metadata.get_all("Provides-Extra")
    }
    assert extras["requests"] == {"requests": ">=2.25"}
    assert extras["httpx"] == {"httpx": ">=0.23"}
    assert extras["postgres"] == {"psycopg": ">=3.1"}
    assert extras["aiohttp"] == {"aiohttp": ">=3.12.2"}
    # The provider kit's framework glue: one extra per framework, each in the test extra.
    glue = {"starlette": ">=0.27", "fastapi": ">=0.100", "flask": ">=2.2", "django": ">=4.2"}
    assert {extra: extras[extra] for extra in glue} == {extra: {extra: version} for extra, version in glue.items()}
    assert glue.keys() <= extras["test"].keys()
    assert {"oauth2/kit/starlette.py", "oauth2/kit/flask.py", "oauth2/kit/django.py"} <= set(names)
    # The public test extra holds what the tests import, not the tools that check the code.
    assert {"requests", "httpx", "aiohttp", "psycopg", "uvicorn", "starlette", "oauthlib", "pytest",
            "requests-oauthlib", "authlib"} <= extras["test"].keys()
    assert not {"ruff", "mypy", "types-httplib2", "setuptools"} & extras["test"].keys()
    assert {"ruff", "mypy", "types-httplib2"} <= extras["dev"].keys()
    assert "OAuth 1.0a" in metadata["Summary"]
    claimed = {c.rsplit(" :: ", 1)[1] for c in metadata.get_all("Classifier") if c.startswith(PYTHON_VERSION)}
    assert claimed == {"3.9", "3.10", "3.11", "3.12", "3.13"}
    assert "oauth2 = oauth2.cli:main" in entry_points


def test_wheel_names_its_maintainers_and_the_dev_extra_builds_it(wheel: pathlib.Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        metadata = email.message_from_bytes(archive.read(next(n for n in archive.namelist()
                                                              if n.endswith("/METADATA"))))
    assert (metadata["Author"], metadata["Maintainer"]) == ("oauth2 maintainers", "oauth2 maintainers")
    assert metadata.get_all("Project-URL") == ["RFC 5849, https://www.rfc-editor.org/rfc/rfc5849",
                                               "Original python-oauth2, https://github.com/joestump/python-oauth2"]
    dev = {Requirement(r).name for r in metadata.get_all("Requires-Dist") if Requirement(r).marker
           and Requirement(r).marker.evaluate({"extra": "dev"})}
    # README says to build a wheel with `python -m build`: the dev extra installs it.
    assert "python -m build" in README_TEXT and "build" in dev


def test_setup_py_only_calls_setup() -> None:
    """The metadata is in pyproject.toml alone: setup.py is a shim for tools that still run it."""
    tree = ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    assert [(ast.unparse(call.func), call.args, call.keywords) for call in calls] == [("setup", [], [])]


def test_one_test_command() -> None:
    """README's test command, and tox, run the same checks: tools/check.py."""
    command = marked_block("test-command")
    assert "pip install -q -e '.[test,dev]' && .venv/bin/python tools/check.py" in command
    tox = configparser.ConfigParser()
    tox.read(ROOT / "tox.ini", encoding="utf-8")
    assert tox["testenv"]["commands"] == "python tools/check.py {posargs}"
    assert tox["testenv"]["extras"].split() == ["test", "dev"]
    assert "py314" not in tox["tox"]["envlist"]


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
