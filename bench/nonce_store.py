"""Benchmark: ``MemoryNonceStore.add`` on a store holding ``max_entries`` unexpired nonces.

    python bench/nonce_store.py                 # 10^4, 10^5 and 10^6 entries
    python bench/nonce_store.py --sizes 10000 --calls 200
    # another version: mkdir /tmp/main && git archive main oauth2 | tar -x -C /tmp/main
    PYTHONPATH=/tmp/main python bench/nonce_store.py

For each size the store is filled to capacity (16 consumers, so that no one
consumer reaches its own bound), then:

* fill: the mean time of one ``add`` while the store fills up;
* full: the median time of one ``add`` of a new nonce, refused with 503;
* rolling: the median time of one ``add`` when the oldest nonce has just
  expired, so that the new one takes its place (a provider under steady load).

Not a test: tests never time anything.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from typing import List

import oauth2

CONSUMERS = 16
START = 1_700_000_000.0
TTL = 601  # what Server passes with its default thresholds


class Clock:
    """The store's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


def timed_add(store: oauth2.MemoryNonceStore, timestamp: int, nonce: str) -> float:
    """Seconds one ``add`` took, accepted or refused with 503."""
    start = time.perf_counter()
    with contextlib.suppress(oauth2.ServiceUnavailable):
        store.add("consumer-0", "token", timestamp, nonce, TTL)
    return time.perf_counter() - start


def measure(size: int, calls: int) -> List[float]:
    """[fill, full, rolling] in microseconds per add."""
    clock = Clock()
    store = oauth2.MemoryNonceStore(max_entries=size, clock=clock)
    tick = TTL / 2 / size  # the store fills up in half the window: nothing expires before it is full
    start = time.perf_counter()
    for i in range(size):
        # One nonce per tick: the oldest expires first, as under real traffic.
        clock.now += tick
        store.add(f"consumer-{i % CONSUMERS}", "token", 1_700_000_000, f"nonce-{i}", TTL)
    fill = (time.perf_counter() - start) / size
    full = statistics.median(
        timed_add(store, 1_700_000_000, f"refused-{j}") for j in range(calls)
    )
    clock.now = START + TTL  # the first nonces added are about to expire, one per tick
    rolling = []
    for j in range(calls):
        clock.now += tick
        rolling.append(timed_add(store, 1_700_000_001, f"late-{j}"))
    assert len(store) <= size
    return [fill * 1e6, full * 1e6, statistics.median(rolling) * 1e6]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--calls", type=int, default=5, help="adds timed per size and case (median)")
    args = parser.parse_args()
    print("| entries | fill (µs/add) | full: add refused (µs) | rolling: add after the oldest expired (µs) |")
    print("|---:|---:|---:|---:|")
    for size in args.sizes:
        fill, full, rolling = measure(size, args.calls)
        print(f"| {size:,} | {fill:.2f} | {full:,.1f} | {rolling:,.1f} |", flush=True)


if __name__ == "__main__":
    main()
