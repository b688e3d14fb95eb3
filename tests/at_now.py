"""The helpers the tests share: credentials, a server with a stopped clock, the one way the tests sign a request
on the client side, and the text strategies of the property tests."""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Optional, TypeVar

import pytest
from hypothesis import settings
from hypothesis import strategies as st

import oauth2 as oauth

NOW = 1_700_000_000
CONSUMER = oauth.Consumer("ckey", "csecret")
TOKEN = oauth.Token("tkey", "tsecret")
HMAC_SHA1 = oauth.SignatureMethod_HMAC_SHA1()
HMAC_SHA256 = oauth.SignatureMethod_HMAC_SHA256()
PLAINTEXT = oauth.SignatureMethod_PLAINTEXT()
FORM = "application/x-www-form-urlencoded"
REPO = Path(__file__).resolve().parents[1]
API = "https://api.example.com/v1/items"


def signed(
    http_method: str = "GET",
    url: str = "http://e/r?x=1",
    parameters: Optional[Mapping[str, Any]] = None,
    *,
    method: oauth.SignatureMethod = HMAC_SHA1,
    consumer: oauth.Consumer = CONSUMER,
    token: Optional[oauth.Token] = TOKEN,
    body: Any = b"",
    is_form_encoded: bool = False,
    timestamp: Optional[int] = NOW,
    nonce: Optional[str] = None,
) -> oauth.Request:
    """A request signed by ``consumer`` (and ``token``) as a client builds it.

    Timestamped ``timestamp`` (None: the real time, for a server that keeps
    it); ``nonce`` fixes the nonce, else it is fresh.
    """
    fixed = {"oauth_timestamp": str(timestamp)} if timestamp is not None else {}
    if nonce is not None:
        fixed["oauth_nonce"] = nonce
    request = oauth.Request.from_consumer_and_token(
        consumer, token, http_method, url, {**fixed, **(parameters or {})}, body=body, is_form_encoded=is_form_encoded
    )
    request.sign_request(method, consumer, token)
    return request


def server(*methods: oauth.SignatureMethod, **options: Any) -> oauth.Server:
    """A Server whose clock stands at NOW unless told otherwise, accepting ``methods`` (HMAC-SHA1 by default)."""
    options.setdefault("clock", frozen_clock)
    return oauth.Server(list(methods) or [HMAC_SHA1], **options)


# A Server allowing HMAC-SHA1, HMAC-SHA256 and PLAINTEXT, on the frozen clock unless told otherwise.
make_server = functools.partial(server, HMAC_SHA1, HMAC_SHA256, PLAINTEXT)
# A GET to an API with query parameters, signed by our client side at NOW.
signed_api_call = functools.partial(signed, url=API + "?colour=blue&size=10&size=12")


# Hypothesis strategies the property tests of several sections share.
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
# The fast paths join names, values or secrets with NUL and \1 to check them all at once.
SEPARATORISH = st.text(st.sampled_from("aZ09-._~\0\1é %&"), max_size=6)


def frozen_clock() -> float:
    """The server clock of the tests: always NOW."""
    return NOW


@dataclass
class Clock:
    """A clock the test moves by hand."""

    now: float = NOW

    def __call__(self) -> float:
        """The time the test set."""
        return self.now


def over_the_wire(
    request: oauth.Request,
    *,
    url: Optional[str] = None,
    body: Optional[bytes] = None,
    content_type: Optional[str] = None,
) -> oauth.Request:
    """``request`` as the provider rebuilds it: protocol parameters in the Authorization header.

    ``url`` and ``body`` replace what was signed, to tamper with the request.
    """
    headers = dict(request.to_header())
    if content_type is None and request.is_form_encoded:
        content_type = FORM
    if content_type is not None:
        headers["Content-Type"] = content_type
    wire_body = request.body if body is None else body
    return oauth.Request.from_request(request.method, url or request.url, headers=headers, body=wire_body)


# ------------------------------------------------------------------ hostile input
# The contract (tests/README.md): wire data that cannot be parsed or fails a check raises an oauth.Error
# subclass; an argument of the wrong Python type raises TypeError or ValueError; nothing else escapes.

T = TypeVar("T")


NEVER = (IndexError, KeyError, AttributeError, UnicodeError)


FUZZ = settings(max_examples=150, deadline=None)


# One nonce for every signed request here, so that a test can name it.
NONCE = "n0nce"


def header_with(**params: str) -> Dict[str, str]:
    """An Authorization header carrying ``params``, values sent as given."""
    return {"Authorization": "OAuth " + ", ".join(f'{k}="{v}"' for k, v in params.items())}


def value_id(value: object) -> str:
    """A test id for ``value`` that is the same in every xdist worker (no memory addresses)."""
    return "object()" if type(value) is object else repr(value)


def wire(call: Callable[[], T]) -> Optional[T]:
    """``call()``'s result, or None if it raised an oauth.Error; any other exception propagates."""
    try:
        return call()
    except oauth.Error:
        return None


def misuse(call: Callable[[], object]) -> Optional[BaseException]:
    """The exception ``call()`` raised for a wrong-typed argument, if any; it must be TypeError, ValueError or Error."""
    try:
        call()
    except NEVER as exc:
        pytest.fail(f"{type(exc).__name__} escaped: {exc}")
    except (oauth.Error, TypeError, ValueError) as exc:
        return exc
    return None


URLS = st.one_of(
    st.text(max_size=40),
    st.builds(
        lambda scheme, host, port, path, query: f"{scheme}://{host}{port}/{path}?{query}",
        st.sampled_from(["http", "HTTPS", "ftp", ""]),
        st.text(max_size=10),
        st.sampled_from(["", ":80", ":0", ":65536", ":x", ":", ":-1"]),
        st.text(max_size=10),
        st.text(max_size=20),
    ),
)


TOKEN_CHARS = st.sampled_from("!#$%&'*+.^_`|~-abcxyzAZ09")


SEPARATORS = st.sampled_from(["", " ", ",", ", ", " ,", "\t", ",,", "="])


HEADER_PIECES = st.one_of(
    st.text(TOKEN_CHARS, min_size=1, max_size=6),
    st.text(max_size=6).map(lambda s: '"' + s + '"'),
    st.sampled_from(['"', "\\", "=", "%", "%FF", "%C3%A9", "realm", "oauth_nonce", "OAuth"]),
    SEPARATORS,
)


HEADERS = st.one_of(
    st.text(max_size=60),
    st.lists(HEADER_PIECES, max_size=20).map(lambda parts: "OAuth " + "".join(parts)),
)


def released_together(count: int, attempt: Callable[[int], Any]) -> list[Any]:
    """``attempt(i)`` for i in range(count), each in a thread of its own, all released at once by a barrier.

    Returns what each returned, or the exception it raised, in the order of i. The threads are
    joined with a bound; one still running fails the test.
    """
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def racer(i: int) -> None:
        barrier.wait(timeout=60)
        try:
            results[i] = attempt(i)
        except Exception as exc:  # noqa: BLE001 - the caller's assertions read it
            results[i] = exc

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive()
    return results
