"""Every single-use thing of the provider kit is used once: N clients (threads, processes, tasks) racing to
exchange one verifier get exactly one access token, racing to authorize one request token, one verifier."""

from __future__ import annotations

import asyncio
import multiprocessing
import sqlite3
import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from at_now import released_together
from kit_apps import USER, redeem_in_process, signed

import oauth2 as oauth
from oauth2.kit import ConsumerRecord, Endpoints, MemoryStore, SQLiteStore, TokenUsed

CONSUMER = oauth.Consumer("consumer-key", "consumer-secret")
URL = "http://127.0.0.1:9/access_token"
RACERS = 16


def make_kit(kind: str, tmp_path: Path) -> Endpoints:
    store: Any = SQLiteStore(tmp_path / "provider.sqlite3") if kind == "sqlite" else MemoryStore()
    store.add_consumer(ConsumerRecord(CONSUMER.key, CONSUMER.secret))
    return Endpoints(store)


def authorized_token(kit: Endpoints) -> tuple[oauth.Token, str]:
    """Temporary credentials a user authorized (oob), and their verifier."""
    reply = kit.request_token(signed("POST", URL, CONSUMER, oauth_callback="oob"))
    fields = parse_qs(reply.body.decode())
    token = oauth.Token(fields["oauth_token"][0], fields["oauth_token_secret"][0])
    verifier = kit.authorize(token.key, USER).verifier
    assert verifier is not None
    return token, verifier


def stored_tokens(kit: Endpoints, tmp_path: Path) -> int:
    if isinstance(kit.store, SQLiteStore):
        with sqlite3.connect(tmp_path / "provider.sqlite3") as connection:
            return int(connection.execute("SELECT count(*) FROM oauth2_tokens").fetchone()[0])
    return len(kit.store._tokens)  # type: ignore[union-attr]


def outcome(results: list[Any]) -> tuple[int, set[str]]:
    """How many racers got a token, and the problems the others were answered."""
    granted = [r for r in results if r.status == 200]
    problems = {parse_qs(r.body.decode())["oauth_problem"][0] for r in results if r.status != 200}
    return len(granted), problems


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_threads_racing_to_exchange_one_verifier_get_one_token(kind: str, tmp_path: Path) -> None:
    kit = make_kit(kind, tmp_path)
    token, verifier = authorized_token(kit)
    requests = iter([signed("POST", URL, CONSUMER, token, oauth_verifier=verifier) for _ in range(RACERS)])
    lock = threading.Lock()

    def attempt() -> Any:
        with lock:
            request = next(requests)
        return kit.access_token(request)

    results = released_together(RACERS, lambda _: attempt())
    granted, problems = outcome(results)
    assert granted == 1
    assert problems <= {"token_used", "token_rejected"}
    assert stored_tokens(kit, tmp_path) == 1


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_threads_racing_to_authorize_one_request_token_get_one_verifier(kind: str, tmp_path: Path) -> None:
    kit = make_kit(kind, tmp_path)
    reply = kit.request_token(signed("POST", URL, CONSUMER, oauth_callback="oob"))
    key = parse_qs(reply.body.decode())["oauth_token"][0]
    users = iter([f"user{i}" for i in range(RACERS)])
    lock = threading.Lock()

    def attempt() -> Any:
        with lock:
            user = next(users)
        return kit.authorize(key, user)

    results = released_together(RACERS, lambda _: attempt())
    decisions = [r for r in results if not isinstance(r, Exception)]
    assert len(decisions) == 1
    assert all(isinstance(r, TokenUsed) for r in results if isinstance(r, Exception))
    stored = kit.store.get_temporary(key)  # type: ignore[union-attr]  # the winner's verifier is the one bound
    assert stored is not None and stored.verifier == decisions[0].verifier


def test_processes_racing_to_exchange_one_verifier_get_one_token(tmp_path: Path) -> None:
    kit = make_kit("sqlite", tmp_path)
    token, verifier = authorized_token(kit)
    context = multiprocessing.get_context("spawn")
    count = 6
    barrier = context.Barrier(count)
    results = context.Queue()
    processes = [
        context.Process(target=redeem_in_process, args=(
            str(tmp_path / "provider.sqlite3"), (CONSUMER.key, CONSUMER.secret), (token.key, token.secret),
            verifier, barrier, results))
        for _ in range(count)
    ]
    for process in processes:
        process.start()
    answers = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] + [401] * (count - 1)
    assert stored_tokens(kit, tmp_path) == 1


def test_tasks_racing_to_exchange_one_verifier_get_one_token(tmp_path: Path) -> None:
    kit = make_kit("sqlite", tmp_path)
    token, verifier = authorized_token(kit)
    requests = [signed("POST", URL, CONSUMER, token, oauth_verifier=verifier) for _ in range(RACERS)]

    async def main() -> list[Any]:
        return list(await asyncio.gather(*(kit.access_token_async(request) for request in requests)))

    granted, problems = outcome(asyncio.run(main()))
    assert granted == 1
    assert problems <= {"token_used", "token_rejected"}
    assert stored_tokens(kit, tmp_path) == 1
