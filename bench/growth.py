"""Parser growth: how the time of each parser of network input grows with its input.

    python bench/growth.py              # the table, in Markdown
    python bench/growth.py --budget 30  # skip a size only if its call is predicted to take over 30 s (default 3)

For each parser a provider (or a client reading a credentials response) runs
on what the network sends, the time per call at sizes n, 10n and 100n, and the
ratio per tenfold: about 10 means linear, about 100 quadratic. At 100n an
input makes 10^5 to 10^6 objects, and allocation and cache misses alone then
give 12-20x (a dict built from str.split does on a shared 2-core machine).
Only the public API is called, so that the same script measures any version of the library
(``PYTHONPATH=/path/to/other/checkout python bench/growth.py``); the cap on
parameters (``max_parameters=None``) is lifted where the version has one, so
that the parser itself is measured. A size whose call would take longer than
``--budget`` seconds, judged from the previous size as if growth were
quadratic, is skipped. The nonce store's n is the number of entries it
holds, not the size of an input: adding one should not depend on it at all
(a ratio near 1). Not a test: tests never time anything.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import time
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence

import oauth2

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
CONSUMER = oauth2.Consumer("ckey", "csecret")
TOKEN = oauth2.Token("tkey", "tsecret")
HMAC_SHA1 = oauth2.SignatureMethod_HMAC_SHA1()
NOW = int(time.time())


def no_cap(function: Callable[..., Any]) -> Dict[str, Any]:
    """The keyword that lifts the parameter cap, where ``function`` has one."""
    return {"max_parameters": None} if "max_parameters" in inspect.signature(function).parameters else {}


FROM_REQUEST = no_cap(oauth2.Request.from_request)
FROM_WSGI = no_cap(oauth2.Request.from_wsgi)
FROM_ASGI = no_cap(oauth2.Request.from_asgi)
FROM_STRING = no_cap(oauth2.Token.from_string)

Call = Callable[[], object]


class Row(NamedTuple):
    parser: str
    unit: str  # what n counts
    sizes: Sequence[int]
    make: Callable[[int], Call]  # the call to time, given the size; building the input is not timed


def repeated(n: int, name: str = "a") -> str:
    return "&".join(f"{name}={i}" for i in range(n))


def distinct(n: int) -> str:
    return "&".join(f"p{i}={i}" for i in range(n))


def refused(call: Call) -> Call:
    """``call``, an oauth2.Error it raises counted as its answer (a malformed header, a full nonce store)."""

    def run() -> object:
        try:
            return call()
        except oauth2.Error as exc:
            return exc

    return run


class AcceptEveryNonce(oauth2.NonceStore):
    """So that one signed request can be verified again and again."""

    def add(self, consumer_key: str, token: Optional[str], timestamp: int, nonce: str, ttl: int) -> bool:
        return True


SERVER = oauth2.Server([HMAC_SHA1], nonce_store=AcceptEveryNonce())


def form_body(body: str) -> Call:
    data = body.encode()
    return lambda: oauth2.Request.from_request("POST", "http://e/r", headers=FORM, body=data, **FROM_REQUEST)


def url_query_repeated(n: int) -> Call:
    url = "http://e/r?" + repeated(n)
    return lambda: oauth2.Request.from_request("GET", url, **FROM_REQUEST)


def query_handed_over_thrice(n: int) -> Call:
    """A framework's URL, QUERY_STRING and parsed query (``parameters``), one name repeated."""
    query = repeated(n)
    parameters = {"a": [str(i) for i in range(n)]}
    return lambda: oauth2.Request.from_request(
        "GET", "http://e/r?" + query, query_string=query, parameters=parameters, **FROM_REQUEST
    )


def verify_signed_form(n: int) -> Call:
    body = repeated(n)
    request = oauth2.Request.from_consumer_and_token(CONSUMER, TOKEN, "POST", "http://e/r", body=body,
                                                     is_form_encoded=True)
    request.sign_request(HMAC_SHA1, CONSUMER, TOKEN)
    headers = {**request.to_header(), **FORM}
    data = body.encode()

    def run() -> object:
        received = oauth2.Request.from_request("POST", "http://e/r", headers=headers, body=data, **FROM_REQUEST)
        return SERVER.verify_request(received, CONSUMER, TOKEN)

    return run


def verify_built_request(n: int) -> Call:
    """A Request built by hand, not by from_request: verify_request reads its URL's query."""
    request = oauth2.Request.from_consumer_and_token(CONSUMER, TOKEN, "GET", "http://e/r?" + repeated(n))
    request.sign_request(HMAC_SHA1, CONSUMER, TOKEN)
    return lambda: SERVER.verify_request(request, CONSUMER, TOKEN)


def wsgi_form(n: int) -> Call:
    import io

    body = repeated(n).encode()
    environ = {"REQUEST_METHOD": "POST", "wsgi.url_scheme": "http", "HTTP_HOST": "e", "PATH_INFO": "/r",
               "QUERY_STRING": "", "CONTENT_TYPE": FORM["Content-Type"], "CONTENT_LENGTH": str(len(body))}

    def run() -> object:
        return oauth2.Request.from_wsgi({**environ, "wsgi.input": io.BytesIO(body)}, **FROM_WSGI)

    return run


def asgi_repeated_header(n: int) -> Call:
    """X-Forwarded-Host, a header oauth2 reads, sent ``n`` times: the copies are joined as HTTP does."""
    scope = {"type": "http", "method": "GET", "scheme": "http", "path": "/r", "query_string": b"",
             "headers": [(b"host", b"e")] + [(b"x-forwarded-host", b"proxy.example")] * n}
    return lambda: oauth2.Request.from_asgi(scope, b"", **FROM_ASGI)


def header(value: str, *, malformed: bool = False) -> Call:
    call: Call = lambda: oauth2.parse_authorization_header(value)  # noqa: E731
    return refused(call) if malformed else call


def token_response(extra: str) -> Call:
    response = "oauth_token=t&oauth_token_secret=s&" + extra
    return lambda: oauth2.Token.from_string(response, **FROM_STRING)


def full_nonce_store(entries: int) -> Call:
    """A MemoryNonceStore holding ``entries`` unexpired nonces, its maximum: the call adds one more.

    The nonces are spread over 16 consumers, so that none reaches a per-consumer bound (where the store has one)
    before the store is full."""
    store = oauth2.MemoryNonceStore(max_entries=entries, clock=lambda: NOW)
    for i in range(entries):
        store.add(f"ckey{i % 16}", "tkey", NOW, f"n{i}", 600)
    fresh = iter(range(10**9))
    return refused(lambda: store.add("ckey0", "tkey", NOW, f"fresh{next(fresh)}", 600))


ROWS = [
    Row("from_request: form body, one name repeated", "fields", (1_000, 10_000, 100_000),
        lambda n: form_body(repeated(n))),
    Row("from_request: form body, distinct names", "fields", (1_000, 10_000, 100_000),
        lambda n: form_body(distinct(n))),
    Row("from_request: form body, one value, every byte escaped", "bytes", (10_000, 100_000, 1_000_000),
        lambda n: form_body("a=" + "%41" * (n // 3))),
    Row("from_request: URL query, one name repeated", "fields", (1_000, 10_000, 100_000), url_query_repeated),
    Row("from_request: URL + query_string + parameters=, one name repeated", "fields", (1_000, 10_000, 100_000),
        query_handed_over_thrice),
    Row("from_request + verify_request: signed form body, one name repeated", "fields", (1_000, 10_000, 100_000),
        verify_signed_form),
    Row("verify_request: hand-built request, URL query, one name repeated", "fields", (1_000, 10_000, 100_000),
        verify_built_request),
    Row("from_wsgi: form body, one name repeated", "fields", (1_000, 10_000, 100_000), wsgi_form),
    Row("from_asgi: N copies of one header", "headers", (200, 2_000, 20_000), asgi_repeated_header),
    Row("parse_authorization_header: quoted params", "params", (1_000, 10_000, 100_000),
        lambda n: header("OAuth " + ", ".join(f'p{i}="{i}"' for i in range(n)))),
    Row("parse_authorization_header: bare params", "params", (1_000, 10_000, 100_000),
        lambda n: header("OAuth " + ", ".join(f"p{i}={i}" for i in range(n)))),
    Row("parse_authorization_header: one value of backslash escapes", "escapes", (1_000, 10_000, 100_000),
        lambda n: header('OAuth a="' + '\\"' * n + '"')),
    Row("parse_authorization_header: escapes, quote never closed", "escapes", (1_000, 10_000, 100_000),
        lambda n: header('OAuth a="' + "\\\\" * n, malformed=True)),
    Row("parse_authorization_header: one value of percent escapes", "escapes", (1_000, 10_000, 100_000),
        lambda n: header('OAuth a="' + "%41" * n + '"')),
    Row("parse_authorization_header: commas", "commas", (1_000, 10_000, 100_000),
        lambda n: header('OAuth a="1"' + " ," * n)),
    Row("parse_authorization_header: params, then a quote never closed", "params", (1_000, 10_000, 100_000),
        lambda n: header("OAuth " + 'a="1", ' * n + 'b="', malformed=True)),
    Row("Token.from_string: distinct fields", "fields", (1_000, 10_000, 100_000),
        lambda n: token_response(distinct(n))),
    Row("Token.from_string: one name repeated", "fields", (1_000, 10_000, 100_000),
        lambda n: token_response(repeated(n))),
    Row("MemoryNonceStore.add, store full", "entries", (10_000, 100_000, 1_000_000), full_nonce_store),
]


def per_call(call: Call, target: float = 0.1) -> float:
    """CPU seconds per call: the best of three batches of about ``target`` seconds, or one call if it is slower.

    CPU time of this process, not wall time, so that the other processes of a
    shared machine weigh less; the garbage collector is off while timing, as
    timeit does, so that its passes over every live object do not pass for
    the parser's own growth.
    """
    gc.collect()
    gc.disable()
    try:
        start = time.process_time()
        call()
        once = time.process_time() - start
        if once >= target:
            return once
        loops = max(1, int(target / max(once, 1e-6)))
        best = once
        for _ in range(3):
            start = time.process_time()
            for _ in range(loops):
                call()
            best = min(best, (time.process_time() - start) / loops)
        return best
    finally:
        gc.enable()


def show(seconds: Optional[float]) -> str:
    if seconds is None:
        return "skipped"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def ratio(before: Optional[float], after: Optional[float]) -> str:
    return f"{after / before:.0f}x" if before and after else "–"


def measure(row: Row, budget: float) -> List[Optional[float]]:
    """Time per call at each size; a size predicted (as if quadratic) to take over ``budget`` is skipped."""
    times: List[Optional[float]] = []
    for size in row.sizes:
        previous = times[-1] if times else None
        if previous is None and times:
            times.append(None)
            continue
        if previous is not None and previous * 100 > budget:
            times.append(None)
            continue
        times.append(per_call(row.make(size)))
    return times


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=float, default=3.0, help="seconds one call may be predicted to take (3)")
    args = parser.parse_args(argv)
    print(f"oauth2 from {oauth2.__file__}")
    print()
    print("| parser | n | time per call at n | at 10n | at 100n | 10n / n | 100n / 10n |")
    print("|---|---|---|---|---|---|---|")
    started = time.perf_counter()
    for row in ROWS:
        times = measure(row, args.budget)
        print(f"| {row.parser} | {row.sizes[0]:,} {row.unit} | {' | '.join(map(show, times))} "
              f"| {ratio(times[0], times[1])} | {ratio(times[1], times[2])} |", flush=True)
    print()
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
