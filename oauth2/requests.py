"""OAuth 1.0a for ``requests``: ``requests.get(url, auth=OAuth1(consumer, token))``.

Needs the ``requests`` package (this library's ``requests`` extra). Every
request is signed by :func:`oauth2.sign`; the body goes out as the caller
built it. :class:`OAuth1Session` also re-signs each redirect hop within the
first request's origin (see :func:`oauth2.signs_redirect`) and runs the
three-legged flow.
"""

from __future__ import annotations

import weakref
from typing import Any, NamedTuple, Optional, Union, cast

try:
    import requests
    from requests.structures import CaseInsensitiveDict
except ImportError as exc:  # pragma: no cover - exercised in a subprocess without requests
    raise ImportError(
        "oauth2.requests needs the requests package, this library's 'requests' extra: pip install requests."
    ) from exc

from . import Body, Consumer, Error, Token, redirect_hop
from .flow import FlowSteps, Signer

__all__ = ["OAuth1", "OAuth1Session"]


class _Sent(NamedTuple):
    """What a signed request was before signing, so that a redirect hop is signed from it."""

    auth: OAuth1
    method: str
    body: Union[bytes, str, None]  # a file body as the bytes read from it
    first_url: str  # of the first hop, whose origin decides which hops are signed


# Each request this module signed, so that OAuth1Session can sign its redirect
# hops; weak, so that a finished request is forgotten with its response.
_SENT: weakref.WeakKeyDictionary[requests.PreparedRequest, _Sent] = weakref.WeakKeyDictionary()


class OAuth1(Signer, requests.auth.AuthBase):
    """Signs each ``requests`` request with :func:`oauth2.sign`.

    ``OAuth1(consumer, token=None, *, signature_method=None, placement="header",
    realm=None, body_hash=None, parameters=None, sign_redirects="same-origin")``: ``signature_method``
    defaults to HMAC-SHA1; ``placement`` (``"header"``, ``"query"`` or
    ``"body"``, never PLAINTEXT in the body), ``realm`` and ``body_hash`` are
    as for :func:`oauth2.sign`; ``parameters`` are more protocol parameters to
    sign and send (``oauth_callback``). The credentials may also be spelt as in
    requests-oauthlib: ``OAuth1("key", "secret", resource_owner_key=...,
    resource_owner_secret=...)``, or ``client_secret=``. A form body (``data=`` a dict) is
    signed through its pairs, any other (``json=``, ``files=``, bytes) through
    ``oauth_body_hash``. A plain ``requests`` session does not sign redirect
    hops (it sends them without the spent signature): use
    :class:`OAuth1Session` to follow redirects signed, those that
    ``sign_redirects`` allows (see :func:`oauth2.signs_redirect`).
    """

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        self._sign(r, r.url or "")
        # A plain session copies the signed headers onto a redirect hop:
        # take the spent signature off first (see _forget_signature).
        r.hooks["response"].append(_forget_signature)
        return r

    def _sign(
        self, r: requests.PreparedRequest, first_url: str, placement: Optional[str] = None,
    ) -> None:
        body = r.body
        if body is not None and not isinstance(body, (bytes, str)) and not hasattr(body, "read"):
            raise Error(
                "oauth2.requests cannot sign a streamed (generator) body: its bytes are needed for the "
                "signature or the body hash. Pass the body as bytes or a file instead."
            )
        if r.method is None or r.url is None:
            raise Error("The request has no method or URL to sign: prepare it first.")
        # requests sends a bytes header value as is, which is latin-1 text to http.client.
        headers = {k: v.decode("latin-1") if isinstance(v, bytes) else v for k, v in r.headers.items()}
        signed = self._signed(r.method, r.url, headers, cast(Body, body), placement)
        # What a 307/308 hop resends: the caller's body, a file as the bytes read from it, never
        # with the OAuth parameters that body placement appends.
        _SENT[r] = _Sent(self, r.method, body if isinstance(body, (bytes, str, type(None))) else signed.request.body,
                         first_url)
        r.url = signed.uri
        r.headers = CaseInsensitiveDict(signed.headers)
        if signed.body is not body:
            # A file read once, or the OAuth parameters appended to a form body:
            # bytes either way, as sign() returns a file body as its bytes.
            r.body = cast(bytes, signed.body)
            r.prepare_content_length(r.body)
            # requests noted where the file stood, to rewind it for a redirect; bytes need no rewinding.
            r._body_position = None  # type: ignore[attr-defined]  # requests' own attribute, untyped


def _forget_signature(response: requests.Response, **kwargs: Any) -> requests.Response:
    """Take the spent signature off a redirected request, which a session copies to the next hop.

    Its nonce is used up, and a PLAINTEXT signature is the secrets themselves:
    the Authorization header goes, and a body that carries the OAuth
    parameters is the caller's again (a 307/308 hop resends it).
    """
    if response.is_redirect:
        request = response.request
        request.headers.pop("Authorization", None)
        sent = _SENT.get(request)
        if sent is not None and request.body is not sent.body:
            request.body = sent.body
            request.prepare_content_length(sent.body)
    return response


class OAuth1Session(FlowSteps, requests.Session):
    """A ``requests.Session`` that signs every request, each redirect hop afresh.

    ``OAuth1Session(consumer, token=None, **options)`` with the options of
    :class:`OAuth1`. A redirect hop within the first request's origin is
    signed with a fresh nonce; one to another origin goes without OAuth
    parameters unless ``sign_redirects="all"`` (never PLAINTEXT; see
    :func:`oauth2.signs_redirect`).
    ``fetch_request_token``, ``authorization_url``, ``parse_authorization_response``
    and ``fetch_access_token`` run the three-legged flow with the same checks as
    :class:`oauth2.Client`.
    """

    def __init__(self, consumer: Union[Consumer, str], token: Union[Token, str, None] = None,
                 **options: Any) -> None:
        super().__init__()
        self.auth: OAuth1 = OAuth1(consumer, token, **options)

    @property
    def _signer(self) -> OAuth1:  # type: ignore[override]  # the session's auth holds the settings
        return self.auth

    def rebuild_auth(self, prepared_request: requests.PreparedRequest, response: requests.Response) -> None:
        """Make a redirect hop from the caller's request as :func:`oauth2.redirect_hop` says: signed afresh, or bare."""
        prepared_request.headers.pop("Authorization", None)
        sent = _SENT.get(response.request)
        if sent is None:
            super().rebuild_auth(prepared_request, response)  # type: ignore[no-untyped-call]  # untyped in types-requests
            return
        auth = sent.auth
        hop = redirect_hop(sent.first_url, prepared_request.url or "", response.status_code, sent.method, sent.body,
                           placement=auth.placement, sign_redirects=auth.sign_redirects,
                           signature_method=auth.signature_method)
        prepared_request.url, prepared_request.method = hop.url, hop.method
        for name in hop.drop_headers:
            prepared_request.headers.pop(name, None)
        body = cast(Union[bytes, str, None], hop.body)  # the caller's body that _Sent holds, or None
        if body is not None and prepared_request.body is not body:
            prepared_request.body = body
            prepared_request.prepare_content_length(body)
        if not hop.signed:
            # Sent without OAuth parameters; a later hop back to the first origin is signed.
            _SENT[prepared_request] = sent._replace(method=hop.method, body=body)
            return
        auth._sign(prepared_request, sent.first_url, hop.placement)

    def fetch_request_token(
        self,
        url: str,
        *,
        callback: str = "oob",
        method: str = "POST",
        require_callback_confirmed: bool = True,
        **kwargs: Any,
    ) -> Token:
        """Obtain temporary credentials [§2.1]; they become ``self.token``.

        ``callback`` is sent as ``oauth_callback`` (``oob`` for PIN-based
        flows); other keywords go to ``requests``. Raises ProviderError for an
        error answer and CallbackNotConfirmed unless the provider confirmed the
        callback (pass ``require_callback_confirmed=False`` for OAuth 1.0).
        """
        response = self.request(method, url, auth=self._request_token_signer(callback), **kwargs)
        return self._took(response, require_callback_confirmed)

    def fetch_access_token(self, url: str, verifier: Optional[str] = None, *, method: str = "POST",
                           **kwargs: Any) -> Token:
        """Exchange the authorized request token and ``verifier`` for token credentials [§2.3].

        The new token becomes ``self.token``; other keywords go to ``requests``.
        """
        response = self.request(method, url, auth=self._access_token_signer(verifier), **kwargs)
        return self._took(response)
