"""Growth check: Request.from_asgi with many repeated headers, and a long Content-Type full of quotes.

    python bench/hostile_headers.py

Times grow linearly with the input when each doubling of N about doubles the time.
Not a test: tests never time anything.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any, Callable

import oauth2

SCOPE = {"type": "http", "method": "GET", "scheme": "http", "path": "/x", "raw_path": b"/x", "query_string": b""}


def seconds(call: Callable[..., Any], *args: Any, **kwargs: Any) -> float:
    """How long ``call(*args, **kwargs)`` took; an oauth2.InvalidRequest counts as done."""
    start = time.perf_counter()
    with contextlib.suppress(oauth2.InvalidRequest):
        call(*args, **kwargs)
    return time.perf_counter() - start


def main() -> None:
    print(f"{'N':>8}  {'repeated X-Forwarded-Host':>26}  {'repeated unread header':>22}  {'quoted Content-Type':>19}")
    for n in (25_000, 50_000, 100_000, 200_000):
        forwarded = [(b"host", b"h"), *[(b"x-forwarded-host", b"a.example")] * n]
        unread = [(b"host", b"h"), *[(b"x-junk", b"0123456789abcdef")] * n]
        content_type = 'text/plain; x="' + '\\"' * n + '", y'  # refused: a comma after the quoted string
        times = (
            seconds(oauth2.Request.from_asgi, {**SCOPE, "headers": forwarded}, b"", trust_forwarded=True),
            seconds(oauth2.Request.from_asgi, {**SCOPE, "headers": unread}, b""),
            seconds(oauth2.Request.from_request, "POST", "http://h/x", {"Content-Type": content_type}, body=b""),
        )
        print(f"{n:>8}  {times[0]:>25.3f}s  {times[1]:>21.3f}s  {times[2]:>18.3f}s")


if __name__ == "__main__":
    main()
