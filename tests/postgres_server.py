"""A real PostgreSQL server on 127.0.0.1 for the tests, one per test session (per xdist worker).

Use the ``postgres_server`` fixture; it yields a :class:`PostgresServer` with
the port and a ``conninfo``. ``initdb`` makes a cluster in a temporary
directory (trust authentication on 127.0.0.1 and its socket in that
directory, no fsync); ``postgres`` runs it. PostgreSQL refuses to run as root:
under root both run as the ``postgres`` user, who owns the directory. Without
PostgreSQL's binaries the tests that use it are skipped, except under
``CI=true``, where CI installs PostgreSQL and its absence is a failure.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import pytest
from redis_server import HOST, STARTUP_TIMEOUT, _free_port, wait_for_log_line

READY = "database system is ready to accept connections"
#: Another process may take the free port between our probe and postgres' bind.
PORT_ATTEMPTS = 5
USER = "oauth2"


@dataclass(frozen=True)
class PostgresServer:
    """A running PostgreSQL server, with a database of its own per test through :func:`database`."""

    host: str
    port: int
    pid: int = 0

    def conninfo(self, dbname: str = "postgres") -> str:
        return f"host={self.host} port={self.port} user={USER} dbname={dbname}"


def binaries() -> Optional[Path]:
    """The directory of initdb and postgres: on the PATH, or Debian's /usr/lib/postgresql/<version>/bin."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    return Path(found[-1]).parent if found else None


def _as_owner() -> dict[str, Any]:
    """Popen's arguments that run the server as ``postgres`` under root (it refuses root), else nothing."""
    if os.geteuid() != 0:
        return {}
    account = pwd.getpwnam("postgres")
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def _start(bindir: Path, data: Path, port: Optional[int]) -> tuple[subprocess.Popen[str], int, list[str]]:
    """Start postgres on ``port`` (a free one if None); returns it once it accepts connections, else port 0."""
    port = port or _free_port()
    process = subprocess.Popen(
        [str(bindir / "postgres"), "-D", str(data), "-k", str(data), "-p", str(port), "-h", HOST, "-F",
         "-c", "log_min_messages=warning", "-c", "max_connections=200"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **_as_owner(),
    )
    ready, log = wait_for_log_line(process, READY)
    return process, port if ready else 0, log


def stop(process: subprocess.Popen[str]) -> None:
    """Fast shutdown (SIGINT): the server ends its sessions and exits."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=STARTUP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def running_postgres_server() -> Iterator[tuple[PostgresServer, subprocess.Popen[str]]]:
    """Make a cluster in a new temporary directory and run it; stopped and removed when the block ends."""
    bindir = binaries()
    if bindir is None:
        reason = "PostgreSQL is not installed (apt-get install postgresql)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true requires it", pytrace=False)
        pytest.skip(reason)
    # Not under pytest's tmp_path: its parents are root's alone, which the postgres user cannot enter.
    directory = Path(tempfile.mkdtemp(prefix="oauth2-postgres-"))
    owner = _as_owner()
    try:
        if owner:
            os.chown(directory, owner["user"], owner["group"])
        data = directory / "data"
        subprocess.run(
            [str(bindir / "initdb"), "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8", "--locale=C",
             "--no-sync"],
            check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **owner,
        )
        logs: list[str] = []
        for _ in range(PORT_ATTEMPTS):
            process, bound, log = _start(bindir, data, None)
            logs.extend(log)
            if bound:
                break
        else:
            pytest.fail("postgres did not start:\n" + "".join(logs), pytrace=False)
        try:
            yield PostgresServer(HOST, bound, process.pid), process
        finally:
            stop(process)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server on 127.0.0.1 for the session; skipped (failed under CI=true) when not installed."""
    with running_postgres_server() as (server, _):
        yield server


@pytest.fixture
def postgres_conninfo(postgres_server: PostgresServer) -> str:
    """The conninfo of a new, empty database of this test's own in the session's server."""
    import psycopg

    name = f"t_{uuid.uuid4().hex}"
    with psycopg.connect(postgres_server.conninfo(), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return postgres_server.conninfo(name)
