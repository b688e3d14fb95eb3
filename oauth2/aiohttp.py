"""OAuth 1.0a for ``aiohttp`` (3.12.2 or later): ``aiohttp.ClientSession(middlewares=[OAuth1(consumer, token)])``.

Needs the ``aiohttp`` package (this library's ``aiohttp`` extra). The
middleware signs each request with :func:`oauth2.sign` as yarl will put it on
the wire (``str(request.url)``, already re-quoted), each redirect hop afresh,
as :func:`oauth2.signs_redirect` allows. :class:`OAuth1Client` wraps a
``ClientSession`` with the middleware and runs the three-legged flow.
"""

from __future__ import annotations

import contextvars
from typing import Any, Dict, NamedTuple, Optional, Tuple, Union
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

try:
    import aiohttp
    from aiohttp.payload import BytesPayload, Payload
    from yarl import URL
except ImportError as exc:  # pragma: no cover - exercised in a subprocess without aiohttp
    raise ImportError(
        "oauth2.aiohttp needs the aiohttp package, this library's 'aiohttp' extra: pip install aiohttp."
    ) from exc

from . import (
    MAX_PARAMETERS,
    CallbackNotConfirmed,
    Consumer,
    Error,
    InvalidRequest,
    ProviderError,
    SignatureMethod,
    SignatureMethod_HMAC_SHA1,
    SignatureMethod_PLAINTEXT,
    Token,
    escape,
    sign,
    signs_redirect,
)

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
    first_url: str  # whose origin decides which hops are signed
    location: Tuple[URL, ...]  # where the redirect points, as aiohttp may resolve it
    keeps_body: bool  # whether aiohttp resends the body on the hop (307, 308; 301 and 302 but after a POST)
    body: bytes  # the caller's body, what such a hop is signed and sent with


# aiohttp calls the middleware once per hop, all from the task that made the
# request, with nothing that ties a hop to the request it came from: the
# middleware notes the redirect it returned in the task's context, and the
# next request through it to that Location is that redirect's hop (so is
# one made by hand after allow_redirects=False: it follows the redirect too).
_REDIRECTED: contextvars.ContextVar[Optional[_Sent]] = contextvars.ContextVar("oauth2.aiohttp.redirected", default=None)


class OAuth1:
    """An aiohttp client middleware that signs each request with :func:`oauth2.sign`.

    ``OAuth1(consumer, token=None, *, signature_method=None, placement="header",
    realm=None, body_hash=None, parameters=None, sign_redirects="same-origin")``,
    the options of ``oauth2.requests.OAuth1`` and ``oauth2.httpx.OAuth1``,
    credentials spelt the same ways (``OAuth1("key", "secret",
    resource_owner_key=..., resource_owner_secret=...)``, ``client_secret=``).
    A form body (``data=`` a dict or an ``aiohttp.FormData`` without files) is
    signed through its pairs, any other (``json=``, bytes, text, a file, an
    async iterable, multipart) through ``oauth_body_hash``; aiohttp keeps the
    bytes read for a redirect hop. aiohttp follows redirects through the
    middleware: each hop within the first request's origin is signed afresh,
    one to another origin goes without OAuth parameters unless
    ``sign_redirects="all"`` (never PLAINTEXT; see :func:`oauth2.signs_redirect`).
    """

    def __init__(
        self,
        consumer: Union[Consumer, str],
        token: Union[Token, str, None] = None,
        *,
        signature_method: Optional[SignatureMethod] = None,
        placement: str = "header",
        realm: Optional[str] = None,
        body_hash: Optional[bool] = None,
        parameters: Optional[Dict[str, Any]] = None,
        sign_redirects: str = "same-origin",
        client_secret: Optional[str] = None,
        resource_owner_key: Optional[str] = None,
        resource_owner_secret: Optional[str] = None,
        **unexpected: Any,
    ) -> None:
        if unexpected:  # named as the other shells name it, whatever Python version
            raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument {next(iter(unexpected))!r}")
        self.consumer, self.token = _credentials(consumer, token, client_secret, resource_owner_key,
                                                 resource_owner_secret)
        if placement not in ("header", "query", "body"):
            raise ValueError(f"placement must be one of header, query, body, not {placement!r}")
        if placement == "body" and isinstance(signature_method, SignatureMethod_PLAINTEXT):
            # aiohttp resends a 307/308 hop's body, to any origin; a PLAINTEXT signature is the secrets themselves.
            raise ValueError("PLAINTEXT signatures cannot go in the body, which a redirect resends: use 'header'.")
        signs_redirect("http://a/", "http://a/", sign_redirects=sign_redirects)  # refuses any other value now
        self.signature_method = signature_method
        self.placement = placement
        self.realm = realm
        self.body_hash = body_hash
        self.parameters = dict(parameters or {})
        self.sign_redirects = sign_redirects

    def __repr__(self) -> str:
        method = (self.signature_method or SignatureMethod_HMAC_SHA1()).name
        realm = f", realm={self.realm!r}" if self.realm is not None else ""
        return (f"{type(self).__name__}({self.consumer!r}, {self.token!r}, signature_method={method!r}, "
                f"placement={self.placement!r}{realm})")

    async def __call__(
        self, request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        """Sign ``request`` (a redirect hop as one) and send it on."""
        redirected = _REDIRECTED.get()
        _REDIRECTED.set(None)
        hop = redirected if redirected is not None and redirected.auth is self and request.url in redirected.location \
            else None
        first_url, body = await self._sign(request, hop)
        response = await handler(request)
        location = response.headers.get("Location") if response.status in _REDIRECTS else None
        if location is not None:
            keeps_body = response.status in (307, 308) or (response.status in (301, 302) and request.method != "POST")
            _REDIRECTED.set(_Sent(self, first_url, _resolved(response.url, location), keeps_body, body))
        return response

    def _signs_hop(self, first_url: str, hop_url: str) -> bool:
        """Whether a redirect hop to ``hop_url`` of a request first sent to ``first_url`` is signed.

        The library's redirect rule, :func:`oauth2.signs_redirect`, with these settings: the one
        call that decides, to become the core's ``redirect_hop()`` when it has one.
        """
        return signs_redirect(first_url, hop_url, sign_redirects=self.sign_redirects,
                              signature_method=self.signature_method)

    async def _sign(self, request: aiohttp.ClientRequest, hop: Optional[_Sent]) -> Tuple[str, bytes]:
        """Sign ``request`` in place; the first URL of its redirects and the caller's body."""
        placement, url = self.placement, str(request.url)
        # A hop that keeps the body would resend the one sent, with the spent OAuth parameters in the body
        # placement (and, before aiohttp 3.12.x, nothing of a file or a stream): the caller's goes instead.
        resent = hop is not None and hop.keeps_body and bool(hop.body)
        body = hop.body if hop is not None and resent else await _body_of(request)
        if hop is not None:
            if placement == "query":
                url = _without_oauth_query(url)  # the Location may echo the previous hop's OAuth parameters
            elif placement == "body" and not body:
                placement = "query"  # a 302/303 hop is a GET without a body to carry them [§3.5.2]
            if not self._signs_hop(hop.first_url, url):
                # Sent as the caller's request; a later hop back to the first origin is signed.
                await _send_as(request, url, None, body if resent else None)
                return hop.first_url, body
        content_type = request.headers.get("Content-Type")
        signed = sign(
            request.method, url, self.consumer, self.token,
            headers={"Content-Type": content_type} if content_type else {}, body=body,
            signature_method=self.signature_method, placement=placement, realm=self.realm,
            body_hash=self.body_hash, parameters=self.parameters,
        )
        wire_body = signed.body if isinstance(signed.body, bytes) and signed.body != body else None
        await _send_as(request, signed.uri, signed.headers.get("Authorization"),
                       wire_body if wire_body is not None else body if resent else None)
        return (hop.first_url if hop is not None else url), body


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


async def _send_as(request: aiohttp.ClientRequest, url: str, authorization: Optional[str],
                   body: Optional[bytes]) -> None:
    """Put the URL, the Authorization header and (when not None) the body to send on ``request``."""
    if url != str(request.url):
        request.url = URL(url, encoded=True)  # as signed, not re-quoted
    request.headers.popall("Authorization", None)
    if authorization is not None:
        request.headers["Authorization"] = authorization
    if body is not None:
        # With the caller's Content-Type, which aiohttp takes from this payload for a 307/308 hop.
        content_type = request.headers.get("Content-Type") or "application/octet-stream"
        await request.update_body(BytesPayload(body, content_type=content_type))


def _resolved(base: URL, location: str) -> Tuple[URL, ...]:
    """The URL aiohttp follows for ``location``, re-quoted or not (``requote_redirect_url``)."""
    try:
        return tuple(base.join(URL(location, encoded=encoded)).with_fragment(None) for encoded in (False, True))
    except ValueError:
        return ()  # aiohttp will not follow it either


def _without_oauth_query(url: str) -> str:
    """``url`` without the ``oauth_`` parameters of its query, the rest as written (stand-in: _strip_oauth_query)."""
    scheme, netloc, path, query, fragment = urlsplit(url)
    kept = [p for p in query.split("&") if not unquote(p.split("=", 1)[0]).startswith("oauth_")] \
        if "oauth_" in query else None
    return url if kept is None else urlunsplit((scheme, netloc, path, "&".join(kept), fragment))


# ------------------------------------------------------------ the three-legged flow

# The core keeps private what the requests and httpx shells share (_Signer, _FlowSteps, _spelt_credentials,
# _token_response, _authorization_url, _strip_oauth_query). This module imports public names only, so it
# holds the smallest stand-ins for them, each marked "stand-in": replace them with the public names once
# the core has them.


# The options of OAuth1Client that are OAuth1's; the others are aiohttp.ClientSession's.
_SETTINGS = ("signature_method", "placement", "realm", "body_hash", "parameters", "sign_redirects",
             "client_secret", "resource_owner_key", "resource_owner_secret")


class OAuth1Client:
    """An ``aiohttp.ClientSession`` signing every request, with the three-legged flow helpers (awaitable).

    ``OAuth1Client(consumer, token=None, **options)``: ``signature_method``,
    ``placement``, ``realm``, ``body_hash``, ``parameters`` and
    ``sign_redirects`` are :class:`OAuth1`'s, the other options
    ``aiohttp.ClientSession``'s (``middlewares=`` run after the signing one).
    Make it in a coroutine, as aiohttp wants its sessions, and use it as
    ``async with``; ``request``, ``get`` and ``post`` are the session's,
    ``session`` is the session itself. The checks are those of
    :class:`oauth2.Client` (ProviderError, CallbackNotConfirmed).
    """

    def __init__(self, consumer: Union[Consumer, str], token: Union[Token, str, None] = None,
                 **options: Any) -> None:
        self.auth = OAuth1(consumer, token, **{name: options.pop(name) for name in _SETTINGS if name in options})
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

    @property
    def token(self) -> Optional[Token]:
        """The token requests are signed with; the flow steps set it."""
        return self.auth.token

    @token.setter
    def token(self, token: Optional[Token]) -> None:
        self.auth.token = token

    async def fetch_request_token(self, url: str, *, callback: str = "oob", method: str = "POST",
                                  require_callback_confirmed: bool = True, **kwargs: Any) -> Token:
        """Obtain temporary credentials [§2.1]; they become ``self.token``. Other keywords go to aiohttp."""
        self.token = None
        return await self._fetch_token(method, url, self._for_flow(None, oauth_callback=callback),
                                       require_callback_confirmed, kwargs)

    def authorization_url(self, url: str, token: Optional[Token] = None, **parameters: str) -> str:
        """Where to send the user to authorize ``token`` (default ``self.token``) [§2.2]."""
        # Stand-in: _FlowSteps.authorization_url, _authorization_url.
        token = token or self.token
        if token is None:
            raise Error("There is no request token to authorize: call fetch_request_token first.")
        scheme, netloc, path, query, fragment = urlsplit(url)
        added = "&".join(f"{escape(k)}={escape(v)}" for k, v in [("oauth_token", token.key or ""), *parameters.items()])
        return urlunsplit((scheme, netloc, path, "&".join(q for q in (query, added) if q), fragment))

    def parse_authorization_response(self, url: str) -> Dict[str, str]:
        """The ``oauth_token`` and ``oauth_verifier`` of the callback URL the user came back to [§2.2].

        The verifier is kept on ``self.token``, so that ``fetch_access_token(url)``
        needs no other. Raises oauth2.Error as ``oauth2.httpx`` does.
        """
        # Stand-in: _FlowSteps.parse_authorization_response.
        try:
            fields = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True, max_num_fields=MAX_PARAMETERS))
        except ValueError as exc:
            raise InvalidRequest(f"The callback URL cannot be read: {exc}") from None
        if self.token is None:
            raise Error("There is no request token: call fetch_request_token first, or set .token.")
        if "denied" in fields:
            raise Error("The user denied the authorization: the callback carries 'denied'.")
        if fields.get("oauth_token") != self.token.key:
            raise Error("The callback's oauth_token is not this session's request token: "
                        "it answers another authorization; start the flow again.")
        if not fields.get("oauth_verifier"):
            raise Error("The callback carries no oauth_verifier.")
        self.token.set_verifier(fields["oauth_verifier"])
        return {"oauth_token": fields["oauth_token"], "oauth_verifier": fields["oauth_verifier"]}

    async def fetch_access_token(self, url: str, verifier: Optional[str] = None, *, method: str = "POST",
                                 **kwargs: Any) -> Token:
        """Exchange the authorized request token and ``verifier`` for token credentials [§2.3]."""
        if self.token is None:
            raise Error("There is no request token: call fetch_request_token first, or set .token.")
        if verifier is not None:
            self.token.set_verifier(verifier)
        return await self._fetch_token(method, url, self._for_flow(self.token), False, kwargs)

    def _for_flow(self, token: Optional[Token], **parameters: str) -> OAuth1:
        """The session's settings with ``token`` and more protocol parameters, for one three-legged step."""
        a = self.auth
        return OAuth1(a.consumer, token, signature_method=a.signature_method, placement=a.placement, realm=a.realm,
                      body_hash=a.body_hash, parameters={**a.parameters, **parameters}, sign_redirects=a.sign_redirects)

    async def _fetch_token(self, method: str, url: str, auth: OAuth1, require_callback_confirmed: bool,
                           kwargs: Dict[str, Any]) -> Token:
        """Send one token request signed by ``auth``; the token answered becomes ``self.token``."""
        # Stand-in: _FlowSteps._took, _token_response.
        async with self.session.request(method, url, middlewares=(auth, *self._others), **kwargs) as response:
            content = await response.read()
        if not 200 <= response.status < 300:
            raise ProviderError(response.status, content, response.headers.get("WWW-Authenticate"))
        try:
            token = Token.from_string(content)
        except (InvalidRequest, TypeError) as exc:
            raise ProviderError(response.status, content) from exc
        if require_callback_confirmed and token.callback_confirmed != "true":
            raise CallbackNotConfirmed(
                "The provider did not confirm the callback (oauth_callback_confirmed); "
                "if it speaks OAuth 1.0 rather than 1.0a, pass require_callback_confirmed=False."
            )
        self.token = token
        return token


def _credentials(
    consumer: Union[Consumer, str], token: Union[Token, str, None], client_secret: Optional[str],
    resource_owner_key: Optional[str], resource_owner_secret: Optional[str],
) -> Tuple[Consumer, Optional[Token]]:
    """The Consumer and Token, given as objects or spelt as requests-oauthlib does (stand-in: _spelt_credentials)."""
    if isinstance(consumer, (str, bytes)):
        if isinstance(token, (str, bytes)):
            if client_secret is not None:
                raise TypeError("The consumer secret is given twice: as the second argument and as client_secret=.")
            client_secret, token = token, None
        if client_secret is None:
            raise TypeError("consumer must be an oauth2.Consumer, or a consumer key with its secret: "
                            "('key', 'secret') or ('key', client_secret='secret'); client_secret='' for RSA.")
        consumer = Consumer(consumer, client_secret)
    elif not isinstance(consumer, Consumer):
        raise TypeError(f"consumer must be an oauth2.Consumer or a consumer key (str), not {type(consumer).__name__}.")
    elif client_secret is not None:
        raise TypeError("client_secret= goes with a consumer key (str): this oauth2.Consumer holds its secret already.")
    if token is not None and not isinstance(token, Token):
        raise TypeError(f"token must be an oauth2.Token or None, not {type(token).__name__} "
                        "(or give the token's key and secret as resource_owner_key= and resource_owner_secret=).")
    if resource_owner_key is None and resource_owner_secret is None:
        return consumer, token
    if token is not None:
        raise TypeError("The token is given twice: as an oauth2.Token and as resource_owner_key=.")
    if resource_owner_key is None:
        raise TypeError("resource_owner_secret= needs resource_owner_key=, the token's key.")
    return consumer, Token(resource_owner_key, resource_owner_secret if resource_owner_secret is not None else "")
