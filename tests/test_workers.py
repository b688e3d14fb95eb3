"""Replays sent to another worker: a real ``uvicorn`` on 127.0.0.1, in several processes (issue 21).

Each process of a provider with the default in-memory nonce store remembers
only the nonces it saw itself, so a replay that reaches another process is
accepted; a ``SQLiteNonceStore`` on one file refuses it in every process.
The app is tests/nonce_worker_app.py; the requests are signed by oauth2's
own ``sign`` for the URL the app rebuilds from the ``Host`` header, so that
one signed request verifies in any of the processes.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Optional

from loopback import TIMEOUT, Reply, send

import oauth2 as oauth

TESTS = Path(__file__).resolve().parent
CONSUMER = oauth.Consumer("worker-key", "worker-secret")
HOST = "provider.example"  # what the client names in Host, the same for every process
URL = f"http://{HOST}/verify"


@contextmanager
def uvicorn(nonce_db: Optional[Path], log: Path, workers: int = 1) -> Iterator[str]:
    """Serve tests/nonce_worker_app.py with ``uvicorn --workers <workers>``, its log in ``log``; yields its URL.

    The socket listens before uvicorn starts (``--fd``): a request sent at once waits in
    its queue until a worker takes it.
    """
    env = {k: v for k, v in os.environ.items() if k != "OAUTH2_TEST_NONCE_DB"}
    if nonce_db is not None:
        env["OAUTH2_TEST_NONCE_DB"] = str(nonce_db)
    with socket.create_server(("127.0.0.1", 0)) as listening, log.open("w") as log_file:
        command = [sys.executable, "-m", "uvicorn", "nonce_worker_app:app", "--app-dir", str(TESTS),
                   "--fd", str(listening.fileno()), "--workers", str(workers), "--no-access-log", "--lifespan", "off"]
        process = subprocess.Popen(  # noqa: S603 - our own command
            command, env=env, pass_fds=[listening.fileno()], stdout=log_file, stderr=log_file
        )
        try:
            yield f"http://127.0.0.1:{listening.getsockname()[1]}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def signed_requests(count: int) -> list[dict[str, str]]:
    """The headers of ``count`` distinct requests signed for URL."""
    return [oauth.sign("GET", URL, CONSUMER).headers for _ in range(count)]


def send_to(base_url: str, headers: dict[str, str]) -> Reply:
    """Send a request signed for URL to the server at ``base_url``."""
    return send("GET", base_url + "/verify", {**headers, "Host": HOST})


def outcome(reply: Reply) -> str:
    """What the app answered: the pid that accepted, or the status and error."""
    return "accepted" if reply.status == 200 else f"{reply.status} {reply.body.decode()}"


def test_a_replay_to_another_process_is_refused_with_a_sqlite_store(tmp_path: Path) -> None:
    with ExitStack() as stack:
        first, second = (
            stack.enter_context(uvicorn(tmp_path / "nonces.sqlite3", tmp_path / f"uvicorn-{n}.log")) for n in range(2)
        )
        outcomes = []
        for index, headers in enumerate(signed_requests(10)):
            here, there = (first, second) if index % 2 else (second, first)
            outcomes.append((outcome(send_to(here, headers)), outcome(send_to(there, headers))))
    assert outcomes == [("accepted", "401 NonceUsed")] * 10


def test_a_replay_to_another_process_is_accepted_with_the_default_memory_store(tmp_path: Path) -> None:
    # Why README tells providers with several processes to share a store.
    with ExitStack() as stack:
        first, second = (stack.enter_context(uvicorn(None, tmp_path / f"uvicorn-{n}.log")) for n in range(2))
        outcomes = []
        for headers in signed_requests(5):
            outcomes.append((outcome(send_to(first, headers)), outcome(send_to(second, headers)),
                             outcome(send_to(first, headers))))
    assert outcomes == [("accepted", "accepted", "401 NonceUsed")] * 5


def test_uvicorn_workers_share_a_sqlite_store(tmp_path: Path) -> None:
    requests = signed_requests(40)
    with uvicorn(tmp_path / "nonces.sqlite3", tmp_path / "uvicorn.log", workers=2) as base_url:
        firsts = [send_to(base_url, headers) for headers in requests]
        replays = [send_to(base_url, headers) for headers in requests]
    assert [reply.status for reply in firsts] == [200] * 40
    assert [outcome(reply) for reply in replays] == ["401 NonceUsed"] * 40
