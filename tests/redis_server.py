"""A real redis-server on 127.0.0.1 for the tests, one per test session (per xdist worker).

Use the ``redis_server`` fixture; it yields a :class:`RedisServer` with the
port and a ``redis://`` URL (``redis_client`` is a client of it, ``prefix`` a
key prefix of the test's own). The server keeps nothing on disk (``--save ''``,
``--appendonly no``) and runs in a temporary directory. Without a
``redis-server`` binary the tests that use it are skipped, except under
``CI=true``, where CI installs redis-server and its absence is a failure.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import socket
import subprocess
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Optional

import pytest
import redis

HOST = "127.0.0.1"
READY = "Ready to accept connections"
#: Startup is a few milliseconds; the bound only turns a hang into a failure.
STARTUP_TIMEOUT = 30.0
#: Another process may take the free port between our probe and redis' bind.
PORT_ATTEMPTS = 5


@dataclass(frozen=True)
class RedisServer:
    """A running redis-server."""

    host: str
    port: int
    #: The redis-server process, for tests that stop (SIGSTOP) or kill it.
    pid: int = 0

    @property
    def url(self) -> str:
        """The ``redis://`` URL of database 0."""
        return f"redis://{self.host}:{self.port}/0"

    def client(self) -> redis.Redis:
        """A new client connected to this server."""
        return redis.Redis(host=self.host, port=self.port, socket_timeout=STARTUP_TIMEOUT)


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listened on a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _pump(stream: IO[str], lines: queue.Queue[Optional[str]]) -> None:
    """Forward the server's log lines, then None at EOF.

    Draining the pipe for the whole run also keeps redis from blocking on a
    full pipe when it logs.
    """
    for line in stream:
        lines.put(line)
    lines.put(None)


def _start(binary: str, directory: Path, port: Optional[int]) -> tuple[subprocess.Popen[str], int, list[str]]:
    """Start redis-server on ``port`` (a free one if None); returns it once it accepts connections.

    Returns the process, its port and the log lines read so far; on failure
    returns a process that has exited and port 0.
    """
    port = port or _free_port()
    process = subprocess.Popen(
        [
            binary,
            "--bind", HOST,
            "--port", str(port),
            "--dir", str(directory),
            "--save", "",
            "--appendonly", "no",
            "--loglevel", "notice",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    ready, log = wait_for_log_line(process, READY)
    return process, port if ready else 0, log


def wait_for_log_line(process: subprocess.Popen[str], ready: str) -> tuple[bool, list[str]]:
    """Read the server's output until a line contains ``ready``; whether it came, and the lines read.

    A server that exits or stays silent for STARTUP_TIMEOUT seconds is not
    ready (killed if it still runs). The output is drained for the rest of
    the server's run.
    """
    assert process.stdout is not None
    lines: queue.Queue[Optional[str]] = queue.Queue()
    threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True).start()
    log: list[str] = []
    while True:
        try:
            line = lines.get(timeout=STARTUP_TIMEOUT)
        except queue.Empty:
            process.kill()
            process.wait()
            log.append(f"(no '{ready}' within {STARTUP_TIMEOUT} s)")
            return False, log
        if line is None:
            process.wait()
            return False, log
        log.append(line)
        if ready in line:
            return True, log


@contextlib.contextmanager
def running_redis_server(directory: Path, port: Optional[int] = None) -> Iterator[RedisServer]:
    """Start a redis-server keeping its files in ``directory``; stopped when the block ends.

    ``port`` restarts a server where one ran before (a restart: it starts empty).
    """
    binary = shutil.which("redis-server")
    if binary is None:
        reason = "redis-server is not installed (apt-get install redis-server)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true requires it", pytrace=False)
        pytest.skip(reason)
    logs: list[str] = []
    for _ in range(PORT_ATTEMPTS):
        process, bound, log = _start(binary, directory, port)
        logs.extend(log)
        if bound:
            break
    else:
        pytest.fail("redis-server did not start:\n" + "".join(logs), pytrace=False)
    try:
        yield RedisServer(HOST, bound, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=STARTUP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A redis-server on 127.0.0.1 for the session; skipped (failed under CI=true) when not installed."""
    with running_redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def redis_client(redis_server: RedisServer) -> Iterator[redis.Redis]:
    """A client of the session's redis-server."""
    client = redis_server.client()
    yield client
    client.close()


@pytest.fixture
def prefix() -> str:
    """A key prefix of this test's own, in the redis-server the tests share."""
    return f"oauth2-tests:{uuid.uuid4().hex}:"


def keys(client: redis.Redis, prefix: str) -> list[bytes]:
    """The nonce keys under ``prefix`` (each joins four fields with ``&``; the store's marker has none)."""
    return list(client.scan_iter(match=prefix + "*&*"))
