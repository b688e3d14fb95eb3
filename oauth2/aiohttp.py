"""OAuth 1.0a for ``aiohttp`` (3.12.2 or later): ``aiohttp.ClientSession(middlewares=[OAuth1(consumer, token)])``.

Needs the ``aiohttp`` package (this library's ``aiohttp`` extra). The
middleware signs each request with :func:`oauth2.sign` as yarl will put it on
the wire (``str(request.url)``, already re-quoted), and makes each redirect hop
as :func:`oauth2.redirect_hop` says: signed afresh, or bare.
:class:`OAuth1Client` wraps a ``ClientSession`` with the middleware and runs
the three-legged flow of :class:`oauth2.flow.AsyncFlowSteps`.
"""

from __future__ import annotations

import contextvars
from typing import Any, Dict, NamedTuple, Optional, Tuple, Union

try:
    import aiohttp
    from aiohttp.payload import BytesPayload, Payload
    from yarl import URL
except ImportError as exc:  # pragma: no cover - exercised in a subprocess without aiohttp
    raise ImportError(
        "oauth2.aiohttp needs the aiohttp package, this library's 'aiohttp' extra: pip install aiohttp."
    ) from exc

from . import Consumer, Error, Token
from .flow import AsyncFlowSteps, Redirected, Signer, signer_options

# Client middlewares came in 3.12.0, the request body they can read and replace in 3.12.1 (withdrawn).
if not hasattr(aiohttp.ClientRequest, "update_body"):  # pragma: no cover - aiohttp before 3.12.2
    raise ImportError(
        "oauth2.aiohttp needs aiohttp 3.12.2 or later, for client middlewares: pip install 'aiohttp>=3.12.2'."
    )

__all__ = ["OAuth1", "OAuth1Client"]

_REDIRECTS = (301, 302, 303, 307, 308)


class _Sent(NamedTuple):
    """A request this middleware sent, whose redirect, if aiohttp follows it, is a hop of the same request."""

    auth: OAuth1
    location: Tuple[URL, ...]  # where the redirect points, as aiohttp may resolve it
    redirected: Redirected  # what the hop is made from


# aiohttp calls the middleware once per hop, all from the task that made the
# request, with nothing that ties a hop to the request it came from: the
# middleware notes the redirect it returned in the task's context, and the
# next request through it to that Location is that redirect's hop (so is
# one made by hand after allow_redirects=False: it follows the redirect too).
_REDIRECTED: contextvars.ContextVar[Optional[_Sent]] = contextvars.ContextVar("oauth2.aiohttp.redirected", default=None)


class OAuth1(Signer):
    """An aiohttp client middleware that signs each request with :func:`oauth2.sign`.

    ``OAuth1(consumer, token=None, *, signature_method=None, placement="header",
    realm=None, body_hash=None, parameters=None, sign_redirects="same-origin")``,
    the options of ``oauth2.requests.OAuth1`` and ``oauth2.httpx.OAuth1``,
    credentials spelt the same ways (``OAuth1("key", "secret",
    resource_owner_key=..., resource_owner_secret=...)``, ``client_secret=``).
    A form body (``data=`` a dict or an ``aiohttp.FormData`` without files) is
    signed through its pairs, any other (``json=``, bytes, text, a file, an
    async iterable, multipart) through ``oauth_body_hash``; the bytes read go
    again on a redirect hop that keeps the body. aiohttp follows redirects through the
    middleware, which makes each hop as :func:`oauth2.redirect_hop` says:
    one within the first request's origin is signed afresh, one to another
    origin goes without OAuth parameters unless ``sign_redirects="all"``
    (never PLAINTEXT; see :func:`oauth2.signs_redirect`).
    """

    async def __call__(
        self, request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        """Sign ``request`` (a redirect hop as one) and send it on."""
        sent = _REDIRECTED.get()
        _REDIRECTED.set(None)
        hop_of = sent.redirected if sent is not None and sent.auth is self and request.url in sent.location else None
        redirected = await self._sign(request, hop_of)
        response = await handler(request)
        location = response.headers.get("Location") if response.status in _REDIRECTS else None
        if location is not None:
            if response.status == 303 and request.method != "HEAD":
                # aiohttp's own rule: its hop resends the body with the method it keeps, but a 303's never,
                # even a GET's; redirect_hop learns the rest from the method aiohttp chooses for the hop.
                redirected = redirected._replace(body=None)
            _REDIRECTED.set(_Sent(self, _resolved(response.url, location), redirected))
        return response

    async def _sign(self, request: aiohttp.ClientRequest, hop_of: Optional[Redirected]) -> Redirected:
        """Sign ``request`` in place, or make it a hop of ``hop_of`` (see :meth:`Signer.prepare`)."""
        body = await _body_of(request) if hop_of is None else None  # a hop's is hop_of's
        prepared = self.prepare(request.method, str(request.url), body,
                                content_type=request.headers.get("Content-Type"), hop_of=hop_of)
        for name in prepared.drop_headers:
            request.headers.popall(name, None)
        if prepared.authorization is not None:
            request.headers["Authorization"] = prepared.authorization
        if prepared.url != str(request.url):
            request.url = URL(prepared.url, encoded=True)  # as signed, not re-quoted
        if hop_of is not None or prepared.body != body:
            # The OAuth parameters placed in a form body, or a hop's body put back as the caller's: aiohttp
            # would resend the body sent last, with the spent OAuth parameters of the body placement (an older
            # aiohttp, the caller's data again: a file or stream spent). With the caller's Content-Type, which
            # aiohttp takes from this payload on a 307/308 hop; no body at all as aiohttp sends none.
            content_type = request.headers.get("Content-Type") or "application/octet-stream"
            await request.update_body(BytesPayload(prepared.body, content_type=content_type) if prepared.body
                                      else None)
        return prepared.redirected


async def _body_of(request: aiohttp.ClientRequest) -> bytes:
    """The request body's bytes; aiohttp keeps them (or rewinds the file) to send."""
    payload = request.body
    if not isinstance(payload, Payload):
        return bytes(payload)
    try:
        return await payload.as_bytes()
    except TypeError:
        raise Error("oauth2.aiohttp cannot sign this body: its bytes, needed for the signature or the body hash, "
                    "can be read only once. Pass bytes, a file, or an async iterable.") from None


def _resolved(base: URL, location: str) -> Tuple[URL, ...]:
    """The URL aiohttp follows for ``location``, re-quoted or not (``requote_redirect_url``)."""
    try:
        return tuple(base.join(URL(location, encoded=encoded)).with_fragment(None) for encoded in (False, True))
    except ValueError:
        return ()  # aiohttp will not follow it either


class OAuth1Client(AsyncFlowSteps):
    """An ``aiohttp.ClientSession`` signing every request, with the three-legged flow helpers (awaitable).

    ``OAuth1Client(consumer, token=None, **options)``: ``signature_method``,
    ``placement``, ``realm``, ``body_hash``, ``parameters`` and
    ``sign_redirects`` are :class:`OAuth1`'s, the other options
    ``aiohttp.ClientSession``'s (``middlewares=`` run after the signing one).
    Make it in a coroutine, as aiohttp wants its sessions, and use it as
    ``async with``; ``request``, ``get`` and ``post`` are the session's,
    ``session`` is the session itself. The flow helpers are those of
    ``oauth2.httpx.AsyncOAuth1Client`` (:class:`oauth2.flow.AsyncFlowSteps`),
    with the checks of :class:`oauth2.Client` (ProviderError, CallbackNotConfirmed).
    """

    def __init__(self, consumer: Union[Consumer, str], token: Union[Token, str, None] = None,
                 **options: Any) -> None:
        self.auth = self._signer = OAuth1(consumer, token, **signer_options(options))
        self._others: Tuple[aiohttp.ClientMiddlewareType, ...] = tuple(options.pop("middlewares", ()))
        self.session = aiohttp.ClientSession(middlewares=(self.auth, *self._others), **options)
        self.request, self.get, self.post = self.session.request, self.session.get, self.session.post

    async def __aenter__(self) -> OAuth1Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the session."""
        await self.session.close()

    async def _token_answer(self, method: str, url: str, signer: Any,
                            kwargs: Dict[str, Any]) -> Tuple[int, bytes, Optional[str]]:
        # The step's middleware in the place of the session's signing one, the caller's others after it.
        async with self.session.request(method, url, middlewares=(signer, *self._others), **kwargs) as response:
            return response.status, await response.read(), response.headers.get("WWW-Authenticate")
