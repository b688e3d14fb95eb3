"""What the shells share: a signer's settings and the three-legged steps [§2].

``oauth2.requests``, ``oauth2.httpx``, ``oauth2.aiohttp`` and other shells
build on these classes, which use only oauth2's public functions:
:class:`Signer` holds and checks the settings an auth signs with (a thin
shell over :func:`oauth2.sign`), :func:`signer_options` takes them out of a
client's options; :class:`FlowSteps` gives a session ``token``,
``authorization_url`` and ``parse_authorization_response``, and the settings
for the token requests of the flow; :class:`AsyncFlowSteps` adds the
awaitable token requests of an async client.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, NamedTuple, Optional, Tuple, Union
from urllib.parse import urlsplit

from . import (
    Body,
    Consumer,
    Error,
    SignatureMethod,
    SignatureMethod_HMAC_SHA1,
    SignatureMethod_PLAINTEXT,
    Signed,
    Text,
    Token,
    authorization_url,
    body_bytes,
    check_placement,
    check_sign_redirects,
    parse_form,
    redirect_hop,
    sign,
    to_unicode,
    token_from_response,
)

__all__ = ["Signer", "Redirected", "Prepared", "FlowSteps", "AsyncFlowSteps", "spelt_credentials", "signer_options"]


class Redirected(NamedTuple):
    """A request prepared by :meth:`Signer.prepare`, as the hop of its redirect is made from it."""

    first_url: str  #: of the chain's first request, whose origin decides which hops are signed
    method: str  #: of the redirected request
    body: Body  #: the caller's body, which a hop that keeps the method resends; None: the library resends none


class Prepared(NamedTuple):
    """What a shell puts on a request before it goes: see :meth:`Signer.prepare`."""

    url: str  #: where it goes, with the OAuth parameters in the query placement
    authorization: Optional[str]  #: its Authorization header, or None: it goes without one
    drop_headers: Tuple[str, ...]  #: the (lower-case) headers to take off it first, Authorization among them
    body: bytes  #: the body it sends, with the OAuth parameters in the body placement
    redirected: Redirected  #: what to make the hop of its redirect from, if the library follows one


class Signer:
    """What the requests, httpx and aiohttp auths sign with, checked once: a thin shell over :func:`sign`.

    The credentials are a Consumer and a Token, or spelt as requests-oauthlib
    and Authlib spell them (see :func:`spelt_credentials`).
    """

    def __init__(
        self,
        consumer: Union[Consumer, Text],
        token: Union[Token, Text, None] = None,
        *,
        signature_method: Optional[SignatureMethod] = None,
        placement: str = "header",
        realm: Optional[str] = None,
        body_hash: Optional[bool] = None,
        parameters: Optional[Mapping[str, Any]] = None,
        sign_redirects: str = "same-origin",
        client_secret: Optional[Text] = None,
        resource_owner_key: Optional[Text] = None,
        resource_owner_secret: Optional[Text] = None,
        **unexpected: Any,
    ) -> None:
        if unexpected:
            # Python would name this private class: name the one the caller used.
            raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument {next(iter(unexpected))!r}")
        self.consumer, self.token = spelt_credentials(
            consumer, token, client_secret, resource_owner_key, resource_owner_secret
        )
        check_placement(placement)
        if placement == "body" and isinstance(signature_method, SignatureMethod_PLAINTEXT):
            # requests, httpx and aiohttp send a 307/308 hop the same body, to any origin; a
            # PLAINTEXT signature is the secrets themselves.
            raise ValueError("PLAINTEXT signatures cannot go in the body, which a redirect resends: use 'header'.")
        check_sign_redirects(sign_redirects)
        self.signature_method = signature_method
        self.placement = placement
        self.realm = realm
        self.body_hash = body_hash
        self.parameters = dict(parameters or {})
        self.sign_redirects = sign_redirects

    def __repr__(self) -> str:
        method = self.signature_method.name if self.signature_method is not None else SignatureMethod_HMAC_SHA1.name
        realm = f", realm={self.realm!r}" if self.realm is not None else ""
        return (f"{type(self).__name__}({self.consumer!r}, {self.token!r}, signature_method={method!r}, "
                f"placement={self.placement!r}{realm})")

    def _signed(
        self, method: str, uri: str, headers: Mapping[str, str], body: Body, placement: Optional[str] = None
    ) -> Signed:
        """:func:`sign` with these settings (``placement`` overriding the usual one for a redirect hop)."""
        return sign(
            method, uri, self.consumer, self.token, headers=headers, body=body,
            signature_method=self.signature_method, placement=placement or self.placement, realm=self.realm,
            body_hash=self.body_hash, parameters=self.parameters,
        )

    def prepare(self, method: str, url: str, body: Body, *, content_type: Optional[str] = None,
                hop_of: Optional[Redirected] = None) -> Prepared:
        """Sign a request with these settings, or make it a redirect hop of ``hop_of`` as :func:`redirect_hop` says.

        ``method`` and ``url`` are the request's as its HTTP library sends them,
        ``body`` and ``content_type`` the caller's. For a hop, ``method`` is the
        one the library chose by its own rules (httpx and aiohttp choose it
        before a hook or a middleware sees the hop) and the body is
        ``hop_of``'s again, whatever the library would resend: a hop within
        the first request's origin is signed afresh; any other goes bare,
        without Authorization and with the caller's body, and a later hop back
        to the first origin is signed.
        """
        first_url, placement, signs = url, self.placement, True
        drop: Tuple[str, ...] = ("authorization",)  # a stale one the caller set, or one a library copied
        if hop_of is not None:
            hop = redirect_hop(hop_of.first_url, url, None, hop_of.method, hop_of.body, hop_method=method,
                               placement=placement, sign_redirects=self.sign_redirects,
                               signature_method=self.signature_method)
            first_url, url, placement, signs, drop, body = (hop_of.first_url, hop.url, hop.placement, hop.signed,
                                                            hop.drop_headers, hop.body)
            content_type = None if "content-type" in drop else content_type
        unsigned = body_bytes(body)
        redirected = Redirected(first_url, method, unsigned)
        if not signs:
            return Prepared(url, None, drop, unsigned, redirected)
        signed = self._signed(method, url, {"Content-Type": content_type} if content_type else {}, unsigned, placement)
        return Prepared(signed.uri, signed.headers.get("Authorization"), drop, body_bytes(signed.body), redirected)

    def _for_flow(self, token: Optional[Token], **parameters: str) -> Any:
        """The same settings with ``token`` and more protocol parameters, for one three-legged step."""
        return type(self)(
            self.consumer, token, signature_method=self.signature_method, placement=self.placement,
            realm=self.realm, body_hash=self.body_hash, parameters={**self.parameters, **parameters},
            sign_redirects=self.sign_redirects,
        )


# The keyword options of Signer that a client takes beside its HTTP library's.
_SIGNER_OPTIONS = ("signature_method", "placement", "realm", "body_hash", "parameters", "sign_redirects",
                   "client_secret", "resource_owner_key", "resource_owner_secret")


def signer_options(options: Dict[str, Any]) -> Dict[str, Any]:
    """Take :class:`Signer`'s keyword options out of a client's ``options``: those left are its HTTP library's."""
    return {name: options.pop(name) for name in _SIGNER_OPTIONS if name in options}


def spelt_credentials(
    consumer: Union[Consumer, Text],
    token: Union[Token, Text, None],
    client_secret: Optional[Text],
    resource_owner_key: Optional[Text],
    resource_owner_secret: Optional[Text],
) -> Tuple[Consumer, Optional[Token]]:
    """The Consumer and Token, given as objects or spelt as requests-oauthlib does.

    ``("key", "secret")`` or ``("key", client_secret="secret")`` is the
    consumer; ``resource_owner_key=`` and ``resource_owner_secret=`` the token.
    A credential given twice is a TypeError, as is a token key in the place of
    a Token (with a Consumer, the second argument is the Token).
    """
    if isinstance(consumer, (str, bytes, bytearray)):
        if isinstance(token, (str, bytes, bytearray)):
            if client_secret is not None:
                raise TypeError("The consumer secret is given twice: as the second argument and as client_secret=.")
            client_secret, token = token, None
        if client_secret is None:
            # An empty secret said aloud, for RSA; never one assumed, which HMAC would sign with.
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


class FlowSteps:
    """The three-legged steps that do no I/O [§2], shared by the requests, httpx and aiohttp sessions.

    A session keeps its settings in ``_signer``; each step signs with a copy
    of them that carries the step's token and parameters.
    """

    _signer: Signer

    @property
    def token(self) -> Optional[Token]:
        """The token requests are signed with; the flow steps set it."""
        return self._signer.token

    @token.setter
    def token(self, token: Optional[Token]) -> None:
        self._signer.token = token

    def authorization_url(self, url: str, token: Optional[Token] = None, **parameters: str) -> str:
        """Where to send the user to authorize ``token`` (default ``self.token``) [§2.2]."""
        return authorization_url(url, token or self.token, parameters)

    def parse_authorization_response(self, url: Text) -> Dict[str, str]:
        """The ``oauth_token`` and ``oauth_verifier`` of the callback URL the user came back to [§2.2].

        The verifier is kept on ``self.token``, so that ``fetch_access_token(url)``
        needs no other (as in requests-oauthlib). Raises oauth2.Error when there
        is no request token yet, when the callback carries another token than
        ``self.token`` or no verifier, or says the user denied access.
        """
        # urlsplit, not split_url: the callback may come as a path and query only (a framework's full_path).
        fields = dict(parse_form(urlsplit(to_unicode(url)).query, source="callback URL"))
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

    def _request_token_signer(self, callback: str) -> Any:
        """The settings to ask for temporary credentials with [§2.1]; the token is forgotten first."""
        self.token = None
        return self._signer._for_flow(None, oauth_callback=callback)

    def _access_token_signer(self, verifier: Optional[str]) -> Any:
        """The settings to exchange the request token and ``verifier`` with [§2.3]."""
        if self.token is None:
            raise Error("There is no request token: call fetch_request_token first, or set .token.")
        if verifier is not None:
            self.token.set_verifier(verifier)
        return self._signer._for_flow(self.token)

    def _took(self, response: Any, require_callback_confirmed: bool = False) -> Token:
        """The token of the provider's answer (a requests or httpx response), which becomes ``self.token``."""
        return self._took_answer(response.status_code, response.content, response.headers.get("WWW-Authenticate"),
                                 require_callback_confirmed)

    def _took_answer(self, status: int, content: bytes, authenticate: Optional[str],
                     require_callback_confirmed: bool = False) -> Token:
        """The token of the provider's answer (status, content, ``WWW-Authenticate``), which becomes ``self.token``."""
        self.token = token_from_response(status, content, authenticate,
                                         require_callback_confirmed=require_callback_confirmed)
        return self.token


class AsyncFlowSteps(FlowSteps):
    """:class:`FlowSteps` with the awaitable token requests [§2.1, §2.3], shared by httpx's and aiohttp's async clients.

    A client sends each token request with its ``_token_answer(method, url,
    signer, kwargs)``: signed by ``signer`` (an auth of the client's own
    library, with the step's token and parameters) in the place of the
    client's usual one, ``kwargs`` the library's own options; it returns the
    answer's status, content and ``WWW-Authenticate`` header. The checks are
    those of :class:`oauth2.Client` (ProviderError, CallbackNotConfirmed).
    """

    async def fetch_request_token(self, url: str, *, callback: str = "oob", method: str = "POST",
                                  require_callback_confirmed: bool = True, **kwargs: Any) -> Token:
        """Obtain temporary credentials [§2.1]; they become ``self.token``. Other keywords go to the HTTP library."""
        answer = await self._token_answer(method, url, self._request_token_signer(callback), kwargs)
        return self._took_answer(*answer, require_callback_confirmed)

    async def fetch_access_token(self, url: str, verifier: Optional[str] = None, *, method: str = "POST",
                                 **kwargs: Any) -> Token:
        """Exchange the authorized request token and ``verifier`` for token credentials [§2.3]."""
        answer = await self._token_answer(method, url, self._access_token_signer(verifier), kwargs)
        return self._took_answer(*answer)

    async def _token_answer(self, method: str, url: str, signer: Any,
                            kwargs: Dict[str, Any]) -> Tuple[int, bytes, Optional[str]]:
        """Send one token request signed by ``signer``: the answer's status, content and ``WWW-Authenticate``."""
        raise NotImplementedError(f"{type(self).__name__} must send token requests: define _token_answer")
