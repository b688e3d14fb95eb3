"""OAuth 1.0a for ``httpx``: ``httpx.Client(auth=OAuth1(consumer, token))``, sync or async.

Needs the ``httpx`` package (this library's ``httpx`` extra). Every request,
each redirect hop within its origin included, is signed by :func:`oauth2.sign`
with a fresh nonce (see :func:`sign_redirect`); the body goes out as the caller built it. :class:`OAuth1Client` and
:class:`AsyncOAuth1Client` also run the three-legged flow.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Generator, Iterable, NamedTuple, Optional, Tuple, Union

try:
    import httpx
except ImportError as exc:  # pragma: no cover - exercised in a subprocess without httpx
    raise ImportError(
        "oauth2.httpx needs the httpx package, this library's 'httpx' extra: pip install httpx."
    ) from exc

from . import Consumer, Error, Token
from .flow import AsyncFlowSteps, FlowSteps, Redirected, Signer, signer_options

__all__ = ["OAuth1", "OAuth1Client", "AsyncOAuth1Client", "sign_redirect", "async_sign_redirect"]

# The request extension under which the first request of a flow tells its
# redirect hops (httpx copies extensions onto each hop) where it started.
_FLOW = "oauth2.flow"


class _Flow(NamedTuple):
    auth: OAuth1
    request_id: int  # the request signed last; one with another id is a redirect hop built from it
    redirected: Redirected  # what its hop is made from


class OAuth1(Signer, httpx.Auth):
    """Signs each ``httpx`` request, sync or async, with :func:`oauth2.sign`.

    ``OAuth1(consumer, token=None, *, signature_method=None, placement="header",
    realm=None, body_hash=None, parameters=None, sign_redirects="same-origin")``: ``signature_method``
    defaults to HMAC-SHA1; ``placement`` (``"header"``, ``"query"`` or
    ``"body"``, never PLAINTEXT in the body), ``realm`` and ``body_hash`` are
    as for :func:`oauth2.sign`; ``parameters`` are more protocol parameters to
    sign and send (``oauth_callback``). The credentials may also be spelt as in
    requests-oauthlib: ``OAuth1("key", "secret", resource_owner_key=...,
    resource_owner_secret=...)``, or ``client_secret=``. A form body (``data=`` a dict) is
    signed through its pairs, any other (``json=``, ``files=``, ``content=``,
    a stream, which httpx reads once) through ``oauth_body_hash``. To follow
    redirects signed, use :class:`OAuth1Client` or the :func:`sign_redirect`
    hook: each hop within the first request's origin is then signed afresh,
    and one to another origin goes without OAuth parameters unless
    ``sign_redirects="all"`` (never PLAINTEXT; see :func:`oauth2.signs_redirect`).
    """

    # The signature or the body hash needs the body's bytes.
    requires_request_body = True

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        # httpx fails on an unreadable stream with a bare AssertionError: say what to do instead.
        if not isinstance(request.stream, Iterable):
            raise Error("oauth2.httpx cannot sign this body: an async stream cannot be read by a sync "
                        "client, and its bytes are needed for the signature or the body hash. Pass bytes.")
        return (yield from super().sync_auth_flow(request))

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Sign ``request`` and send it.

        A request httpx built to follow a redirect (``response.next_request``)
        is signed as a hop of the request it came from.
        """
        self._sign(request, request.extensions.get(_FLOW))
        yield request

    def _sign(self, request: httpx.Request, flow: Optional[_Flow]) -> None:
        try:
            body = request.content
        except httpx.RequestNotRead:
            raise Error(
                "oauth2.httpx cannot sign a streamed body httpx did not read: its bytes are needed for "
                "the signature or the body hash. Pass the body as bytes (content=, data=, json=, files=)."
            ) from None
        prepared = self.prepare(request.method, str(request.url), body,
                                content_type=request.headers.get("Content-Type"),
                                hop_of=flow.redirected if flow is not None else None)
        for name in prepared.drop_headers:
            request.headers.pop(name, None)
        if prepared.authorization is not None:
            request.headers["Authorization"] = prepared.authorization
        request.extensions[_FLOW] = _Flow(self, id(request), prepared.redirected)
        request.url = httpx.URL(prepared.url)
        if prepared.body != body:
            # The OAuth parameters placed in a form body, or a hop's body put back as the caller's.
            request.stream = httpx.ByteStream(prepared.body)
            request._content = prepared.body
            request.headers["Content-Length"] = str(len(prepared.body))


def sign_redirect(request: httpx.Request) -> None:
    """An httpx ``request`` event hook that signs each redirect hop afresh, as :func:`oauth2.signs_redirect` allows.

    httpx follows redirects inside one auth flow, so an ``httpx.Auth`` never
    sees the hops: ``httpx.Client(auth=auth, follow_redirects=True,
    event_hooks={"request": [sign_redirect]})`` (``async_sign_redirect`` for
    an ``AsyncClient``) signs them; :class:`OAuth1Client` does so itself.
    """
    flow = _hop_flow(request)
    if flow is not None:
        request.read()  # a hop's body is the bytes httpx already read for the first request
        flow.auth._sign(request, flow)


async def async_sign_redirect(request: httpx.Request) -> None:
    """:func:`sign_redirect` for an ``httpx.AsyncClient``."""
    flow = _hop_flow(request)
    if flow is not None:
        await request.aread()
        flow.auth._sign(request, flow)


def _hop_flow(request: httpx.Request) -> Optional[_Flow]:
    """The flow ``request`` is a redirect hop of, or None for the request the auth flow just signed."""
    flow: Optional[_Flow] = request.extensions.get(_FLOW)
    return flow if flow is not None and flow.request_id != id(request) else None


def _signing(
    session: FlowSteps, hook: Callable[[httpx.Request], Any], consumer: Union[Consumer, str],
    token: Union[Token, str, None], options: Dict[str, Any],
) -> Dict[str, Any]:
    """A client's httpx options: ``options`` less OAuth1's, which make its auth, and the hop-signing hook."""
    session._signer = OAuth1(consumer, token, **signer_options(options))
    hooks = options.pop("event_hooks", None) or {}
    return {**options, "auth": session._signer, "event_hooks": {**hooks, "request": [hook, *hooks.get("request", [])]}}


class OAuth1Client(FlowSteps, httpx.Client):
    """An ``httpx.Client`` signing every request, with the three-legged flow helpers.

    ``OAuth1Client(consumer, token=None, **options)``: ``signature_method``,
    ``placement``, ``realm``, ``body_hash``, ``parameters`` and
    ``sign_redirects`` are :class:`OAuth1`'s, the other options httpx's.
    Each redirect hop is signed afresh (those ``sign_redirects`` allows);
    the checks are those of :class:`oauth2.Client`
    (ProviderError, CallbackNotConfirmed).
    """

    def __init__(self, consumer: Union[Consumer, str], token: Union[Token, str, None] = None,
                 **options: Any) -> None:
        super().__init__(**_signing(self, sign_redirect, consumer, token, options))

    def fetch_request_token(self, url: str, *, callback: str = "oob", method: str = "POST",
                            require_callback_confirmed: bool = True, **kwargs: Any) -> Token:
        """Obtain temporary credentials [§2.1]; they become ``self.token``. Other keywords go to httpx."""
        response = self.request(method, url, auth=self._request_token_signer(callback), **kwargs)
        return self._took(response, require_callback_confirmed)

    def fetch_access_token(self, url: str, verifier: Optional[str] = None, *, method: str = "POST",
                           **kwargs: Any) -> Token:
        """Exchange the authorized request token and ``verifier`` for token credentials [§2.3]."""
        response = self.request(method, url, auth=self._access_token_signer(verifier), **kwargs)
        return self._took(response)


class AsyncOAuth1Client(AsyncFlowSteps, httpx.AsyncClient):
    """An ``httpx.AsyncClient`` signing every request, with the three-legged flow helpers (awaitable).

    Takes the options of :class:`OAuth1Client`; the flow's token requests are
    :class:`oauth2.flow.AsyncFlowSteps`'s, as in ``oauth2.aiohttp``.
    """

    def __init__(self, consumer: Union[Consumer, str], token: Union[Token, str, None] = None,
                 **options: Any) -> None:
        super().__init__(**_signing(self, async_sign_redirect, consumer, token, options))

    async def _token_answer(self, method: str, url: str, signer: Any,
                            kwargs: Dict[str, Any]) -> Tuple[int, bytes, Optional[str]]:
        response = await self.request(method, url, auth=signer, **kwargs)
        return response.status_code, response.content, response.headers.get("WWW-Authenticate")
