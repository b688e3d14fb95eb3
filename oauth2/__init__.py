"""OAuth 1.0a (RFC 5849) for Python 3: sign requests as a client, verify them as a provider.

The drop-in successor of python-oauth2 1.9: ``import oauth2 as oauth`` and
1.9's code runs as it did. The main entry points:

* ``Consumer(key, secret)`` and ``Token(key, secret)``: the credentials.
* ``sign(method, url, consumer, token, ...)``: sign a request for any HTTP
  library; it returns the URL, headers and body to send.
* ``Client(consumer, token)``: an ``httplib2.Http`` that signs every request,
  with the three-legged flow (``fetch_request_token``, ``authorization_url``,
  ``fetch_access_token``).
* ``oauth2.requests`` and ``oauth2.httpx``: ``OAuth1`` auths and sessions for
  those libraries (the ``requests`` and ``httpx`` extras).
* ``Server(signature_methods)`` with ``Request.from_wsgi`` / ``from_asgi`` /
  ``from_request``: verify signed requests as a provider, with replay
  protection (``MemoryNonceStore``, ``RedisNonceStore``); ``verify(...)``, the
  signature check alone, under ``Server.verify_request``.
* ``SignatureMethod_HMAC_SHA1`` (the default), HMAC-SHA256/512, PLAINTEXT and
  RSA-SHA1/256/512 (the ``rsa`` extra).
* ``explain(request)``: the signature base string and its parts, to find out
  why a provider refuses a signature.
* ``oauth2.provider.Provider``: a provider on 127.0.0.1 for tests; the
  ``oauth2`` command signs, sends, logs in and serves it (``oauth2 --help``).

Errors are ``oauth2.Error`` subclasses with an HTTP ``status`` and an
``oauth_problem``. ``help(oauth2.sign)`` and the README say more.
"""

# For readers of the code: the module reads top to bottom in RFC order, as
# the plain-core design note lays it out: 1. errors, 2. encoding, 3. credentials,
# 4. the signature base string, 5. signature methods, 6. transmission, 7. sign(),
# verify and redirect_hop(), 8. the Server, 9. the 1.9 Request dict, 10. the
# httplib2 Client. Sections 2-7 are pure: pairs in, strings out, no I/O, no
# clock and no randomness they are not handed. Three speed tricks remain, each
# with its reason in its docstring and a hypothesis test against the plain
# version in tests/test_encoding.py (_is_unreserved, _BYTE_ENCODED) and tests/test_base_string.py (_PLAIN_URL).

from __future__ import annotations

import base64
import binascii
import codecs
import hashlib
import heapq
import hmac
import importlib
import importlib.util
import inspect
import io
import ipaddress
import itertools
import operator
import os
import re
import secrets
import threading
import time
from typing import (
    IO,
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    MutableMapping,
    NamedTuple,
    Optional,
    Sequence,
    Set,
    Sized,
    Tuple,
    Union,
)
from urllib.parse import parse_qsl, quote, unquote, unquote_to_bytes, urlencode, urlsplit, urlunsplit

import httplib2

if TYPE_CHECKING:
    import sqlite3
    from hashlib import _Hash

__version__ = "2.0.0"

# What help() and ``from oauth2 import *`` show: 1.9's names, then this library's additions.
__all__ = [
    # python-oauth2 1.9
    "OAUTH_VERSION",
    "HTTP_METHOD",
    "SIGNATURE_METHOD",
    "Error",
    "MissingSignature",
    "to_unicode",
    "to_utf8",
    "to_unicode_if_string",
    "to_utf8_if_string",
    "to_unicode_optional_iterator",
    "to_utf8_optional_iterator",
    "escape",
    "generate_timestamp",
    "generate_nonce",
    "generate_verifier",
    "setter",
    "build_authenticate_header",
    "build_xoauth_string",
    "Consumer",
    "Token",
    "Request",
    "SignatureMethod",
    "SignatureMethod_HMAC_SHA1",
    "SignatureMethod_PLAINTEXT",
    "Server",
    "Client",
    # added
    "FORM_CONTENT_TYPE",
    "MAX_PARAMETERS",
    "InvalidRequest",
    "MissingParameter",
    "UnsupportedSignatureMethod",
    "VersionRejected",
    "TimestampRefused",
    "NonceUsed",
    "ConsumerKeyRejected",
    "TokenRejected",
    "InvalidSignature",
    "BodyHashMismatch",
    "ServiceUnavailable",
    "NonceStoreLost",
    "CallbackNotConfirmed",
    "ProviderError",
    "parse_authorization_header",
    "base_string_uri",
    "normalize_parameters",
    "signature_base_string",
    "SignatureBase",
    "explain",
    "SignatureMethod_HMAC_SHA256",
    "SignatureMethod_HMAC_SHA512",
    "SignatureMethod_RSA_SHA1",
    "SignatureMethod_RSA_SHA256",
    "SignatureMethod_RSA_SHA512",
    "sign",
    "Signed",
    "verify",
    "signs_redirect",
    "build_xoauth2_string",
    "NonceStore",
    "MemoryNonceStore",
    "SQLiteNonceStore",
    "RedisNonceStore",
    "AsyncRedisNonceStore",
    "clear_caches",
    "Hop",
    "redirect_hop",
    "check_placement",
    "check_sign_redirects",
    "token_from_response",
    "authorization_url",
    "parse_form",
    "encode_form",
    "split_url",
    "media_type",
    "body_bytes",
    "authorization_header",
]


def __dir__() -> List[str]:
    """What ``dir(oauth2)`` shows: the public API, not the modules and typing names it imports."""
    return sorted([*__all__, "__version__"])


OAUTH_VERSION = "1.0"  # Hi Blaine!
HTTP_METHOD = "GET"
SIGNATURE_METHOD = "PLAINTEXT"

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
# How many parameters a received request (or credentials response) may carry
# by default, as Django's DATA_UPLOAD_MAX_NUMBER_FIELDS: beyond it, parsing is
# work done for an attacker before any credential is checked.
MAX_PARAMETERS = 1000

Text = Union[str, bytes, bytearray]
Pair = Tuple[str, str]
Body = Union[str, bytes, IO[bytes], None]


# ------------------------------------------------------------------------ 1. errors


class Error(RuntimeError):
    """Base class of every OAuth error; ``str(error)`` never contains a secret.

    ``status`` is the HTTP status RFC 5849 §3.2 assigns to the failure and
    ``oauth_problem`` its name in the OAuth Problem Reporting extension.
    """

    status = 400
    oauth_problem: Optional[str] = None

    def __init__(self, message: str = "OAuth error occurred.") -> None:
        super().__init__(message)
        self._message = message

    @property
    def message(self) -> str:
        """The error message (as in 1.9)."""
        return self._message

    def __str__(self) -> str:
        return self._message

    def authenticate_header(self, realm: str = "") -> Dict[str, str]:
        """The ``WWW-Authenticate`` header a provider sends back with ``status``."""
        return build_authenticate_header(realm, problem=self.oauth_problem)


class InvalidRequest(Error, ValueError):
    """Input that cannot be parsed: a header, query, body, URL or token string [§3.2]."""

    oauth_problem = "parameter_rejected"


class _NotUTF8(InvalidRequest, TypeError):
    """Bytes that are not UTF-8: a parse error, and the TypeError that 1.9 raised for them."""


class MissingParameter(Error):
    """A parameter that RFC 5849 §3.1 requires is absent."""

    oauth_problem = "parameter_absent"

    def __init__(self, parameter: str) -> None:
        super().__init__(f"Missing OAuth parameter: {parameter}.")
        self.parameter = parameter


class MissingSignature(MissingParameter):
    """The request carries no ``oauth_signature`` (kept from 1.9)."""

    def __init__(self, message: Optional[str] = None) -> None:
        super().__init__("oauth_signature")
        if message:
            self._message = message


class UnsupportedSignatureMethod(Error):
    """The signature method is unknown to, or refused by, the server [§3.2]."""

    oauth_problem = "signature_method_rejected"


class VersionRejected(Error):
    """``oauth_version`` is present and is not ``1.0`` [§3.1]."""

    oauth_problem = "version_rejected"


class TimestampRefused(Error):
    """The timestamp lies outside the server's window [§3.3]."""

    status = 401
    oauth_problem = "timestamp_refused"


class NonceUsed(Error):
    """The (consumer, token, timestamp, nonce) combination was seen before [§3.3]."""

    status = 401
    oauth_problem = "nonce_used"


class ConsumerKeyRejected(Error):
    """The request names another consumer than the one it is verified against."""

    status = 401
    oauth_problem = "consumer_key_rejected"


class TokenRejected(Error):
    """The request names another token than the one it is verified against."""

    status = 401
    oauth_problem = "token_rejected"


class InvalidSignature(Error):
    """The signature does not match [§3.2].

    ``base_string`` holds the signature base string the server computed, for
    debugging; it is never part of ``str(error)``.
    """

    status = 401
    oauth_problem = "signature_invalid"

    def __init__(self, message: str = "Invalid signature.", base_string: Optional[str] = None) -> None:
        super().__init__(message)
        self.base_string = base_string


class BodyHashMismatch(InvalidSignature):
    """``oauth_body_hash`` does not match the received body (body hash extension §3.2)."""


class ServiceUnavailable(Error):
    """The server cannot record the nonce right now; the client may sign the request again and retry.

    The nonce may have been recorded all the same (a store that timed out after
    writing it), so a retry needs a new nonce: the same request would be a replay.
    """

    status = 503


class NonceStoreLost(ServiceUnavailable):
    """The nonce store lost its records (a Redis restarted without persistence) at ``lost_at``.

    A request timestamped before ``lost_at`` plus the window may be a replay of
    one accepted before the loss, so it is refused. ``added`` says whether this
    request's nonce was new to the store. A :class:`Server` refines the store's
    conservative bound with its own thresholds.
    """

    def __init__(
        self, message: str = "The nonce store lost its records.", lost_at: float = 0.0, added: bool = False
    ) -> None:
        super().__init__(message)
        self.lost_at = lost_at
        self.added = added


class CallbackNotConfirmed(Error):
    """The provider did not confirm the callback, as an OAuth 1.0a provider does [§2.1]."""


class ProviderError(Error):
    """A provider answered a credentials request with an error status.

    Carries the response's ``status``, its ``oauth_problem`` (OAuth Problem
    Reporting) when it names one, and ``body``, the start of the response.
    """

    def __init__(self, status: int, body: bytes, authenticate: Optional[str] = None) -> None:
        text = body[:300].decode("utf-8", "replace")
        problem = dict(parse_qsl(text)).get("oauth_problem") if b"oauth_problem=" in body else None
        if problem is None and authenticate:
            # Problem Reporting also allows naming it in WWW-Authenticate only.
            try:
                problem = dict(parse_authorization_header(authenticate)[0]).get("oauth_problem")
            except InvalidRequest:
                problem = None
        detail = f" ({problem})" if problem else ""
        # A token answer holds oauth_token_secret: neither the message nor ``body`` shows it.
        text = _redacted(text)
        super().__init__(f"The provider answered {status}{detail}: {text[:120]!r}")
        self.status = status
        self.oauth_problem = problem
        self.body = text


# What an error message or a repr() shows in place of a secret, as Consumer's and Token's repr() do.
_MASK = "***"
# The parameters whose values are secrets: a PLAINTEXT signature is the two secrets themselves.
_SECRET_PARAMETERS = frozenset({"oauth_signature", "oauth_token_secret"})
# A secret parameter's value in a query, a form body or an Authorization header (quoted there).
_SECRET_VALUE = re.compile(r"(?i)(oauth(?:_|%5f)(?:signature|token(?:_|%5f)secret)\s*=\s*)(\"[^\"]*\"?|[^&;,\s\"']*)")
# An authority, up to the path, query or fragment: after '//' in a URL, or quoted by urlsplit's
# "netloc '...' contains invalid characters" error.
_QUOTED_AUTHORITY = re.compile(r"(?://|netloc ')([^/?#]*)")


def _redacted(text: str) -> str:
    """``text`` as an error or a repr() may show it: secret parameter values and userinfo passwords masked.

    The values of ``oauth_signature`` (a PLAINTEXT one is the secrets
    themselves) and ``oauth_token_secret`` are masked wherever they stand, in
    a URL, a form body or an Authorization header; so is the password of a
    URL's userinfo (up to the authority's last ``@``, as urlsplit reads it).
    Every message that quotes a URL quotes it through this. Linear in ``text``.
    """
    text = _QUOTED_AUTHORITY.sub(_mask_password, text)
    return _SECRET_VALUE.sub(lambda m: m[1] + (f'"{_MASK}"' if m[2].startswith('"') else _MASK), text)


def _mask_password(match: re.Match[str]) -> str:
    """The authority ``match`` found, its userinfo password masked."""
    userinfo, at, host = match[1].rpartition("@")
    user, colon, _ = userinfo.partition(":")
    if not (at and colon):
        return match[0]
    return f"{match[0][: match.start(1) - match.start()]}{user}:{_MASK}@{host}"


# ----------------------------------------------------------------- 2. encoding (§3.6)


def to_unicode(s: Text) -> str:
    """Return ``s`` as text; bytes must be UTF-8. Anything else is a TypeError, as in 1.9."""
    if not isinstance(s, (str, bytes, bytearray)):
        raise TypeError(f"to_unicode needs str or UTF-8 bytes, not {type(s).__name__}")
    return _text(s, "value")


def to_utf8(s: Text) -> bytes:
    """Return ``s`` as UTF-8 bytes. Anything but str or bytes is a TypeError, as in 1.9."""
    return to_unicode(s).encode("utf-8")


def to_unicode_if_string(s: Any) -> Any:
    """Return ``s`` as text if it is str or bytes, else unchanged."""
    return to_unicode(s) if isinstance(s, (str, bytes)) else s


def to_utf8_if_string(s: Any) -> Any:
    """Return ``s`` as UTF-8 bytes if it is str or bytes, else unchanged."""
    return to_utf8(s) if isinstance(s, (str, bytes)) else s


def to_unicode_optional_iterator(x: Any) -> Any:
    """Return ``x`` as text, or a list of texts if ``x`` is a non-string iterable."""
    if isinstance(x, (str, bytes, bytearray)):
        return to_unicode(x)
    if not isinstance(x, Iterable):
        return x
    return [to_unicode(e) for e in x]


def to_utf8_optional_iterator(x: Any) -> Any:
    """Return ``x`` as UTF-8 bytes, or a list of them if ``x`` is a non-string iterable."""
    if isinstance(x, (str, bytes, bytearray)):
        return to_utf8(x)
    if not isinstance(x, Iterable):
        return x
    return [to_utf8(e) for e in x]


def _text(value: object, what: str) -> str:
    """One parameter value as text: str, UTF-8 bytes, int or bool (``true``/``false``).

    A str subclass (a ``str`` Enum, say) gives its text as a plain str, and an
    int subclass (an IntEnum) its digits, never the member's name.
    """
    if type(value) is str:
        return value
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise _NotUTF8(f"The {what} is not UTF-8.") from None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
    raise TypeError(f"{what} must be str, UTF-8 bytes or int, not {type(value).__name__}")


# RFC 5849 §3.6: the unreserved characters go as they are, every other byte
# of the UTF-8 encoding as %XX.
_UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
_UNRESERVED_RUN = re.compile(r"[A-Za-z0-9._~-]*")


def _is_unreserved(text: str) -> bool:
    """Whether ``text`` holds unreserved characters only, so that percent-encoding leaves it as it is [§3.6].

    A speed trick, the first of three: most names and values (keys, nonces,
    timestamps, ids) have nothing to encode, and one regex match tells so in C
    where encoding would build a new string. True of a concatenation exactly
    when true of each part, so one call covers many strings without any
    separator. tests/test_encoding.py checks it against the definition.
    """
    return _UNRESERVED_RUN.fullmatch(text) is not None


# Byte b to what it encodes to. A speed trick, the second of three:
# codecs.charmap_decode writes each byte through this table in one C loop,
# where quote() walks the bytes in Python (28% of signing 40 parameters).
# tests/test_encoding.py checks _percent_encode against the byte-by-byte definition.
_BYTE_ENCODED = [chr(b) if chr(b) in _UNRESERVED else f"%{b:02X}" for b in range(256)]


def _percent_encode(text: str) -> str:
    """``text`` percent-encoded as RFC 5849 §3.6 says: UTF-8, then all but ALPHA DIGIT ``-._~`` as %XX."""
    if _is_unreserved(text):
        return text
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidRequest("Text with a lone surrogate cannot be UTF-8 encoded.") from None
    # A table of strings is what charmap_decode takes; older typesheds know only int-valued ones.
    return codecs.charmap_decode(raw, "strict", _BYTE_ENCODED)[0]  # type: ignore[arg-type, unused-ignore]


def _encoded_pairs(pairs: Sequence[Pair]) -> Sequence[Pair]:
    """Each name and value percent-encoded [§3.6]; ``pairs`` themselves when none needs it, as is usual."""
    if _is_unreserved("".join(itertools.chain.from_iterable(pairs))):
        return pairs
    return [pair if _is_unreserved(pair[0] + pair[1]) else (_percent_encode(pair[0]), _percent_encode(pair[1]))
            for pair in pairs]


def escape(s: Union[Text, int]) -> str:
    """Percent-encode ``s`` as RFC 5849 §3.6 says: UTF-8, then all but ALPHA DIGIT ``-._~``."""
    return _percent_encode(s if type(s) is str else _text(s, "value"))


def parse_form(form: Text, *, source: str = "form body") -> List[Pair]:
    """Decode an ``application/x-www-form-urlencoded`` string (a body or a query) into pairs [§3.4.1.3.1].

    Each name and value is decoded exactly once, ``+`` as a space; empty
    values and names without ``=`` are kept as empty values. Bytes must be
    UTF-8, and so must the percent-decoded text, else :class:`InvalidRequest`
    (naming ``source``). Linear in the input.
    """
    text = form if type(form) is str else _text(form, source)
    if "+" in text:
        text = text.replace("+", " ")  # before decoding, so that an encoded plus (%2B) stays a plus
    fields = [field.partition("=")[::2] for field in text.split("&") if field]  # (name, value)
    if "%" not in text:
        return fields
    try:
        return [(_percent_decoded(name), _percent_decoded(value)) for name, value in fields]
    except UnicodeError:  # not UTF-8 once decoded, or a lone surrogate
        raise InvalidRequest(f"The {source} is not UTF-8 once percent-decoded.") from None


def _percent_decoded(s: str) -> str:
    """``s`` with its %XX escapes decoded, the bytes read as UTF-8 (strictly); a ``%`` without two hex digits kept.

    unquote_to_bytes decodes the whole string in one pass, where unquote
    splits it into ASCII runs and decodes each: the same text (a run of raw
    characters is whole UTF-8 sequences, which cannot complete an escaped one)
    in half the time, most of signing a form or query of many values.
    """
    return unquote_to_bytes(s).decode("utf-8") if "%" in s else s


def encode_form(pairs: Iterable[Pair]) -> str:
    """``name=value&...``, each name and value percent-encoded [§3.6]: a form body or a query [§3.5.2, §3.5.3]."""
    return "&".join([f"{name}={value}" for name, value in _encoded_pairs(list(pairs))])


def generate_timestamp() -> int:
    """Seconds since the epoch, as an int [§3.3]."""
    return int(time.time())


def generate_nonce(length: int = 8) -> str:
    """A string of ``length`` random decimal digits (1.9's contract).

    Eight digits carry about 27 bits: few enough for two requests in the same
    second to share a nonce now and then, which a provider refuses as a
    replay. Requests signed by this library use ``Request.make_nonce()``
    (96 random bits); call it for a nonce of your own.
    """
    return "".join(secrets.choice("0123456789") for _ in range(length))


def generate_verifier(length: int = 8) -> str:
    """A verification code of ``length`` random decimal digits [§2.2]."""
    return "".join(secrets.choice("0123456789") for _ in range(length))


def setter(attr: Callable[[Any, Any], None]) -> property:
    """Make a property whose setter is ``attr`` and whose value lives in ``__dict__`` (1.9 API)."""
    name = attr.__name__

    def getter(self: Any) -> Any:
        try:
            return self.__dict__[name]
        except KeyError:
            raise AttributeError(name) from None

    def deleter(self: Any) -> None:
        del self.__dict__[name]

    return property(getter, attr, deleter)


def _quoted_string(value: str) -> str:
    """``value`` as an RFC 7230 quoted-string, so that it cannot end the header parameter."""
    if any(c in value for c in "\r\n\0"):
        raise ValueError("a header value cannot contain CR, LF or NUL")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def build_authenticate_header(realm: str = "", problem: Optional[str] = None) -> Dict[str, str]:
    """The ``WWW-Authenticate`` header of a 401 response [§3.2], optionally with ``oauth_problem``."""
    value = "OAuth realm=" + _quoted_string(realm)
    if problem:
        value += ", oauth_problem=" + _quoted_string(problem)
    return {"WWW-Authenticate": value}


# ------------------------------------------------------------------ 3. credentials


class Consumer:
    """The client credentials: ``key`` and ``secret`` [§1.1].

    ``str()`` and ``repr()`` show the key only.
    """

    key: Optional[str] = None
    secret: Optional[str] = None

    def __init__(self, key: Text, secret: Text) -> None:
        if key is None or secret is None:
            raise ValueError("Key and secret must be set.")
        self.key = _text(key, "consumer key")
        self.secret = _text(secret, "consumer secret")

    def __str__(self) -> str:
        return urlencode({"oauth_consumer_key": self.key})

    def __repr__(self) -> str:
        return f"Consumer(key={self.key!r}, secret={_MASK!r})"


class Token:
    """Temporary or token credentials, with the 1.0a callback and verifier [§2].

    ``str(token)`` is ``token.to_string()``, the storage format of 1.9, and so
    holds the secret; ``repr()`` never does. ``extra`` keeps the other fields
    of the provider's response (``user_id``, ``screen_name``, ...).
    """

    key: Optional[str] = None
    secret: Optional[str] = None
    callback: Optional[str] = None
    callback_confirmed: Optional[str] = None
    verifier: Optional[str] = None

    def __init__(self, key: Text, secret: Text) -> None:
        if key is None or secret is None:
            raise ValueError("Key and secret must be set.")
        self.key = _text(key, "token key")
        self.secret = _text(secret, "token secret")
        self.extra: Dict[str, str] = {}

    def set_callback(self, callback: str) -> None:
        """Set the callback URL; it counts as confirmed (OAuth 1.0a)."""
        self.callback = callback
        self.callback_confirmed = "true"

    def set_verifier(self, verifier: Optional[str] = None) -> None:
        """Set the verifier, or generate one if none is given [§2.2]."""
        self.verifier = verifier if verifier is not None else generate_verifier()

    def get_callback_url(self) -> Optional[str]:
        """The callback URL with ``oauth_token`` and ``oauth_verifier`` added to its query [§2.2]."""
        if not (self.callback and self.verifier):
            return self.callback
        scheme, netloc, path, query, fragment = urlsplit(self.callback)
        added = urlencode({"oauth_token": self.key, "oauth_verifier": self.verifier})
        query = f"{query}&{added}" if query else added
        return urlunsplit((scheme, netloc, path, query, fragment))

    def to_string(self) -> str:
        """Serialize as ``oauth_token=...&oauth_token_secret=...`` (contains the secret)."""
        data = {"oauth_token": self.key, "oauth_token_secret": self.secret}
        if self.callback_confirmed is not None:
            data["oauth_callback_confirmed"] = self.callback_confirmed
        return urlencode(data)

    @classmethod
    def from_string(cls, s: Text, *, max_parameters: Optional[int] = MAX_PARAMETERS) -> Token:
        """Parse a provider's form-encoded credentials response [§2.1, §2.3].

        The secret may be empty; fields other than the token, secret and
        ``oauth_callback_confirmed`` are kept in ``token.extra``. A response
        of more than ``max_parameters`` fields (1000; None: no limit) is
        refused before it is decoded.
        """
        text = _text(s, "token string")
        if not _form_fields_within(text, _parameter_limit(max_parameters)):
            raise InvalidRequest(
                f"The credentials response holds more than {max_parameters} fields; to accept it, "
                "pass Token.from_string(..., max_parameters=N) with a larger N, or None for no limit."
            )
        params = dict(parse_form(text, source="token string"))
        if "oauth_token" not in params:
            raise InvalidRequest("'oauth_token' not found in the credentials response.")
        if "oauth_token_secret" not in params:
            raise InvalidRequest("'oauth_token_secret' not found in the credentials response.")
        if not params["oauth_token"]:
            raise InvalidRequest("'oauth_token' is empty in the credentials response.")
        token = cls(params.pop("oauth_token"), params.pop("oauth_token_secret"))
        if "oauth_callback_confirmed" in params:
            token.callback_confirmed = params.pop("oauth_callback_confirmed")
        token.extra = params
        return token

    def to_dict(self) -> Dict[str, Any]:
        """The token as a JSON-ready dict, to store it (holds the secret); ``Token.from_dict`` reads it back.

        Keys: ``key``, ``secret``, ``callback``, ``callback_confirmed``,
        ``verifier`` (each a string or None) and ``extra`` (a dict).
        """
        fields: Dict[str, Any] = {name: getattr(self, name) for name in _TOKEN_FIELDS}
        fields["extra"] = dict(self.extra)
        return fields

    @classmethod
    def from_dict(cls, fields: Mapping[str, Any]) -> Token:
        """The token ``to_dict()`` gave; TypeError or ValueError for anything else."""
        if not isinstance(fields, Mapping):
            raise TypeError(f"Token.from_dict takes a dict, not {type(fields).__name__}.")
        unknown = sorted(map(str, set(fields) - {*_TOKEN_FIELDS, "extra"}))
        if unknown:
            raise ValueError(f"Token.from_dict: unknown keys {', '.join(unknown)} (not from Token.to_dict()).")
        for name in _TOKEN_FIELDS:
            if not isinstance(fields.get(name), (str, type(None))):
                raise TypeError(f"Token.from_dict: {name} must be a string or None, not {type(fields[name]).__name__}.")
        extra = fields.get("extra") or {}
        if not isinstance(extra, Mapping) or not all(isinstance(v, str) for v in [*extra, *extra.values()]):
            raise TypeError("Token.from_dict: extra must be a dict of strings.")
        token = cls(fields.get("key"), fields.get("secret"))  # type: ignore[arg-type]  # None is refused there
        token.callback = fields.get("callback")
        token.callback_confirmed = fields.get("callback_confirmed")
        token.verifier = fields.get("verifier")
        token.extra = dict(extra)
        return token

    __str__ = to_string

    def __repr__(self) -> str:
        return f"Token(key={self.key!r}, secret={_MASK!r})"


_TOKEN_FIELDS = ("key", "secret", "callback", "callback_confirmed", "verifier")


def _credentials(obj: Any, what: str) -> None:
    """Raise TypeError unless ``obj`` has a key and a secret (a Consumer, a Token or a look-alike)."""
    if type(obj) not in (Consumer, Token) and not (hasattr(obj, "key") and hasattr(obj, "secret")):
        raise TypeError(f"{what} must have a key and a secret, not be {type(obj).__name__}")


def _consumer_and_token(consumer: Any, token: Any) -> None:
    """:func:`_credentials` of a consumer and of a token or None."""
    if type(consumer) is not Consumer or not (token is None or type(token) is Token):
        _credentials(consumer, "consumer")
        if token is not None:
            _credentials(token, "token")


# ----------------------------------------------- 4. signature base string (§3.4.1)


def _parameter_limit(max_parameters: Optional[int]) -> Optional[int]:
    """``max_parameters`` checked: a count of parameters, or None for no limit."""
    if max_parameters is None:
        return None
    if not isinstance(max_parameters, int) or isinstance(max_parameters, bool):
        raise TypeError(f"max_parameters must be an int or None, not {type(max_parameters).__name__}")
    if max_parameters < 0:
        raise ValueError(f"max_parameters must be 0 or more, not {max_parameters}")
    return int(max_parameters)


def _form_fields_within(s: str, limit: Optional[int]) -> bool:
    """Whether the form-encoded ``s`` holds at most ``limit`` fields (None: any number), told before decoding.

    Counting the "&"s bounds the fields in one pass without copying; only a
    string over that bound is split, to leave out the empty fields that
    :func:`parse_form` skips.
    """
    if limit is None or s.count("&") < limit:
        return True
    fields = s.split("&")
    return len(fields) - fields.count("") <= limit


def _left(limit: Optional[int], pairs: Sized, spared: int = 0) -> Optional[int]:
    """How many more parameters a request holding ``pairs`` may take, ``spared`` of them not counting."""
    return None if limit is None else limit - len(pairs) + spared


def _too_many_parameters(limit: Optional[int]) -> InvalidRequest:
    """The error for a received request over ``max_parameters``, saying how to raise the limit."""
    return InvalidRequest(
        f"The request carries more than {limit} parameters (URL query, body and Authorization header together); "
        "to accept it, pass max_parameters=N with a larger N, or None for no limit, to Request.from_request "
        "(or from_wsgi, from_asgi)."
    )


def _param_value(value: Any, name: str) -> Union[str, List[str]]:
    """A parameter value as text, or a list of texts for repeated parameters."""
    if isinstance(value, (str, bytes, bytearray, int)):
        return _text(value, f"parameter {name!r}")
    if isinstance(value, Mapping) or not isinstance(value, Iterable):
        raise TypeError(f"parameter {name!r} must be text, an int or a list of them, not {type(value).__name__}")
    return [_text(v, f"parameter {name!r}") for v in value if v is not None]


def _one_value(name: str, value: Any) -> Optional[str]:
    """A protocol parameter's value as text; given as a list, it holds one value at most [§3.1]."""
    value = _param_value(value, name)
    if isinstance(value, str):
        return value
    if len(value) > 1:
        raise InvalidRequest(f"The OAuth parameter {name} is sent more than once.")
    return value[0] if value else None


def _pairs_of(params: Mapping[str, Any]) -> Iterator[Pair]:
    """Expand ``{name: value or [values]}`` into (name, value) pairs of text."""
    for name, value in params.items():
        if type(name) is str and type(value) is str:
            yield name, value
            continue
        if value is None:
            continue
        name = _text(name, "parameter name")
        coerced = _param_value(value, name)
        if isinstance(coerced, str):
            yield name, coerced
        else:
            for v in coerced:
                yield name, v


def _without(pairs: Iterable[Pair], removed: Iterable[Pair]) -> List[Pair]:
    """``pairs`` less one occurrence of each pair in ``removed`` (a multiset difference)."""
    left: Dict[Pair, int] = {}
    for pair in removed:
        left[pair] = left.get(pair, 0) + 1
    kept = []
    for pair in pairs:
        if left.get(pair):
            left[pair] -= 1
        else:
            kept.append(pair)
    return kept


def _add_values(params: MutableMapping[str, Any], name: str, values: List[str]) -> None:
    """Add more values for ``name``, keeping the values already there (repeated parameters).

    A list already there is copied, not appended to: it may be the caller's.
    All the new values go in at once, so that a name repeated k times costs k, not k².
    """
    previous = params.get(name)
    if previous is None:
        params[name] = values[0] if len(values) == 1 else values
    elif isinstance(previous, list):
        params[name] = [*previous, *values]
    else:
        params[name] = [previous, *values]


def _collect_repeated(pairs: Iterable[Pair]) -> Dict[str, Any]:
    """Pairs as a dict, the values of a repeated name in a list; a repeated protocol parameter is an error."""
    collected: Dict[str, Any] = {}
    repeated: Dict[str, List[str]] = {}  # the lists made here, appended to in place
    for name, value in pairs:
        if name not in collected:
            collected[name] = value
        elif name.startswith("oauth_"):
            # RFC 5849 §3.1: each protocol parameter is sent once, in one place.
            raise InvalidRequest(f"The OAuth parameter {name} is sent more than once.")
        elif name in repeated:
            repeated[name].append(value)
        else:
            collected[name] = repeated[name] = [collected[name], value]
    return collected


def body_bytes(body: Body) -> bytes:
    """A body as bytes: None as ``b""``, str as UTF-8, a file-like object read (and rewound, if it can be)."""
    if body is None:
        return b""
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        try:
            start: Optional[int] = body.tell()
        except (AttributeError, OSError, ValueError):  # a pipe or socket stream
            start = None
        data = body.read()
        if start is not None:
            body.seek(start)
        return data if isinstance(data, bytes) else _text(data, "body").encode("utf-8")
    raise TypeError(f"body must be bytes, str or a binary file, not {type(body).__name__}")


# RFC 7235 auth-params: token BWS "=" BWS ( token / quoted-string ), comma separated.


_URI_SAFE = "!#$%&'()*+,/:;=?@[]~"
# scheme://host[:port][/path][?query][#fragment] as clients write it, where
# urlsplit and the rules below have nothing to decode, validate or escape: an
# ASCII registered name, a port of digits, a path of characters quote()
# keeps, no tab or newline (which urlsplit removes).
_PLAIN_URL = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://([A-Za-z0-9.-]+)(?::([0-9]{1,5}))?"
                        r"(/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?(?:\?([^#\t\r\n]*))?(?:#[^\t\r\n]*)?")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def split_url(url: Text) -> Tuple[str, str]:
    """``(base string URI, query)`` of ``url`` [§3.4.1.2, §3.4.1.3.1]: the one URL split.

    The base string URI has the scheme and host lower-cased, the default port
    (80 for http, 443 for https) dropped and an empty path made ``/``;
    userinfo, query and fragment left out. Characters a URI cannot hold
    (spaces, non-ASCII) are percent-encoded as they are on the wire, an
    internationalized host written as IDNA. The query is as sent, not
    decoded. Raises :class:`InvalidRequest` for a URL that is not absolute or
    not valid.

    A speed trick, the third of three: a URL as clients write it is split by
    one regex match rather than by urlsplit and the checks after it;
    tests/test_base_string.py checks that both give the same answer.
    """
    text = url if type(url) is str else _text(url, "url")
    match = _PLAIN_URL.fullmatch(text)
    if match is not None:
        scheme, host, port, path, query = match.groups()
        if port is None or 0 < int(port) <= 65535:  # else an error, which the full parse reports
            return _base_uri(scheme.lower(), host.lower(), int(port) if port else None, path or "/"), query or ""
    return _split_parsed(text, None)


def base_string_uri(url: Text, host: Optional[str] = None) -> str:
    """The base string URI of ``url`` [§3.4.1.2] (see :func:`split_url`).

    ``host``, the Host header's ``name[:port]``, replaces the URL's host and port when given.
    """
    if host is None:
        return split_url(url)[0]
    return _split_parsed(url if type(url) is str else _text(url, "url"), host)[0]


def _base_uri(scheme: str, host: str, port: Optional[int], path: str) -> str:
    """``scheme://host[:port]/path``, the default port left out [§3.4.1.2]."""
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    return f"{scheme}://{host}{path}"


def _split_parsed(url: str, host: Optional[str]) -> Tuple[str, str]:
    """:func:`split_url` through urlsplit: userinfo, IP literals, IDNA, escapes, validation."""
    try:
        parts = urlsplit(url)
        authority = urlsplit(f"//{host}") if host is not None else parts
        _check_authority(authority.netloc)
        hostname, port = authority.hostname, authority.port
    except ValueError as exc:
        raise InvalidRequest(f"The URL {_redacted(url)!r} is not valid: {_redacted(str(exc))}.") from None
    scheme, name = parts.scheme.lower(), hostname
    if not scheme or not name:
        raise InvalidRequest(f"The URL {_redacted(url)!r} is not absolute: it needs a scheme and a host.")
    if port == 0:
        raise InvalidRequest(f"The URL {_redacted(url)!r} has port 0.")
    if not name.isascii():
        # An internationalized host goes on the wire (and in Host) as IDNA, as httplib2 sends it.
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            raise InvalidRequest(
                f"The host of {_redacted(url)!r} is not a valid internationalized domain name."
            ) from None
    if authority.netloc.rpartition("@")[2].startswith("["):
        name = f"[{name}]"
    try:
        path = quote(parts.path, safe=_URI_SAFE) or "/"
    except UnicodeEncodeError:
        raise InvalidRequest(f"The URL {_redacted(url)!r} holds a lone surrogate.") from None
    return _base_uri(scheme, name, port, path), parts.query


_IPV_FUTURE = re.compile(r"v[0-9A-Fa-f]+\.[A-Za-z0-9._~!$&'()*+,;=:-]+")


def _check_authority(netloc: str) -> None:
    """Refuse a bracketed host that is not an IP literal, and a port that is not ASCII digits (RFC 3986 §3.2).

    Python 3.11's urlsplit refuses both; 3.9 and 3.10 take ``[zz]``, ``+80``
    or full-width digits, so they are checked here on every version.
    """
    host_port = netloc.rpartition("@")[2]
    if host_port.startswith("["):
        literal, _, rest = host_port[1:].partition("]")
        if not _is_ip_literal(literal):
            raise ValueError(f"{literal!r} is not an IPv6 address")
        if rest and not rest.startswith(":"):
            raise ValueError(f"unexpected {rest!r} after the IPv6 address")
        port = rest[1:]
    else:
        port = host_port.rpartition(":")[2] if ":" in host_port else ""
    if port and not (port.isascii() and port.isdigit()):
        raise ValueError(f"the port {port!r} is not a number")


def _is_ip_literal(literal: str) -> bool:
    """Whether ``literal`` may stand in brackets: an IPv6 address or an IPvFuture (RFC 3986 §3.2.2)."""
    if _IPV_FUTURE.fullmatch(literal):
        return True
    try:
        ipaddress.IPv6Address(literal)
    except ValueError:
        return False
    return True


def normalize_parameters(pairs: Iterable[Pair]) -> str:
    """Encode each name and value, sort by name then value, and join [§3.4.1.3.2]."""
    pairs = pairs if isinstance(pairs, (list, tuple)) else list(pairs)
    if operator.countOf(map(len, pairs), 2) != len(pairs):
        raise ValueError("normalize_parameters needs (name, value) pairs")
    return "&".join(map("=".join, sorted(_encoded_pairs(pairs))))


def signature_base_string(method: str, base_uri: str, normalized_parameters: str) -> str:
    """``METHOD&encoded-base-string-URI&encoded-parameters`` [§3.4.1.1].

    The one builder of base strings: signing, verifying, :func:`explain`
    and ``InvalidSignature.base_string`` all come here.
    """
    return _joined_base_string(method, base_uri, _percent_encode(normalized_parameters))


def _joined_base_string(method: str, base_uri: str, encoded_parameters: str) -> str:
    """:func:`signature_base_string` of parameters already percent-encoded a second time [§3.4.1.1]."""
    return f"{_percent_encode(method.upper())}&{_percent_encode(base_uri)}&{encoded_parameters}"


class SignatureBase(NamedTuple):
    """How a request's signature base string is made, step by step (never a key)."""

    parameters: List[Pair]
    normalized_parameters: str
    base_string_uri: str
    base_string: str


def explain(request: Request) -> SignatureBase:
    """The collected parameters, normalized string, base string URI and base string of ``request``."""
    return _base_string_steps(request.method, _base_uri_of(request), request._signed_pairs())


def _base_string_steps(
    method: str, base_uri: str, pairs: List[Pair], encoded_pairs: Optional[Sequence[Pair]] = None
) -> SignatureBase:
    """The signature base string of ``pairs`` sent to ``base_uri`` by ``method``, with its steps [§3.4.1].

    ``encoded_pairs`` are ``pairs`` percent-encoded [§3.6], when the caller
    has them already (sign() encodes the protocol parameters once for the
    base string and the Authorization header).
    """
    encoded = sorted(encoded_pairs if encoded_pairs is not None else _encoded_pairs(pairs))
    normalized = "&".join(map("=".join, encoded))
    if "%" in normalized:
        return SignatureBase(pairs, normalized, base_uri, signature_base_string(method, base_uri, normalized))
    # Every name and value is unreserved (the usual case: keys, nonces, ids), so encoding the
    # normalized string turns only its "=" and "&" into %3D and %26: the pairs joined by those.
    base_string = _joined_base_string(method, base_uri, "%26".join(map("%3D".join, encoded)))
    return SignatureBase(pairs, normalized, base_uri, base_string)


def _base_uri_of(request: Request) -> str:
    """The request's base string URI [§3.4.1.2]; an error if it has no URL."""
    normalized_url: Optional[str] = request.__dict__.get("normalized_url")
    if not normalized_url:
        raise InvalidRequest("The request has no URL; set request.url before signing.")
    return normalized_url


# --------------------------------------------- 5. signature methods (§3.4.2-3.4.4)


def _signing_key(consumer: Consumer, token: Optional[Token]) -> str:
    """``consumer-secret&token-secret``, each percent-encoded [§3.4.2, §3.4.4]; never remembered."""
    return f"{escape(consumer.secret or '')}&{escape(token.secret or '' if token else '')}"


def _same(a: Text, b: Text) -> bool:
    """Compare two signatures in constant time, whatever their types."""
    if type(a) is str and type(b) is str and a.isascii() and b.isascii():
        return hmac.compare_digest(a, b)
    try:
        a_bytes = a.encode("utf-8") if isinstance(a, str) else bytes(a)
        b_bytes = b.encode("utf-8") if isinstance(b, str) else bytes(b)
    except (TypeError, ValueError):
        return False
    return hmac.compare_digest(a_bytes, b_bytes)


class SignatureMethod:
    """A way to sign and verify requests; subclass it for a custom method.

    A subclass sets ``name`` and implements ``sign_base_string`` (or, as in
    1.9, ``sign``); ``check`` and ``check_base_string`` recompute the
    signature and compare in constant time. ``body_hash_algorithm`` is the
    hash of ``oauth_body_hash``, SHA-1 as the body hash extension says.
    """

    name = ""
    body_hash_algorithm: Callable[[bytes], _Hash] = hashlib.sha1
    #: Whether the signature is keyed by the consumer and token secrets, as
    #: HMAC's and PLAINTEXT's are [§3.4.2, §3.4.4]; an asymmetric method sets it
    #: False. A Server refuses such a method for credentials without a secret.
    uses_shared_secrets = True

    def signing_base(self, request: Request, consumer: Consumer, token: Optional[Token]) -> Tuple[bytes, bytes]:
        """The key and the signature base string, as bytes (1.9's contract) [§3.4.1]."""
        return _signing_key(consumer, token).encode("ascii"), explain(request).base_string.encode("ascii")

    def sign(self, request: Request, consumer: Consumer, token: Optional[Token]) -> str:
        """The signature of ``request`` as text."""
        return self.sign_base_string(explain(request).base_string, consumer, token)

    def sign_base_string(self, base_string: str, consumer: Consumer, token: Optional[Token]) -> str:
        """The signature of a signature base string (a pure function of its inputs)."""
        raise NotImplementedError

    def check(self, request: Request, consumer: Consumer, token: Optional[Token], signature: Text) -> bool:
        """Whether ``signature`` is the right one for ``request``."""
        return _same(self.sign(request, consumer, token), signature)

    def check_base_string(self, base_string: str, consumer: Consumer, token: Optional[Token], signature: Text) -> bool:
        """Whether ``signature`` is the right one for a request with this base string (a pure function)."""
        return _same(self.sign_base_string(base_string, consumer, token), signature)

    def body_hash(self, body: Body) -> str:
        """``oauth_body_hash`` of ``body``: base64 of its hash (body hash extension §3.1)."""
        return base64.b64encode(type(self).body_hash_algorithm(body_bytes(body)).digest()).decode("ascii")


class _HMAC(SignatureMethod):
    digestmod: Callable[[], _Hash] = hashlib.sha1

    def sign(self, request: Request, consumer: Consumer, token: Optional[Token]) -> str:
        """base64(HMAC(key, base string)) [§3.4.2]."""
        # Through signing_base, which a subclass written for 1.9 may override.
        key, raw = self.signing_base(request, consumer, token)
        return self._mac(key, raw)

    def sign_base_string(self, base_string: str, consumer: Consumer, token: Optional[Token]) -> str:
        """base64(HMAC(key, base string)) [§3.4.2]."""
        return self._mac(_signing_key(consumer, token).encode("ascii"), base_string.encode("utf-8"))

    def _mac(self, key: bytes, raw: bytes) -> str:
        """base64(HMAC(key, raw)) (RFC 2104), through the standard library; no keyed state is kept."""
        return binascii.b2a_base64(hmac.digest(key, raw, type(self).digestmod), newline=False).decode("ascii")


class SignatureMethod_HMAC_SHA1(_HMAC):
    """HMAC-SHA1 [§3.4.2]."""

    name = "HMAC-SHA1"
    digestmod = hashlib.sha1


class SignatureMethod_HMAC_SHA256(_HMAC):
    """HMAC-SHA256: §3.4.2 with SHA-256 (LTI, Xero, NetSuite, HERE)."""

    name = "HMAC-SHA256"
    digestmod = hashlib.sha256


class SignatureMethod_HMAC_SHA512(_HMAC):
    """HMAC-SHA512: §3.4.2 with SHA-512."""

    name = "HMAC-SHA512"
    digestmod = hashlib.sha512


class SignatureMethod_PLAINTEXT(SignatureMethod):
    """PLAINTEXT: the signature is the key itself; use it over TLS only [§3.4.4]."""

    name = "PLAINTEXT"

    def signing_base(self, request: Request, consumer: Consumer, token: Optional[Token]) -> Tuple[bytes, bytes]:
        """The key, twice: PLAINTEXT signs no base string."""
        key = _signing_key(consumer, token).encode("ascii")
        return key, key

    def sign(self, request: Request, consumer: Consumer, token: Optional[Token]) -> str:
        """``consumer-secret&token-secret``, percent-encoded [§3.4.4]."""
        return _signing_key(consumer, token)

    def sign_base_string(self, base_string: str, consumer: Consumer, token: Optional[Token]) -> str:
        """The key: PLAINTEXT ignores the base string [§3.4.4]."""
        return _signing_key(consumer, token)


# What 1.9's subclasses overrode to sign, and to verify, in their own way.
_SIGNING_HOOKS = ("sign", "signing_base")
_CHECKING_HOOKS = (*_SIGNING_HOOKS, "check")


def _uses_base_string(method: SignatureMethod, hooks: Tuple[str, ...]) -> bool:
    """Whether ``method`` is signed or verified from the base string the caller made
    (``sign_base_string``, ``check_base_string``), rather than through its own ``hooks``.

    Not PLAINTEXT, which signs no base string; nor a method that has one of
    ``hooks`` from outside this library, defined by its own class or by a mixin
    it inherits, as 1.9's subclasses did: that hook is then what must run.
    """
    if isinstance(method, SignatureMethod_PLAINTEXT):
        return False
    cls = type(method)
    # Looked up on the class, as a call finds it; a callable without a module is the user's.
    return all(getattr(getattr(cls, hook), "__module__", None) == __name__ for hook in hooks)


_RSA_EXTRA = "RSA signatures need the 'cryptography' package, this library's 'rsa' extra: pip install cryptography."


def _cryptography() -> Any:
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding, rsa
    except ImportError:
        raise Error(_RSA_EXTRA) from None
    return hashes, serialization, padding, rsa, x509


def _require_cryptography() -> None:
    """Raise the Error naming the ``rsa`` extra unless ``cryptography`` can be imported; it is not imported yet."""
    try:
        found = importlib.util.find_spec("cryptography") is not None
    except (ImportError, ValueError):  # a finder that refuses it; a module set to None in sys.modules
        found = False
    if not found:
        raise Error(_RSA_EXTRA)


KeyMaterial = Union[str, bytes, Any]


class _RSA(SignatureMethod):
    """RSASSA-PKCS1-v1_5 over the base string [§3.4.3], via ``cryptography``."""

    hash_name = "SHA1"
    uses_shared_secrets = False  # signed with the consumer's private key alone

    def __init__(
        self,
        private_key: Optional[KeyMaterial] = None,
        public_key: Optional[KeyMaterial] = None,
        *,
        password: Optional[Text] = None,
        public_key_for: Optional[Callable[[Consumer], KeyMaterial]] = None,
    ) -> None:
        """Sign with ``private_key``; verify with ``public_key`` or ``public_key_for(consumer)``.

        Private keys are PEM (PKCS#1 or PKCS#8, encrypted with ``password``) or
        loaded ``cryptography`` key objects; public keys are PEM public keys,
        PEM X.509 certificates or key objects. An encrypted key is decrypted
        here, so that the password is not kept; a PEM key without a password
        is loaded when it first signs. Pickling keeps the keys as PEM, the
        private key unencrypted (the pickle is as secret as the key), and
        never a password.
        Raises oauth2.Error naming the ``rsa`` extra at once when
        ``cryptography`` is not installed.
        """
        _require_cryptography()  # here, where the method is chosen, not at the first request
        self._private_source = private_key
        self._public_source = public_key
        self._public_key_for = public_key_for
        self._private_key: Any = None
        self._public_keys: Dict[Union[str, bytes], Any] = {}
        if private_key is not None and password is not None:
            secret = password.encode("utf-8") if isinstance(password, str) else bytes(password)
            self._private_key = _load_private_key(private_key, secret)

    def __getstate__(self) -> Dict[str, Any]:
        """The state to pickle: keys as PEM (cryptography's key objects do not pickle), no password."""
        state = dict(self.__dict__)
        if self._private_key is not None:
            state["_private_source"], state["_private_key"] = _private_pem(self._private_key), None
        elif self._private_source is not None and not isinstance(self._private_source, (str, bytes, bytearray)):
            state["_private_source"] = _private_pem(_load_private_key(self._private_source, None))
        if self._public_source is not None and not isinstance(self._public_source, (str, bytes, bytearray)):
            state["_public_source"] = _public_pem(_load_public_key(self._public_source))
        state["_public_keys"] = {}  # a cache of key objects, loaded again from their PEM
        return state

    def _hash(self) -> Any:
        hashes = _cryptography()[0]
        return getattr(hashes, self.hash_name)()

    def _private(self) -> Any:
        if self._private_key is None:
            if self._private_source is None:
                raise Error(f"{self.name} needs a private key to sign: pass private_key=.")
            self._private_key = _load_private_key(self._private_source, None)
        return self._private_key

    def _public(self, consumer: Consumer) -> Any:
        if self._public_key_for is not None:
            source = self._public_key_for(consumer)
            if source is None:
                raise ConsumerKeyRejected("There is no public key for this consumer.")
        else:
            source = self._public_source
        if source is None:
            raise Error(f"{self.name} needs a public key or certificate to verify: pass public_key= or public_key_for=")
        if not isinstance(source, (str, bytes)):
            return _load_public_key(source)
        if source not in self._public_keys:
            self._public_keys[source] = _load_public_key(source)
        return self._public_keys[source]

    def signing_base(self, request: Request, consumer: Consumer, token: Optional[Token]) -> Tuple[bytes, bytes]:
        """No shared key: the base string alone."""
        return b"", explain(request).base_string.encode("ascii")

    def sign_base_string(self, base_string: str, consumer: Consumer, token: Optional[Token]) -> str:
        """base64 of the RSASSA-PKCS1-v1_5 signature of the base string [§3.4.3.1]."""
        padding = _cryptography()[2]
        signature = self._private().sign(base_string.encode("utf-8"), padding.PKCS1v15(), self._hash())
        return base64.b64encode(signature).decode("ascii")

    def check(self, request: Request, consumer: Consumer, token: Optional[Token], signature: Text) -> bool:
        """Verify ``signature`` with the consumer's public key [§3.4.3.2]."""
        return self._verify(self.signing_base(request, consumer, token)[1], consumer, signature)

    def check_base_string(self, base_string: str, consumer: Consumer, token: Optional[Token], signature: Text) -> bool:
        """Verify ``signature`` of a base string with the consumer's public key [§3.4.3.2]."""
        return self._verify(base_string.encode("utf-8"), consumer, signature)

    def _verify(self, raw: bytes, consumer: Consumer, signature: Text) -> bool:
        padding = _cryptography()[2]
        key = self._public(consumer)
        try:
            decoded = base64.b64decode(_text(signature, "signature"), validate=True)
        except (TypeError, ValueError):
            return False
        try:
            key.verify(decoded, raw, padding.PKCS1v15(), self._hash())
        except Exception:  # cryptography's InvalidSignature, or a malformed signature
            return False
        return True


def _load_private_key(source: KeyMaterial, password: Optional[bytes]) -> Any:
    _, serialization, _, rsa, _ = _cryptography()
    if isinstance(source, rsa.RSAPrivateKey):
        return source
    if not isinstance(source, (str, bytes, bytearray)):
        raise Error(f"The private key is not an RSA key (got {type(source).__name__}).")
    try:
        key = serialization.load_pem_private_key(_pem_bytes(source), password=password)
    except (TypeError, ValueError) as exc:
        hint = "is it encrypted? pass password=" if password is None else "is the password right?"
        raise Error(f"Cannot load the RSA private key: it must be PEM (PKCS#1 or PKCS#8); {hint}") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise Error("The private key is not an RSA key.")
    return key


def _load_public_key(source: KeyMaterial) -> Any:
    _, serialization, _, rsa, x509 = _cryptography()
    if isinstance(source, rsa.RSAPublicKey):
        return source
    if isinstance(source, rsa.RSAPrivateKey):
        return source.public_key()
    if not isinstance(source, (str, bytes, bytearray)):
        raise Error(f"The public key is not an RSA key (got {type(source).__name__}).")
    data = _pem_bytes(source)
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            key = x509.load_pem_x509_certificate(data).public_key()
        else:
            key = serialization.load_pem_public_key(data)
    except (TypeError, ValueError) as exc:
        raise Error("Cannot load the RSA public key: give a PEM public key or a PEM X.509 certificate.") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise Error("The public key is not an RSA key.")
    return key


def _private_pem(key: Any) -> bytes:
    """The RSA private ``key`` as unencrypted PKCS#8 PEM."""
    serialization = _cryptography()[1]
    pem: bytes = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem


def _public_pem(key: Any) -> bytes:
    """The RSA public ``key`` as SubjectPublicKeyInfo PEM."""
    serialization = _cryptography()[1]
    pem: bytes = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem


def _pem_bytes(source: KeyMaterial) -> bytes:
    if isinstance(source, str):
        return source.encode("ascii", "replace")
    if isinstance(source, (bytes, bytearray)):
        return bytes(source)
    raise TypeError(f"an RSA key must be PEM text, PEM bytes or a cryptography key, not {type(source).__name__}")


_RSA_KEY_FORMS = """Signs with ``private_key``: PEM text or bytes, PKCS#1 (``BEGIN RSA PRIVATE
KEY``) or PKCS#8 (``BEGIN PRIVATE KEY``), encrypted ones with ``password=``,
or a ``cryptography`` RSA private key. Verifies with ``public_key`` or
``public_key_for(consumer)``: a PEM public key (``BEGIN PUBLIC KEY``), a PEM
X.509 certificate, or a ``cryptography`` RSA public or private key."""


class SignatureMethod_RSA_SHA1(_RSA):
    __doc__ = f"RSA-SHA1 [§3.4.3]; needs the ``rsa`` extra (``cryptography``).\n\n{_RSA_KEY_FORMS}"

    name = "RSA-SHA1"
    hash_name = "SHA1"


class SignatureMethod_RSA_SHA256(_RSA):
    __doc__ = f"RSA-SHA256: §3.4.3 with SHA-256; needs the ``rsa`` extra (``cryptography``).\n\n{_RSA_KEY_FORMS}"

    name = "RSA-SHA256"
    hash_name = "SHA256"


class SignatureMethod_RSA_SHA512(_RSA):
    __doc__ = f"RSA-SHA512: §3.4.3 with SHA-512; needs the ``rsa`` extra (``cryptography``).\n\n{_RSA_KEY_FORMS}"

    name = "RSA-SHA512"
    hash_name = "SHA512"


# ---------------------------------------------------------- 6. transmission (§3.5)


def authorization_header(pairs: Sequence[Pair], realm: Optional[str] = None) -> str:
    """``OAuth realm="...", name="value", ...``: the Authorization header value [§3.5.1].

    Each name and value percent-encoded; ``realm``, when given, quoted so
    that it cannot add parameters, and not encoded.
    """
    return _header_of_encoded(_encoded_pairs(pairs), realm)


def _header_of_encoded(encoded_pairs: Iterable[Pair], realm: Optional[str]) -> str:
    """:func:`authorization_header` of pairs whose names and values are percent-encoded already."""
    parts = [f'{name}="{value}"' for name, value in encoded_pairs]
    if realm:
        parts.insert(0, "realm=" + _quoted_string(realm))
    return "OAuth " + ", ".join(parts) if parts else "OAuth"


_TCHARS = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_AUTH_PARAM = rf"""({_TCHARS})[ \t]*=[ \t]*(?:"([^"\\]*(?:\\.[^"\\]*)*)"|({_TCHARS}))"""
# One auth-param and the comma after it, or else the one character where the list goes wrong.
_AUTH_ITEM = re.compile(rf"[ \t,]*{_AUTH_PARAM}[ \t]*(?:,|\Z)|(.)", re.DOTALL)
_OAUTH_SCHEME = re.compile(r"[ \t]*OAuth(?:[ \t]|\Z)", re.IGNORECASE)
_BACKSLASH_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def clear_caches() -> None:
    """Kept for compatibility: the module keeps no memo, so there is nothing to empty."""


def parse_authorization_header(value: str) -> Tuple[List[Pair], Optional[str]]:
    """Parse ``OAuth k="v", ...`` into decoded pairs and the realm [§3.5.1].

    The scheme is case-insensitive; quoted strings may hold commas and escaped
    quotes. Only the parameter named exactly ``realm`` is set apart. Raises
    :class:`InvalidRequest` on anything that is not such a list.
    """
    parsed = _parse_oauth_header(_text(value, "Authorization header"))
    if parsed is None:
        raise InvalidRequest("The Authorization header does not use the OAuth scheme.")
    return parsed


def _parse_oauth_header(value: str) -> Optional[Tuple[List[Pair], Optional[str]]]:
    """:func:`parse_authorization_header`, or None when the scheme is not OAuth.

    The auth-params (RFC 9110 §11.2) are found by one regex: every character
    belongs to an item or is a stray one that fails the parse, so the items
    follow one another and the time is linear.
    """
    scheme = _OAUTH_SCHEME.match(value)
    if not scheme:
        return None
    pairs: List[Pair] = []
    realm = None
    for name, quoted, bare, _ in _AUTH_ITEM.findall(value[scheme.end():].rstrip(" \t,")):
        if not name:  # a stray character: findall gives "" for the groups that took no part
            raise InvalidRequest('The OAuth Authorization header is malformed: expected name="value" pairs and commas.')
        # A backslash escapes the next character in a quoted string only; a bare token holds none.
        raw = _BACKSLASH_ESCAPE.sub(r"\1", quoted) if "\\" in quoted else quoted or bare
        if name == "realm":
            realm = raw  # not percent-encoded [§3.5.1]: neither decoded nor refused
        else:
            pairs.append((name, _header_value(raw, name) if "%" in raw else raw))
    return pairs, realm


def _header_value(raw: str, name: str) -> str:
    """An Authorization header value percent-decoded as UTF-8 [§3.5.1]."""
    try:
        return _percent_decoded(raw)
    except UnicodeError:
        raise InvalidRequest(f"The Authorization header parameter {name} is not UTF-8.") from None


def media_type(content_type: Optional[Text]) -> str:
    """The media type of a Content-Type value, lower-cased and without parameters (``""`` for none)."""
    if not content_type:
        return ""
    return _text(content_type, "Content-Type").split(";", 1)[0].strip().lower()


_REPEATED_CONTENT_TYPE = ("The request has more than one Content-Type: whether its body is a signed form "
                          "would depend on which one the application reads; send one.")
# A quoted-string (RFC 9110 §5.6.4), in which a comma is a parameter's text, and the run up to the next one.
_QUOTED_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_UNQUOTED_RUN = re.compile(r'[^",]*')


def _has_list_comma(value: str) -> bool:
    """Whether a header value holds a comma outside quoted strings (or an unclosed quote): a list.
    Each run and quoted string is matched once, from where the last ended, so the time is linear."""
    at = 0
    while True:
        at = _UNQUOTED_RUN.match(value, at).end()  # type: ignore[union-attr]  # matches the empty string
        if at == len(value):
            return False
        if value[at] == ",":
            return True
        quoted = _QUOTED_STRING.match(value, at)
        if quoted is None:
            return True
        at = quoted.end()


def _received_media_type(content_type: object) -> str:
    """The media type of a received Content-Type, which must be one value: a list of them, or
    values joined by commas, would let the body be a form to the application and not to oauth2,
    which then signs none of its fields."""
    if content_type is None:
        return ""
    if isinstance(content_type, (list, tuple)):
        raise InvalidRequest(_REPEATED_CONTENT_TYPE)
    text = _text(content_type, "Content-Type")
    if "," in text and _has_list_comma(text):
        raise InvalidRequest(_REPEATED_CONTENT_TYPE)
    return media_type(text)


# The lengths of the names of the headers oauth2 reads, Authorization and
# Content-Type, in every form (``HTTP_AUTHORIZATION``, ``CONTENT_TYPE``, ...):
# a framework hands over twenty headers, and the others need not be normalized.
_READ_HEADER_LENGTHS = {len("authorization"), len("content-type"), len("http_authorization"), len("http_content_type")}


def _header_map(headers: Optional[Mapping[str, str]]) -> Dict[str, str]:
    """Headers by lower-case name, WSGI/CGI names (``HTTP_AUTHORIZATION``, ``CONTENT_TYPE``) too;
    only those whose names may be Authorization's or Content-Type's, the two oauth2 reads."""
    if not headers:
        return {}
    items = getattr(headers, "items", None)
    if items is None:
        raise TypeError(f"headers must be a mapping, not {type(headers).__name__}")
    found = {}
    for key, value in items():
        if not isinstance(key, str):
            raise TypeError(f"header names must be str, not {type(key).__name__}")
        if len(key) not in _READ_HEADER_LENGTHS:
            continue
        name = key.lower()
        if name.startswith("http_"):
            name = name[5:]
        found[name.replace("_", "-")] = value
    return found


def _bytes_of(value: object, what: str) -> bytes:
    """``value`` if it is bytes; an ASGI server hands over bytes, anything else is a malformed scope."""
    if not isinstance(value, (bytes, bytearray)):
        raise InvalidRequest(f"The {what} must be bytes, not {type(value).__name__}.")
    return bytes(value)


class Signed(NamedTuple):
    """A request as it goes on the wire once signed, and the signed :class:`Request` it was made from."""

    uri: str
    headers: Dict[str, str]
    body: Body
    request: Request

    def __repr__(self) -> str:
        """The fields, the signature masked in each (a PLAINTEXT one is the secrets themselves)."""
        headers = {name: _redacted(value) for name, value in self.headers.items()}
        body = self.body
        if isinstance(body, str):
            body = _redacted(body)
        elif isinstance(body, bytes):
            body = _redacted(body.decode("latin-1")).encode("latin-1")  # byte for byte, whatever the encoding
        return f"Signed(uri={_redacted(self.uri)!r}, headers={headers!r}, body={body!r}, request={self.request!r})"


_PLACEMENTS = ("header", "query", "body")


def check_placement(placement: str) -> None:
    """Raise ValueError for a placement that is not one of RFC 5849 §3.5's three (for a shell's settings)."""
    if placement not in _PLACEMENTS:
        raise ValueError(f"placement must be one of {', '.join(_PLACEMENTS)}, not {placement!r}")


def _append_query(uri: str, added: str, replaced_query: Optional[str] = None) -> str:
    """``uri`` with ``added`` after its query (or after ``replaced_query``, its kept part)."""
    scheme, netloc, path, query, fragment = urlsplit(uri)
    if replaced_query is not None:
        query = replaced_query
    query = "&".join(q for q in (query, added) if q)
    return str(urlunsplit((scheme, netloc, path, query, fragment)))




def _strip_oauth_query(uri: str) -> str:
    """``uri`` without ``oauth_`` query parameters, which a redirect may echo back."""
    scheme, netloc, path, query, fragment = urlsplit(uri)
    if "oauth_" not in query:
        return uri
    kept = "&".join(p for p in query.split("&") if not unquote(p.split("=", 1)[0]).startswith("oauth_"))
    return urlunsplit((scheme, netloc, path, kept, fragment))


# --------------------------------------------------- 7. sign, verify, redirect_hop


def _client_parameters(
    consumer: Consumer,
    token: Optional[Token],
    timestamp: str,
    nonce: str,
    parameters: Optional[Mapping[str, Any]],
    version: str = OAUTH_VERSION,
) -> Dict[str, Any]:
    """The protocol parameters a client signs [§3.1]: ``parameters`` over the defaults, the token's last."""
    params: Dict[str, Any] = {
        "oauth_consumer_key": consumer.key,
        "oauth_timestamp": timestamp,
        "oauth_nonce": nonce,
        "oauth_version": version,
        **(parameters or {}),
    }
    if token is not None:
        params["oauth_token"] = token.key
        if token.verifier:
            params["oauth_verifier"] = token.verifier
    return params


def sign(
    method: str,
    uri: str,
    consumer: Consumer,
    token: Optional[Token] = None,
    *,
    headers: Optional[Mapping[str, str]] = None,
    body: Body = None,
    signature_method: Optional[SignatureMethod] = None,
    placement: str = "header",
    realm: Optional[str] = None,
    body_hash: Optional[bool] = None,
    parameters: Optional[Mapping[str, Any]] = None,
    nonce: Optional[str] = None,
    timestamp: Optional[Union[str, int]] = None,
) -> Signed:
    """Sign one HTTP request and return the URI, headers and body to send [§3.4, §3.5].

    The one signing step under every shell (the Client, the requests and
    httpx auths, the CLI, OAuth Echo, XOAUTH); no I/O. A body whose
    ``Content-Type`` in ``headers`` is ``application/x-www-form-urlencoded``
    is signed through its pairs [§3.4.1.3.1]; any other non-empty body of a
    method other than GET or HEAD through ``oauth_body_hash`` (``body_hash``
    forces it on or off). ``parameters`` are more protocol parameters to
    sign and send (``oauth_callback``, ``oauth_verifier``).

    ``placement`` is where the OAuth parameters go: ``"header"``, the
    Authorization header [§3.5.1]; ``"query"`` [§3.5.3]; or ``"body"``, a
    form body only [§3.5.2]. When the caller already wrote a protocol
    parameter into the form body or the query (1.9's way to send
    ``oauth_callback``), the others join it there. The caller's headers and
    body are returned as given, but for the OAuth parameters, a stale
    ``Authorization``, and a file body, which is read once and returned as
    its bytes. ``nonce`` and ``timestamp`` default to fresh ones; HMAC-SHA1
    signs unless ``signature_method`` says otherwise.
    """
    check_placement(placement)
    _consumer_and_token(consumer, token)
    # Body placement makes the body longer than the caller's Content-Length says.
    dropped = ("authorization", "content-length") if placement == "body" else ("authorization",)
    wire_headers = {k: v for k, v in (headers or {}).items() if k.lower() not in dropped}
    is_form = media_type(_header_map(wire_headers).get("content-type")) == FORM_CONTENT_TYPE
    if placement == "body" and not is_form:
        raise Error("placement='body' needs a form-encoded body (RFC 5849 §3.5.2); use 'header' or 'query'.")

    params = _client_parameters(
        consumer, token, str(timestamp) if timestamp is not None else Request.make_timestamp(),
        nonce if nonce is not None else Request.make_nonce(), parameters,
    )
    request = Request(method, uri, params, body=body if body is not None else b"", is_form_encoded=is_form)
    # Request.sign_request's two steps, the body and the query parsed once for both signing and placing.
    signer = signature_method or SignatureMethod_HMAC_SHA1()
    request._add_signing_parameters(signer, consumer, token, body_hash)
    own, body_pairs, query_pairs = request._own_pairs(), request._body_pairs(), request._query_pairs()
    added = _added_pairs(own, body_pairs, query_pairs)
    # Each source encoded once, by its own nothing-to-encode check: the protocol parameters pass it
    # even when a form field does not, and go on to the Authorization header as they are.
    encoded_own = _encoded_pairs(own)
    request._add_signature(signer, consumer, token, own + added, [*encoded_own, *_encoded_pairs(added)])
    wire_body = request.body if hasattr(body, "read") else body

    # RFC 5849 §3.5: each protocol parameter in one place, once.
    in_body = [(k, v) for k, v in body_pairs if k.startswith("oauth_")]
    in_query = any(k.startswith("oauth_") for k, _ in query_pairs)
    placement = "body" if in_body else "query" if in_query else placement
    if placement == "header":
        # The signature (base64: "+", "/", "=") encoded by itself, after the others [§3.5.1].
        protocol = [pair for pair in encoded_own if pair[0].startswith("oauth_")]
        protocol.append(("oauth_signature", escape(request["oauth_signature"])))
        wire_headers["Authorization"] = _header_of_encoded(protocol, realm)
        return Signed(uri, wire_headers, wire_body, request)
    oauth = encode_form(_without(request._protocol_pairs(), in_body))
    if placement == "query":
        return Signed(_append_query(uri, oauth), wire_headers, wire_body, request)
    form = b"&".join(part for part in (body_bytes(request.body), oauth.encode("ascii")) if part)
    return Signed(uri, wire_headers, form, request)


def verify(
    method: str,
    base_uri: str,
    pairs: List[Pair],
    signature: Text,
    consumer: Consumer,
    token: Optional[Token] = None,
    *,
    signature_method: Optional[SignatureMethod] = None,
) -> None:
    """Check a received signature [§3.4]: the pure step of :meth:`Server.verify_request`; no clock, no store.

    ``pairs`` are the signed parameters, decoded: the URL query's, the form
    body's and the Authorization header's but ``realm`` and ``oauth_signature``,
    which is ``signature``. ``base_uri`` is the request's base string URI
    (:func:`split_url`). Raises :class:`InvalidSignature`, holding the base
    string it computed, unless ``signature`` is the one ``signature_method``
    (HMAC-SHA1 by default) makes from them with these credentials.

    Only the signature: whether the timestamp is recent, the nonce new, and the
    consumer, token and method accepted are the :class:`Server`'s checks.
    """
    _consumer_and_token(consumer, token)
    checker = signature_method or SignatureMethod_HMAC_SHA1()
    base_string = _base_string_steps(method, base_uri, pairs).base_string
    if not checker.check_base_string(base_string, consumer, token, signature):
        raise InvalidSignature(base_string=base_string)


_SIGN_REDIRECTS = ("same-origin", "all")


def signs_redirect(
    first_url: Text,
    hop_url: Text,
    *,
    sign_redirects: str = "same-origin",
    signature_method: Optional[SignatureMethod] = None,
) -> bool:
    """Whether a redirect hop to ``hop_url``, of a request first sent to ``first_url``, is signed.

    A signed hop is a fresh request, its nonce unused, for whatever URL the
    ``Location`` names: whoever receives it can replay it to the provider
    with the user's token. So by default (``sign_redirects="same-origin"``)
    a hop is signed only for the origin of the first request: the same
    scheme, host and port (a default port written or not), or an upgrade
    from http to https on the same host, both ports the default ones. Any
    other hop goes without an OAuth parameter. ``sign_redirects="all"``
    signs hops to every origin, trusting every ``Location``, except with a
    PLAINTEXT ``signature_method``: that signature is the secrets
    themselves, and never goes to another origin. A URL without a host, or
    with an unreadable port, matches no origin. Raises ValueError for any
    other ``sign_redirects``. A pure function of its arguments: ``Client``,
    ``oauth2.requests`` and ``oauth2.httpx`` all decide by it.
    """
    check_sign_redirects(sign_redirects)
    first, hop = _origin(to_unicode(first_url)), _origin(to_unicode(hop_url))
    if first is None or hop is None:
        return False
    # Without a port after the host (or after an IP literal's "]"), both ports are the default ones.
    if hop == first or (first[0] == "http" and hop == ("https", first[1]) and ":" not in first[1].rpartition("]")[2]):
        return True
    return sign_redirects == "all" and not isinstance(signature_method, SignatureMethod_PLAINTEXT)


class Hop(NamedTuple):
    """What to send for one redirect hop of a signed request; see :func:`redirect_hop`."""

    url: str  #: the Location, less the ``oauth_`` query parameters it echoes back when they went in the query
    method: str
    body: Body  #: the caller's body again, or None: the hop has none
    signed: bool  #: whether to sign the hop (with ``sign(..., placement=placement)``); else it goes bare
    placement: str  #: where the OAuth parameters of a signed hop go
    drop_headers: Tuple[str, ...]  #: the (lower-case) headers of the redirected request the hop must not carry


# What a redirect makes of the method [RFC 9110 §15.4]: per status, the methods it turns into GET.
_TO_GET = {301: ("POST",), 302: None, 303: None}  # None: every method but HEAD


def redirect_hop(
    first_url: Text,
    hop_url: Text,
    status: Optional[int],
    method: str,
    body: Body,
    *,
    hop_method: Optional[str] = None,
    placement: str = "header",
    sign_redirects: str = "same-origin",
    signature_method: Optional[SignatureMethod] = None,
) -> Hop:
    """What to send for a redirect hop: the redirect rules, in one place, for every shell.

    ``first_url`` is the URL of the chain's first request, whose origin
    decides which hops are signed; ``method`` and ``body`` are the redirected
    request as the caller built it, unsigned (a file as the bytes read from
    it); ``hop_url`` is the ``Location``, ``status`` the redirect's status.
    ``placement``, ``sign_redirects`` and ``signature_method`` are the
    signer's settings. A pure function of its arguments.

    * Method and body [RFC 9110 §15.4]: 307 and 308 keep both; 303, and 302
      as browsers, requests and httpx read it, make any method but HEAD a
      GET; 301 makes a POST a GET. Only a 307 or 308 hop resends the
      caller's body; any other has none, nor Content-Type and Content-Length.
      An HTTP library that does not tell the shell the status (httplib2, an
      httpx request hook) passes ``status=None`` and ``hop_method``, the
      method it chose: the body then goes with the method, resent when the
      method is kept.
    * Signing: as :func:`signs_redirect` says (the first request's origin, or
      an http-to-https upgrade; every origin with ``sign_redirects="all"``,
      never a PLAINTEXT signature to another). A hop not signed goes without
      any OAuth parameter. Either way the redirected request's
      ``Authorization`` is dropped: its nonce is spent.
    * Placement: where the first request put the OAuth parameters, but a hop
      without a body carries those placed in the body in its query
      [§3.5.2]; with ``"query"``, the ``oauth_`` parameters the ``Location``
      echoes back are removed first, so that none is sent twice.
    """
    method = _text(method, "method").upper()
    if status is None:
        new_method = _text(hop_method or method, "method").upper()
        keeps_body = new_method == method
    else:
        to_get = _TO_GET.get(status, ())
        new_method = "GET" if method != "HEAD" and (to_get is None or method in to_get) else method
        keeps_body = status in (307, 308)
    url = _text(hop_url, "hop URL")
    if placement == "query":
        url = _strip_oauth_query(url)
    if not keeps_body and placement == "body":
        placement = "query"  # a hop without a body cannot carry them [§3.5.2]
    return Hop(
        url=url,
        method=new_method,
        body=body if keeps_body else None,
        signed=signs_redirect(first_url, url, sign_redirects=sign_redirects, signature_method=signature_method),
        placement=placement,
        drop_headers=("authorization",) if keeps_body else ("authorization", "content-type", "content-length"),
    )


def check_sign_redirects(sign_redirects: str) -> None:
    """Raise ValueError for a ``sign_redirects`` other than ``"same-origin"`` and ``"all"`` (for a shell's settings)."""
    if sign_redirects not in _SIGN_REDIRECTS:
        raise ValueError(f"sign_redirects must be one of {', '.join(_SIGN_REDIRECTS)}, not {sign_redirects!r}")


def _origin(url: str) -> Optional[Tuple[str, str]]:
    """The scheme and ``host[:port]`` of ``url`` as :func:`split_url` writes them (a default port left
    out); None for a URL it cannot read."""
    try:
        base_uri = split_url(url)[0]
    except InvalidRequest:
        return None
    scheme, _, rest = base_uri.partition("://")
    return scheme, rest.partition("/")[0]


def build_xoauth_string(
    url: str, consumer: Consumer, token: Optional[Token] = None, signature_method: Optional[SignatureMethod] = None
) -> str:
    """The XOAUTH SASL string for IMAP/SMTP: ``GET <url> k="v",...`` (1.9's format).

    Signed with HMAC-SHA1 unless another method is given.
    """
    request = sign("GET", url, consumer, token, signature_method=signature_method).request
    params = ",".join(f'{k}="{escape(v)}"' for k, v in sorted(_pairs_of(request)))
    return f"GET {url} {params}"


def build_xoauth2_string(user: str, access_token: str) -> str:
    """The XOAUTH2 SASL string: ``user=<user>^Aauth=Bearer <token>^A^A`` (not base64)."""
    return f"user={user}\x01auth=Bearer {access_token}\x01\x01"


# ----------------------------------------------------------------------- 8. server


class NonceStore:
    """Where a server remembers the nonces it accepted [§3.3].

    ``add`` records the combination for ``ttl`` seconds and returns whether it
    was new; it must be atomic when several threads or processes share it.
    """

    def add(self, consumer_key: str, token: Optional[str], timestamp: int, nonce: str, ttl: int) -> bool:
        """Record the combination; False if it is already there."""
        raise NotImplementedError

    @staticmethod
    def digest(consumer_key: str, token: Optional[str], timestamp: int, nonce: str) -> bytes:
        """The key a store should keep for the combination: 32 bytes (SHA-256), whatever the nonce's length."""
        return _nonce_digest(consumer_key, token, timestamp, nonce)


def _nonce_key(consumer_key: str, token: Optional[str], timestamp: int, nonce: str) -> str:
    return "&".join((escape(consumer_key), escape(token or ""), str(timestamp), escape(nonce)))


def _nonce_digest(consumer_key: str, token: Optional[str], timestamp: int, nonce: str) -> bytes:
    """A fixed-size key for the combination, so that a store holds no nonce of the client's length.

    Each text is prefixed with its length, so that no part can run into the
    next; a missing token is told apart from an empty one.
    """
    token_part = "-" if token is None else f"+{len(token)}:{token}"
    key = f"{len(consumer_key)}:{consumer_key}{token_part}{int(timestamp)}:{len(nonce)}:{nonce}"
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()


class MemoryNonceStore(NonceStore):
    """A thread-safe, bounded in-memory nonce store for one process.

    Entries expire with the timestamp window, soonest first (a heap: no scan
    of the table). When ``max_entries`` unexpired entries are held, or
    ``max_entries_per_consumer`` of one consumer (half of ``max_entries`` by
    default, so that one consumer cannot deny the others), new requests are
    refused (503) rather than forgetting a nonce that could then be replayed.
    Only a digest of each combination is kept.
    """

    def __init__(
        self,
        max_entries: int = 1_000_000,
        clock: Callable[[], float] = time.time,
        *,
        max_entries_per_consumer: Optional[int] = None,
    ) -> None:
        self.max_entries = max_entries
        if max_entries_per_consumer is None:
            max_entries_per_consumer = max(1, max_entries // 2)
        self.max_entries_per_consumer = max_entries_per_consumer
        self._clock = clock
        self._held: Set[bytes] = set()
        self._expiry: List[Tuple[float, bytes, str]] = []  # a heap of (expires, digest, consumer key)
        self._per_consumer: Dict[str, int] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._held)

    def add(self, consumer_key: str, token: Optional[str], timestamp: int, nonce: str, ttl: int) -> bool:
        """Record the combination for ``ttl`` seconds; False if it is already there."""
        digest = _nonce_digest(consumer_key, token, timestamp, nonce)
        now = self._clock()
        with self._lock:
            self._forget_expired(now)
            if digest in self._held:
                return False
            held = self._per_consumer.get(consumer_key, 0)
            if len(self._held) >= self.max_entries:
                raise ServiceUnavailable(
                    "Too many requests in the timestamp window; sign the request again (a new nonce) to retry later."
                )
            if held >= self.max_entries_per_consumer:
                raise ServiceUnavailable(
                    "Too many requests from this consumer in the timestamp window;"
                    " sign the request again (a new nonce) to retry later."
                )
            self._held.add(digest)
            heapq.heappush(self._expiry, (now + ttl, digest, consumer_key))
            self._per_consumer[consumer_key] = held + 1
            return True

    def _forget_expired(self, now: float) -> None:
        """Drop the entries expired at ``now``; each is dropped once, so O(log n) per add over time."""
        expiry = self._expiry
        while expiry and expiry[0][0] <= now:
            _, digest, consumer_key = heapq.heappop(expiry)
            self._held.remove(digest)
            left = self._per_consumer[consumer_key] - 1
            if left:
                self._per_consumer[consumer_key] = left
            else:
                del self._per_consumer[consumer_key]


class SQLiteNonceStore(NonceStore):
    """A nonce store in one SQLite file, shared by the processes of one machine.

    For several workers of one provider (``uvicorn --workers``, gunicorn) on
    one host, where each worker's own ``MemoryNonceStore`` would accept a
    replay sent to another worker. Each combination is one row keyed by its
    digest, inserted in one write transaction, so that exactly one of the
    processes racing on it succeeds. Expired rows are deleted a bounded batch
    at a time, by an index on their expiry. The file is in WAL mode; a write
    waits up to ``timeout`` seconds for another one. A failure (locked longer,
    a disk error, an unwritable path) raises ``sqlite3.Error``, which
    ``Server.verify_request`` answers with 503.

    Safe across threads (one connection per process, behind a lock) and
    across ``fork``: a process opens its own connection, never its parent's.
    Use a local disk (SQLite's locks do not hold on network file systems);
    for several hosts, use ``RedisNonceStore``.
    """

    _SCHEMA = (
        "CREATE TABLE IF NOT EXISTS oauth2_nonces (digest BLOB PRIMARY KEY, expires REAL NOT NULL) WITHOUT ROWID",
        "CREATE INDEX IF NOT EXISTS oauth2_nonces_expires ON oauth2_nonces (expires)",
    )
    # A bounded batch, more than the one row an add inserts: while batches come back full, every add
    # deletes one, so expired rows never pile up; otherwise not before the earliest row left expires.
    _FORGET_EXPIRED = (
        "DELETE FROM oauth2_nonces WHERE digest IN"
        " (SELECT digest FROM oauth2_nonces WHERE expires <= ? ORDER BY expires LIMIT 64)"
    )
    _FORGET_BATCH = 64  # the LIMIT above
    _EARLIEST_EXPIRY = "SELECT min(expires) FROM oauth2_nonces"
    # Seconds at least between two deletions that find no full batch: one statement per add in between.
    _FORGET_INTERVAL = 1.0
    # When this process deletes expired rows next (under the lock).
    _forget_after = 0.0
    # One statement, atomic on its own: a new combination is inserted, an expired one renewed, a live one
    # left alone (no row changed: a replay). Upserts need SQLite 3.24; an older one runs _FORGET_IF_EXPIRED
    # and _INSERT in one transaction.
    _UPSERT = (
        "INSERT INTO oauth2_nonces (digest, expires) VALUES (?, ?)"
        " ON CONFLICT (digest) DO UPDATE SET expires = excluded.expires WHERE oauth2_nonces.expires <= ?"
    )
    _FORGET_IF_EXPIRED = "DELETE FROM oauth2_nonces WHERE digest = ? AND expires <= ?"
    _INSERT = "INSERT OR IGNORE INTO oauth2_nonces (digest, expires) VALUES (?, ?)"

    def __init__(
        self, path: Union[str, os.PathLike[str]], *, timeout: float = 5.0, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = os.fspath(path)
        self.timeout = timeout
        self._clock = clock
        self._process: Optional[Tuple[int, threading.Lock, sqlite3.Connection]] = None
        # The parent's connections, which a forked child must not use (SQLite's rule): held
        # here so that the child does not close them either, as garbage collection would.
        self._inherited: List[sqlite3.Connection] = []
        self.connection()  # an unwritable path fails here, when the provider starts

    def add(self, consumer_key: str, token: Optional[str], timestamp: int, nonce: str, ttl: int) -> bool:
        """Record the combination for ``ttl`` seconds; False if it is already there."""
        import sqlite3

        digest = _nonce_digest(consumer_key, token, timestamp, nonce)
        now = self._clock()
        lock, connection = self.connection()
        with lock:
            # Autocommit: each statement is its own write transaction, holding SQLite's lock for itself alone.
            if now >= self._forget_after and (
                connection.execute(self._FORGET_EXPIRED, (now,)).rowcount < self._FORGET_BATCH
            ):
                earliest = connection.execute(self._EARLIEST_EXPIRY).fetchone()[0]
                soonest = now + ttl if earliest is None else min(earliest, now + ttl)
                self._forget_after = max(soonest, now + self._FORGET_INTERVAL)
            if sqlite3.sqlite_version_info >= (3, 24):
                return connection.execute(self._UPSERT, (digest, now + ttl, now)).rowcount == 1
            try:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute(self._FORGET_IF_EXPIRED, (digest, now))
                added = connection.execute(self._INSERT, (digest, now + ttl)).rowcount == 1
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.rollback()
                raise
        return added

    def close(self) -> None:
        """Close this process's connection, once an ``add`` under way is done; the next ``add`` opens another."""
        process, self._process = self._process, None
        if process is None:
            return
        if process[0] != os.getpid():
            self._inherited.append(process[2])
            return
        with process[1]:
            process[2].close()

    def connection(self) -> Tuple[threading.Lock, sqlite3.Connection]:
        """This process's lock and connection to the file, opened on its first use (and again after a fork).

        A store that keeps its own tables in the same file (``oauth2.kit.SQLiteStore``)
        runs its statements on it, holding the lock, so that one connection per process
        serves both.
        """
        process = self._process
        if process is None or process[0] != os.getpid():
            if process is not None:
                self._inherited.append(process[2])
            process = (os.getpid(), threading.Lock(), self._connect())
            self._process = process
        return process[1], process[2]

    def _connect(self) -> sqlite3.Connection:
        """A connection in autocommit mode (add opens its own transactions), on a WAL file with the table."""
        import sqlite3

        connection = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            # A process that crashes loses no nonce; only a power cut may lose the last ones.
            connection.execute("PRAGMA synchronous=NORMAL")
            for statement in self._SCHEMA:
                connection.execute(statement)
        except BaseException:
            connection.close()
            raise
        return connection


#: Seconds a Redis store built from ``url=`` waits to connect and for each reply:
#: a store that is down or hung is a 503 within about a second, not a frozen worker.
_REDIS_TIMEOUT = 0.5

# One round trip: the marker (see _RedisNonces) is read, re-written when it is
# gone, and the nonce is set, atomically. KEYS: nonce, marker. ARGV: ttl, the
# marker this store saw last ('' before its first call), a new store's marker,
# a loss marker.
_REDIS_ADD = """
local marker = redis.call('GET', KEYS[2])
local seen = ARGV[2]
if not marker or (seen ~= '' and marker ~= seen and string.sub(marker, 1, 2) == '0 ') then
  if not marker and seen == '' then marker = ARGV[3] else marker = ARGV[4] end
  redis.call('SET', KEYS[2], marker)
end
local added = redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) and 1 or 0
return {added, marker}
"""


def _redis_module(module_name: str, store: str) -> Any:
    """``redis`` or ``redis.asyncio``; an error naming the extra when redis-py is not installed."""
    try:
        return importlib.import_module(module_name)
    except ImportError:
        raise Error(f"{store} needs the 'redis' package, this library's 'redis' extra: pip install redis.") from None


def _fail_fast_redis(module: Any, url: Optional[str]) -> Any:
    """A client of ``module`` (redis or redis.asyncio) with short timeouts, never retrying a timeout.

    A broken connection is retried once, at once: after a Redis restart each
    pooled connection is dead, and the command never reached the new server.
    """
    from redis.backoff import NoBackoff
    from redis.exceptions import ConnectionError as BrokenConnection

    return module.Redis.from_url(
        url or "redis://127.0.0.1:6379/0",
        socket_timeout=_REDIS_TIMEOUT,
        socket_connect_timeout=_REDIS_TIMEOUT,
        retry=module.retry.Retry(NoBackoff(), 1, supported_errors=(BrokenConnection,)),
    )


class _RedisNonces:
    """What both Redis stores share: the client, the keys, the script and reading its answer.

    Loss detection: the key ``<prefix>marker`` (no TTL) is written by a store's
    first call when it is missing, and each call reads it in the same script as
    the nonce. A store that finds it gone, or re-created by a new store, after
    it saw it knows that Redis lost its records: it writes a loss marker holding
    the time (``clock``), and every store then refuses the timestamps that could
    have been accepted before the loss (:class:`NonceStoreLost`).
    """

    _client_module = "redis"

    def __init__(
        self,
        client: Any = None,
        *,
        url: Optional[str] = None,
        prefix: str = "oauth2:nonce:",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._module = _redis_module(self._client_module, type(self).__name__) if client is None else None
        self._url = url
        self._client = client
        self.prefix = prefix
        self._clock = clock
        self._script: Any = None
        self._marker = ""
        self._id = secrets.token_hex(8)

    @property
    def client(self) -> Any:
        """The Redis client: the one given, or one built from ``url=`` at the first call.

        Built late because redis.asyncio's connection pool makes an ``asyncio.Lock``,
        which on Python 3.9 needs the event loop the app then runs in.
        """
        if self._client is None:
            self._client = _fail_fast_redis(self._module, self._url)
        return self._client

    def _add_script(self) -> Any:
        """The script that sets a nonce and checks the marker, registered with the client once."""
        if self._script is None:
            self._script = self.client.register_script(_REDIS_ADD)
        return self._script

    def _script_call(
        self, consumer_key: str, token: Optional[str], timestamp: int, nonce: str, ttl: int
    ) -> Dict[str, List[Any]]:
        """The keys and arguments of one call of the script."""
        key = self.prefix + _nonce_key(consumer_key, token, timestamp, nonce)
        args = [max(int(ttl), 1), self._marker, f"0 {self._id}", f"{self._clock()!r} {self._id}"]
        return {"keys": [key, self.prefix + "marker"], "args": args}

    def _added(self, answer: List[Any], timestamp: int, ttl: int) -> bool:
        """Whether the nonce was new; NonceStoreLost while it could replay one accepted before a loss."""
        added, marker = answer
        self._marker = marker.decode() if isinstance(marker, bytes) else str(marker)
        lost_at = float(self._marker.split(" ", 1)[0])
        if lost_at and timestamp < lost_at + ttl:
            raise NonceStoreLost(
                f"The nonce store lost its records at {lost_at:.0f} (Redis restarted without persistence?): "
                "requests timestamped before the window has passed may be replays.",
                lost_at,
                bool(added),
            )
        return bool(added)


class RedisNonceStore(_RedisNonces, NonceStore):
    """A nonce store in Redis, shared by processes and hosts (the ``redis`` extra: ``pip install redis``).

    ``RedisNonceStore(client=None, *, url=None, prefix="oauth2:nonce:", clock=time.time)``.
    Each combination is one key set with ``SET NX EX``, atomic on the server,
    in one script that also detects a Redis that lost its records (see
    :class:`NonceStoreLost`). ``url=`` builds a client that fails fast
    (0.5 s timeouts, a timeout never retried); a ``client`` is used as given.
    ``clock`` dates a loss.
    """

    def add(self, consumer_key: str, token: Optional[str], timestamp: int, nonce: str, ttl: int) -> bool:
        """Record the combination for ``ttl`` seconds; False if it is already there."""
        answer = self._add_script()(**self._script_call(consumer_key, token, timestamp, nonce, ttl))
        return self._added(answer, timestamp, ttl)


class AsyncRedisNonceStore(_RedisNonces):
    """:class:`RedisNonceStore` on ``redis.asyncio``, for :meth:`Server.verify_request_async`.

    The same arguments, keys, script and loss detection; ``client`` is a
    ``redis.asyncio.Redis``, and ``url=`` builds one that fails fast.
    """

    _client_module = "redis.asyncio"

    async def add(self, consumer_key: str, token: Optional[str], timestamp: int, nonce: str, ttl: int) -> bool:
        """Record the combination for ``ttl`` seconds; False if it is already there."""
        answer = await self._add_script()(**self._script_call(consumer_key, token, timestamp, nonce, ttl))
        return self._added(answer, timestamp, ttl)


_REQUIRED = ("oauth_consumer_key", "oauth_signature_method", "oauth_signature")
_PROTOCOL = (*_REQUIRED, "oauth_token", "oauth_timestamp", "oauth_nonce", "oauth_version", "oauth_body_hash")


class _Checked(NamedTuple):
    """A request that passed every check but the nonce."""

    parameters: Dict[str, Any]
    #: The arguments of NonceStore.add, or None without a timestamp (PLAINTEXT).
    nonce: Optional[Tuple[str, Optional[str], int, str, int]]


class Server:
    """Verifies signed requests, as a provider does [§3.2].

    ``Server(signature_methods=None, *, nonce_store=None, timestamp_threshold=None,
    future_threshold=None, clock=time.time, allow_plaintext_over_http=False,
    require_body_hash=False, allow_empty_secret=False,
    allow_plaintext_without_nonce=False, max_nonce_length=64, clock_skew=60)``:

    * ``signature_methods``: the allow-list, a dict by name (as in 1.9) or an
      iterable of methods; none by default. ``add_signature_method`` extends it.
    * ``timestamp_threshold``: how many seconds a timestamp may lie in the past
      (300); ``future_threshold``: in the future (the same by default).
    * ``clock``: the time the timestamps are compared with, in seconds.
    * ``nonce_store``: where accepted nonces are remembered, so that a replay is
      refused [§3.3]; a ``MemoryNonceStore`` by default, a ``SQLiteNonceStore``
      for the workers of one machine, a ``RedisNonceStore`` for several hosts
      (``AsyncRedisNonceStore`` with ``verify_request_async``).
    * ``allow_plaintext_over_http``: accept PLAINTEXT signatures over plain
      http, which expose the secrets (refused by default, §3.4.4).
    * ``require_body_hash``: refuse a request with a non-form body that carries
      no ``oauth_body_hash``; by default the hash is checked only when present.
    * ``allow_empty_secret``: accept HMAC and PLAINTEXT signatures (any method
      whose ``uses_shared_secrets`` is true) for a consumer whose secret is
      empty, or with a token whose secret is empty. Refused by default: their
      key would be ``&`` and the token secret, or the consumer secret and
      ``&``, which anyone holding the other half can sign with (an RSA
      consumer registered with an empty secret, as is usual, would be forged
      with the key ``&``).
    * ``allow_plaintext_without_nonce``: accept PLAINTEXT requests without
      ``oauth_timestamp`` and ``oauth_nonce``, as RFC 5849 §3.1 allows; such a
      request never reaches the nonce store, so it can be replayed forever.
      Refused by default.
    * ``max_nonce_length``: the longest ``oauth_nonce`` accepted (64
      characters: 64 hex digits, or base64 of 32 bytes, fit).
    * ``clock_skew``: how many seconds the clocks of the hosts sharing a nonce
      store may differ (60): a shared store keeps nonces that much longer than
      the window (a ``MemoryNonceStore`` has one clock), and after a store's
      loss timestamps are refused that much longer.
    """

    timestamp_threshold = 300  # In seconds, five minutes.
    version = OAUTH_VERSION
    signature_methods: Dict[str, SignatureMethod]

    def __init__(
        self,
        signature_methods: Optional[Union[Mapping[str, SignatureMethod], Iterable[SignatureMethod]]] = None,
        *,
        nonce_store: Optional[NonceStore] = None,
        timestamp_threshold: Optional[int] = None,
        future_threshold: Optional[int] = None,
        clock: Callable[[], float] = time.time,
        allow_plaintext_over_http: bool = False,
        require_body_hash: bool = False,
        allow_empty_secret: bool = False,
        allow_plaintext_without_nonce: bool = False,
        max_nonce_length: int = 64,
        clock_skew: int = 60,
    ) -> None:
        """A server accepting ``signature_methods``, with the checks the options set (see ``help(Server)``).

        ``signature_methods`` is the allow-list (a dict by name, or methods);
        ``nonce_store`` remembers nonces (a ``MemoryNonceStore`` by default);
        ``timestamp_threshold`` and ``future_threshold`` bound the timestamp's
        age in seconds; ``clock`` reads the time; ``allow_plaintext_over_http``
        and ``require_body_hash`` relax and tighten two checks;
        ``allow_empty_secret`` and ``allow_plaintext_without_nonce`` accept
        what is refused by default (forgeable and replayable requests);
        ``max_nonce_length`` bounds ``oauth_nonce``; ``clock_skew`` is how far
        the clocks of hosts sharing a nonce store may differ, in seconds.
        """
        if isinstance(signature_methods, dict):
            self.signature_methods = signature_methods
        elif isinstance(signature_methods, Mapping):
            self.signature_methods = dict(signature_methods)
        else:
            methods = list(signature_methods or ())
            if not all(isinstance(m, SignatureMethod) for m in methods):
                raise TypeError("signature_methods must hold SignatureMethod instances")
            self.signature_methods = {m.name: m for m in methods}
        if timestamp_threshold is not None:
            self.timestamp_threshold = timestamp_threshold
        self.future_threshold = future_threshold if future_threshold is not None else self.timestamp_threshold
        self.clock = clock
        self.nonce_store = nonce_store if nonce_store is not None else MemoryNonceStore(clock=clock)
        self.allow_plaintext_over_http = allow_plaintext_over_http
        self.require_body_hash = require_body_hash
        self.allow_empty_secret = allow_empty_secret
        self.allow_plaintext_without_nonce = allow_plaintext_without_nonce
        if type(max_nonce_length) is not int or max_nonce_length < 1:
            raise ValueError(f"max_nonce_length must be a positive int, not {max_nonce_length!r}")
        self.max_nonce_length = max_nonce_length
        if clock_skew < 0:
            raise ValueError("clock_skew must be a number of seconds, 0 or more.")
        self.clock_skew = clock_skew

    def add_signature_method(self, signature_method: SignatureMethod) -> Dict[str, SignatureMethod]:
        """Accept ``signature_method``; returns the allow-list."""
        self.signature_methods[signature_method.name] = signature_method
        return self.signature_methods

    def verify_request(self, request: Request, consumer: Consumer, token: Optional[Token]) -> Dict[str, Any]:
        """Verify ``request`` and return its non-OAuth parameters.

        Raises an :class:`Error` subclass with ``status`` and ``oauth_problem``
        for the first check that fails: required parameters [§3.1], version,
        signature method, credentials and their secrets, timestamp and the
        nonce's length [§3.3], signature [§3.4], body hash, and last the nonce,
        so that only valid requests use one up.
        An async nonce store needs :meth:`verify_request_async`: here, a
        request that passes every other check raises TypeError, no nonce recorded.
        """
        checked = self._checked(request, consumer, token)
        if checked.nonce is not None:
            try:
                added = self.nonce_store.add(*checked.nonce)
            except Exception as exc:
                added = self._store_failed(exc, checked.nonce[2])
            # Told by what add() returned rather than by inspecting it on every call (5% of a verify):
            # the coroutine of an async store has not run, so it recorded nothing.
            if inspect.iscoroutine(added):
                added.close()
                raise TypeError(
                    f"{type(self.nonce_store).__name__} is async: await server.verify_request_async(...) instead."
                )
            self._check_new(added)
        return checked.parameters

    async def verify_request_async(
        self, request: Request, consumer: Consumer, token: Optional[Token]
    ) -> Dict[str, Any]:
        """:meth:`verify_request` for ASGI apps: the same checks, the nonce store awaited.

        An async store (:class:`AsyncRedisNonceStore`) is awaited; a blocking one
        runs in a thread (``asyncio.to_thread``), so that a slow store never
        freezes the event loop; a ``MemoryNonceStore`` runs inline.
        """
        import asyncio

        checked = self._checked(request, consumer, token)
        if checked.nonce is not None:
            store = self.nonce_store
            try:
                if inspect.iscoroutinefunction(store.add):
                    added = await store.add(*checked.nonce)
                elif isinstance(store, MemoryNonceStore):
                    added = store.add(*checked.nonce)
                else:
                    added = await asyncio.to_thread(store.add, *checked.nonce)
            except Exception as exc:
                added = self._store_failed(exc, checked.nonce[2])
            self._check_new(added)
        return checked.parameters

    def _checked(self, request: Request, consumer: Consumer, token: Optional[Token]) -> _Checked:
        """Every check but the nonce, in verify_request's order; the parameters and the nonce to record."""
        if not isinstance(request, Request):
            raise TypeError(f"verify_request needs an oauth2.Request, not {type(request).__name__}")
        _consumer_and_token(consumer, token)
        own, added, params, parameters = self._parameters(request)
        if type(request).get_nonoauth_parameters is not Request.get_nonoauth_parameters:
            parameters = dict(request.get_nonoauth_parameters())  # a subclass's own, which 1.9's Server returned
        method = self._signature_method(request, params["oauth_signature_method"])
        self._check_credentials(params, consumer, token)
        self._check_secrets(method, consumer, token)
        timestamp = self._check_timestamp(params["oauth_timestamp"])
        self._check_nonce(params["oauth_nonce"])
        if _uses_base_string(method, _CHECKING_HOOKS):
            verify(request.method, _base_uri_of(request), own + added, params["oauth_signature"], consumer, token,
                   signature_method=method)
        elif not method.check(request, consumer, token, params["oauth_signature"]):  # 1.9's way
            base_string = _base_string_steps(request.method, _base_uri_of(request), own + added).base_string
            raise InvalidSignature(base_string=base_string)
        self._check_body_hash(request, method, params["oauth_body_hash"])
        added_values: Dict[str, List[str]] = {}
        for name, value in added:
            if not name.startswith("oauth_"):
                added_values.setdefault(name, []).append(value)
        for name, values in added_values.items():
            _add_values(parameters, name, values)
        if timestamp is None:
            return _Checked(parameters, None)
        # A shared record must outlive the window on every host: one whose clock
        # is clock_skew behind still accepts the timestamp after this one's window.
        skew = 0 if isinstance(self.nonce_store, MemoryNonceStore) else self.clock_skew
        ttl = self.timestamp_threshold + self.future_threshold + skew + 1
        key = (consumer.key or "", token.key if token else None, timestamp, params["oauth_nonce"], ttl)
        return _Checked(parameters, key)

    @staticmethod
    def _check_new(added: bool) -> None:
        """A nonce the store already held is a replay [§3.3]."""
        if not added:
            raise NonceUsed("This nonce was already used with this timestamp: the request is a replay.")

    def _store_failed(self, exc: Exception, timestamp: int) -> bool:
        """What a store's error means: a 503, or after a loss, the store's answer once it is safe.

        Requests timestamped before ``lost_at + future_threshold + clock_skew``
        could have been accepted before the loss, by a host up to clock_skew
        ahead, so they are refused; later ones were not, so the store's answer
        holds.
        """
        if isinstance(exc, NonceStoreLost):
            safe_from = int(exc.lost_at) + self.future_threshold + self.clock_skew + 1
            if timestamp >= safe_from:
                return exc.added
            raise NonceStoreLost(
                "The nonce store lost its records, so this request could be a replay. Sign the request again "
                f"(a new nonce and timestamp) once the server's time has reached {safe_from}.",
                exc.lost_at,
                exc.added,
            ) from exc
        if isinstance(exc, Error):
            raise exc
        # The store's own message may name its URL and password: only its type is shown.
        raise ServiceUnavailable(
            f"The nonce store failed ({type(exc).__name__}), so replays cannot be refused. It may have "
            "recorded the nonce all the same: to retry later, sign the request again (a new nonce)."
        ) from exc

    def build_authenticate_header(self, realm: str = "") -> Dict[str, str]:
        """The ``WWW-Authenticate`` header of a 401 response."""
        return build_authenticate_header(realm)

    def _parameters(self, request: Request) -> Tuple[List[Pair], List[Pair], Dict[str, Any], Dict[str, Any]]:
        """The request's signed pairs: the dict's (what :meth:`Request._own_pairs` gives) and the body's and
        query's it leaves out; the protocol parameters the checks read (None where absent), each sent once
        [§3.1]; and the dict's non-OAuth parameters (what get_nonoauth_parameters gives). One pass over the dict."""
        own: List[Pair] = []
        params: Dict[str, Any] = dict.fromkeys(_PROTOCOL)
        others = {}
        for name, value in request.items():
            if type(value) is not str:
                if name.startswith("oauth_"):
                    value = _one_value(name, value)  # a list, as parse_qs gives: one value at most
                    if value is None:
                        continue
                else:
                    own.extend(_pairs_of({name: value}))
                    others[name] = value
                    continue
            if name in params:
                params[name] = value
            elif not name.startswith("oauth_"):
                others[name] = value
            if name != "oauth_signature":
                own.append((name, value))
        body, query = request._body_pairs(), request._query_pairs()
        added = _added_pairs(own, body, query)
        for name, value in query:
            if name.startswith("oauth_"):
                if name in request or params.get(name) is not None:
                    raise InvalidRequest(f"The OAuth parameter {name} is sent more than once.")
                params[name] = value
        if params["oauth_signature"] is None:
            raise MissingSignature()
        for name in _REQUIRED:
            if params[name] is None:
                raise MissingParameter(name)
        # §3.1 lets PLAINTEXT omit both (refused by _check_timestamp unless allowed,
        # once the method is); once a timestamp is sent, the replay check needs its nonce.
        if params["oauth_signature_method"] != SignatureMethod_PLAINTEXT.name or params["oauth_timestamp"] is not None:
            for name in ("oauth_timestamp", "oauth_nonce"):
                if params[name] is None:
                    raise MissingParameter(name)
        version = params["oauth_version"]
        if version is not None and version != self.version:
            raise VersionRejected(f"OAuth version {version[:20]!r} is not supported; use 1.0.")
        return own, added, params, others

    def _signature_method(self, request: Request, name: str) -> SignatureMethod:
        """The allowed method named ``name``; PLAINTEXT only over TLS unless allowed [§3.4.4]."""
        method = self.signature_methods.get(name)
        if method is None:
            allowed = ", ".join(sorted(self.signature_methods)) or "none"
            raise UnsupportedSignatureMethod(f"Signature method {name[:40]!r} is not accepted; accepted: {allowed}.")
        if (
            method.name == SignatureMethod_PLAINTEXT.name
            and not self.allow_plaintext_over_http
            and not (request.__dict__.get("normalized_url") or "").startswith("https:")
        ):
            raise UnsupportedSignatureMethod("PLAINTEXT is only accepted over https.")
        return method

    def _check_credentials(self, params: Dict[str, Any], consumer: Consumer, token: Optional[Token]) -> None:
        """The request must name the consumer and token it is verified against."""
        if params["oauth_consumer_key"] != consumer.key:
            raise ConsumerKeyRejected("The request's oauth_consumer_key does not match the consumer.")
        if token is not None and params["oauth_token"] != token.key:
            raise TokenRejected("The request's oauth_token does not match the token.")

    def _check_secrets(self, method: SignatureMethod, consumer: Consumer, token: Optional[Token]) -> None:
        """A method keyed by the shared secrets needs them, unless ``allow_empty_secret`` [§3.4.2, §3.4.4].

        Without the consumer secret, the key is ``&`` and the token secret; without the
        token secret, anyone holding the consumer secret can use any token, its key
        being sent in the clear.
        """
        if self.allow_empty_secret or not method.uses_shared_secrets:
            return
        if not consumer.secret:
            raise ConsumerKeyRejected(
                f"This consumer has no secret, so a {method.name} signature proves nothing: "
                "sign with the consumer's RSA key, or register the consumer with a secret."
            )
        if token is not None and not token.secret:
            raise TokenRejected(
                f"This token has no secret, so a {method.name} signature cannot prove that the client holds it: "
                "issue tokens with a secret."
            )

    def _check_timestamp(self, value: Optional[str]) -> Optional[int]:
        """The timestamp as an int, within the window [§3.3]; None if absent (PLAINTEXT, when allowed)."""
        if value is None:
            # Only PLAINTEXT gets here [§3.1]: without a timestamp there is no replay check.
            if not self.allow_plaintext_without_nonce:
                raise MissingParameter("oauth_timestamp")
            return None
        if not (value.isascii() and value.isdigit() and len(value) <= 12):
            raise InvalidRequest("oauth_timestamp must be a positive integer number of seconds.")
        timestamp = int(value)
        now = int(self.clock())
        if timestamp < now - self.timestamp_threshold:
            raise TimestampRefused(
                f"Expired timestamp: given {timestamp}, must be at least {now - self.timestamp_threshold}."
            )
        if timestamp > now + self.future_threshold:
            raise TimestampRefused(
                f"Timestamp in the future: given {timestamp}, must be at most {now + self.future_threshold}."
            )
        return timestamp

    def _check_nonce(self, nonce: Optional[str]) -> None:
        """A nonce the store can keep: not empty, at most ``max_nonce_length`` characters [§3.3]."""
        if nonce is None:  # PLAINTEXT without a timestamp, allowed by _check_timestamp
            return
        if not nonce:
            raise InvalidRequest("oauth_nonce is empty: send a random string, new for each request.")
        if len(nonce) > self.max_nonce_length:
            raise InvalidRequest(
                f"oauth_nonce is {len(nonce)} characters long; this server accepts at most {self.max_nonce_length}."
            )

    def _check_body_hash(self, request: Request, method: SignatureMethod, body_hash: Optional[str]) -> None:
        """Check ``oauth_body_hash`` against the body (body hash extension §3.2, §4.1.1)."""
        if body_hash is None:
            if not self.require_body_hash or request.is_form_encoded:
                return
            if not request._body_given and request.method not in ("GET", "HEAD"):
                # The body may be anything: without it, requiring its hash would let it through unchecked.
                raise InvalidRequest(
                    "oauth_body_hash is required but cannot be checked: the request body was not given; "
                    "pass it as Request.from_request(..., body=raw_body) (from_wsgi reads it for you)."
                )
            if body_bytes(request.body):
                raise MissingParameter("oauth_body_hash")
            return
        if request.is_form_encoded:
            raise InvalidRequest("oauth_body_hash must not be sent with a form-encoded body.")
        if not _same(method.body_hash(request.body), body_hash):
            if not request._body_given:
                raise BodyHashMismatch(
                    "oauth_body_hash cannot be checked: the request body was not given; "
                    "pass it as Request.from_request(..., body=raw_body) (from_wsgi reads it for you)."
                )
            raise BodyHashMismatch("oauth_body_hash does not match the request body.")


# ------------------------------------------ 9. 1.9 compatibility: the Request dict


# What a path segment may hold unescaped: a decoded path is encoded again with these kept.
_PATH_SAFE = "/;=:@!$&'()*+,~-._"


# RFC 3986 §3.2.2-3.2.3: host [":" port], the host a reg-name (IPv4 is one
# syntactically) or a bracketed IP-literal; no "/", "?", "#", "@",
# backslash, whitespace or control character, which would move the path or query.
_AUTHORITY = re.compile(r"(?:\[([0-9A-Za-z:._~!$&'()*+,;=-]+)\]"
                        r"|(?:[A-Za-z0-9._~!$&'()*+,;=-]|%[0-9A-Fa-f]{2})+)(?::[0-9]*)?")
# An origin: scheme "://" authority, optionally "/"; the authority is checked by _AUTHORITY.
_ORIGIN = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)/?")


def _is_authority(authority: str) -> bool:
    """Whether ``authority`` is ``host[:port]`` as RFC 3986 §3.2.2-3.2.3 spells it, without userinfo."""
    match = _AUTHORITY.fullmatch(authority)
    return match is not None and (match.group(1) is None or _is_ip_literal(match.group(1)))


def _received_scheme(scheme: str, what: str) -> str:
    """``scheme`` lower-cased if it is http or https, the only schemes a signed URL may have [§3.4.1.2]."""
    lowered = scheme.lower()
    if lowered not in ("http", "https"):
        raise InvalidRequest(f"The {what} {scheme[:20]!r} is not http or https.")
    return lowered


def _received_authority(authority: str, what: str) -> str:
    """``authority`` if it is ``host[:port]``: a Host header that holds a path, query or fragment
    would make the URL verified differ from the one served (a captured request replayed elsewhere)."""
    if not _is_authority(authority):
        # Userinfo may be a password: the value is then not echoed.
        shown = "holding userinfo (user@)" if "@" in authority else repr(authority[:80])
        raise InvalidRequest(f"The {what} {shown} is not a host[:port] (RFC 3986 §3.2.2).")
    return authority


def _pinned_origin(base_url: Text) -> str:
    """``base_url`` as ``scheme://host[:port]``; a ValueError unless it is an http(s) origin."""
    url = _text(base_url, "base_url")
    match = _ORIGIN.fullmatch(url)
    if match is None:
        raise ValueError("base_url must be an origin, scheme://host[:port] with at most a trailing '/': "
                         "no path, query or fragment")
    scheme, authority = match.groups()
    if scheme.lower() not in ("http", "https"):
        raise ValueError(f"base_url's scheme {scheme!r} is not http or https")
    if "@" in authority:
        raise ValueError("base_url must not hold userinfo (user:password@)")  # not echoed: it may be a secret
    if not _is_authority(authority):
        raise ValueError(f"base_url's host[:port] {authority!r} is not valid (RFC 3986 §3.2.2)")
    return f"{scheme.lower()}://{authority}"


def _trusted_hops(trust_forwarded: Union[bool, int], base_url: Optional[Text]) -> int:
    """How many proxies' X-Forwarded-* values to trust: True is one, False none."""
    if not isinstance(trust_forwarded, int):
        raise TypeError(f"trust_forwarded must be a bool or an int, not {type(trust_forwarded).__name__}")
    if trust_forwarded < 0:
        raise ValueError("trust_forwarded must be a number of proxies, 0 or more")
    if trust_forwarded and base_url is not None:
        # A pinned origin is the answer X-Forwarded-* would give: trusting both leaves unclear which wins.
        raise ValueError("base_url pins the public origin, so X-Forwarded-* is not read: "
                         "pass either base_url or trust_forwarded, not both")
    return int(trust_forwarded)


def _forwarded_value(header: Optional[str], hops: int) -> Optional[str]:
    """The value the ``hops``-th proxy from this server added to an X-Forwarded-* header, as
    Werkzeug's ProxyFix reads it: each proxy appends, so values further left are the client's own.
    None when fewer proxies than ``hops`` added one."""
    if not (hops and header):
        return None
    values = header.split(",")
    return values[-hops].strip() if len(values) >= hops else None


def _received_url(
    scheme: str,
    host: str,
    path: str,
    query: str,
    forwarded: Tuple[Optional[str], Optional[str]],
    hops: int,
    base_url: Optional[Text],
) -> str:
    """The URL a client signed, from what a server received: ``base_url``'s origin when given,
    else the scheme and Host, which ``hops`` trusted proxies' (X-Forwarded-Proto, X-Forwarded-Host)
    replace. The scheme must be http or https and the host a ``host[:port]``."""
    if base_url is not None:
        origin = _pinned_origin(base_url)
    else:
        proto = _forwarded_value(forwarded[0], hops)
        forwarded_host = _forwarded_value(forwarded[1], hops)
        scheme = _received_scheme(*((proto, "X-Forwarded-Proto") if proto is not None else (scheme, "URL scheme")))
        host = _received_authority(*((forwarded_host, "X-Forwarded-Host") if forwarded_host is not None
                                     else (host, "Host header")))
        origin = f"{scheme}://{host}"
    return f"{origin}{path}" + (f"?{query}" if query else "")


# The headers oauth2 reads from an ASGI scope; the others are not decoded.
_ASGI_HEADERS = (b"host", b"authorization", b"content-type", b"x-forwarded-proto", b"x-forwarded-host")


def _asgi_headers(items: object) -> Dict[str, str]:
    """The headers of an ASGI scope that oauth2 reads, by lower-case name, a repeated one joined
    with ", " as HTTP does; a second Content-Type is refused (RFC 9110 §8.3 allows one)."""
    if not isinstance(items, (list, tuple)):
        raise InvalidRequest("The ASGI scope's headers must be a list of (name, value) byte pairs.")
    values: Dict[bytes, List[bytes]] = {}
    for item in items:
        if not (isinstance(item, (tuple, list)) and len(item) == 2
                and all(isinstance(part, (bytes, bytearray)) for part in item)):
            raise InvalidRequest("The ASGI scope's headers must be (name, value) byte pairs.")
        name = bytes(item[0]).lower()
        if name in _ASGI_HEADERS:
            values.setdefault(name, []).append(bytes(item[1]))
    if len(values.get(b"content-type", ())) > 1:
        raise InvalidRequest(_REPEATED_CONTENT_TYPE)
    # ASGI header bytes are latin-1 text, as WSGI's are.
    return {name.decode("latin-1"): b", ".join(parts).decode("latin-1") for name, parts in values.items()}


def _added_pairs(own: List[Pair], body: List[Pair], query: List[Pair]) -> List[Pair]:
    """The pairs of the form ``body`` and the URL's ``query`` that ``own``, a request dict's pairs, leaves out."""
    added: List[Pair] = []
    if body:
        # 1.9's Client passed the body's pairs as parameters too: each counts once.
        added.extend([p for p in _without(body, own) if p[0] != "oauth_signature"])
    if query:
        added.extend([p for p in query if p[0] != "oauth_signature"])
    return added


class Request(Dict[str, Any]):
    """An OAuth request: a dict of its parameters, with its method, URL and body.

    Every parameter is signed once [§3.4.1.3.1]: the dict's, the URL's query
    (read from ``url`` when signing) and, when ``is_form_encoded`` is true,
    the pairs of the form-encoded ``body`` that the dict does not already
    hold. Values are text, or lists of text for repeated names; an int is
    kept as given and signed as its digits, and ``None`` removes a
    parameter. As in 1.9, ``url`` is only an attribute once a URL is set;
    the URL must be http or https.

    ``body`` and ``is_form_encoded`` matter only to ``sign_request``. Any
    non-form, non-empty body of a method other than GET or HEAD is covered
    by ``oauth_body_hash`` (the body hash extension), computed from ``body``
    (bytes, text as UTF-8, or a binary file, read once);
    ``sign_request(..., body_hash=...)`` forces it on or off for such a body.

    Parameters are set through the Request (``request[name] = value``,
    ``update``, ``setdefault``, ``|=``), which turns them into text; dict's
    own methods called on it (``dict.update(request, ...)``) skip that.
    """

    version = OAUTH_VERSION
    # Like ``url``, ``normalized_url`` is only an attribute once a URL is set (1.9).
    normalized_url: Optional[str]
    # The query of ``url``, split from it with ``normalized_url`` when it was set.
    _url_query = ""
    # The URL query and the form body that from_request already copied into
    # the dict, if any: they are not counted again.
    _merged_query: Optional[str] = None
    _merged_body = False
    # False when from_request was not handed the body: a body hash check says so.
    _body_given = True

    def __init__(
        self,
        method: str = HTTP_METHOD,
        url: Optional[Text] = None,
        parameters: Optional[Mapping[str, Any]] = None,
        body: Body = b"",
        is_form_encoded: bool = False,
    ) -> None:
        if url is not None:
            self.url = url
        self.method = method
        if parameters is not None:
            self.update(parameters)
        self.body = body
        self.is_form_encoded = is_form_encoded

    @setter
    def url(self, value: Optional[Text]) -> None:
        if value is None:
            self.__dict__["url"] = None
            self.normalized_url = None
            self._url_query = ""
            return
        url = value if type(value) is str else _text(value, "url")
        normalized_url, query = split_url(url)  # the one split of this URL: its parts are kept
        if not normalized_url.startswith(("http://", "https://")):
            raise InvalidRequest(f"The URL {_redacted(url)!r} is not http or https: a Request is an HTTP request.")
        self.normalized_url = normalized_url
        self._url_query = query
        self.__dict__["url"] = url

    @setter
    def method(self, value: Text) -> None:
        self.__dict__["method"] = (value if type(value) is str else _text(value, "method")).upper()

    def __setitem__(self, key: str, value: Any) -> None:
        if type(key) is str and type(value) is str:
            dict.__setitem__(self, key, value)
            return
        key = _text(key, "parameter name")
        if value is None:
            self.pop(key, None)
            return
        if isinstance(value, int):
            # Kept as given, as 1.9 kept it (``request["oauth_timestamp"] -= 60``); signed as text.
            dict.__setitem__(self, key, value)
        else:
            dict.__setitem__(self, key, _param_value(value, key))

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def __ior__(self, other: Any) -> Request:  # type: ignore[override,misc]
        self.update(other)  # dict's own |= would store values without coercing them
        return self

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self.get(key)

    def __repr__(self) -> str:
        """The dict's repr, ``oauth_signature`` masked: a PLAINTEXT signature is the secrets themselves."""
        return repr({k: _MASK if k in _SECRET_PARAMETERS else v for k, v in self.items()})

    def get_parameter(self, parameter: str) -> Any:
        """The value of ``parameter``; raises :class:`Error` when it is absent."""
        value = self.get(parameter)
        if value is None:
            raise Error(f"Parameter not found: {parameter}")
        return value

    def get_nonoauth_parameters(self) -> Dict[str, Any]:
        """The parameters whose names do not start with ``oauth_``."""
        return {k: v for k, v in self.items() if not k.startswith("oauth_")}

    def _query_pairs(self) -> List[Pair]:
        """The URL's query parameters that the dict does not already hold."""
        query = self._url_query if self.__dict__.get("url") else ""
        if not query or query == self._merged_query:
            return []
        return parse_form(query, source="URL query")

    def _body_pairs(self) -> List[Pair]:
        """The pairs of a form-encoded body [§3.4.1.3.1], read from the body as it is now; none for any other."""
        body = self.body
        if not self.is_form_encoded or self._merged_body or not body:
            return []
        return parse_form(body_bytes(body), source="form body")

    def _signed_pairs(self) -> List[Pair]:
        """Every parameter of the request once, without ``oauth_signature`` [§3.4.1.3.1]."""
        pairs = self._own_pairs()
        pairs.extend(_added_pairs(pairs, self._body_pairs(), self._query_pairs()))
        return pairs

    def _own_pairs(self) -> List[Pair]:
        """The pairs of the dict, lists of repeated values expanded, without ``oauth_signature``."""
        pairs: List[Pair] = []
        for name, value in self.items():
            if name == "oauth_signature":
                _one_value(name, value)  # refuses a signature sent twice
            elif type(value) is str:
                pairs.append((name, value))
            else:
                pairs.extend(_pairs_of({name: _one_value(name, value) if name.startswith("oauth_") else value}))
        return pairs

    def get_normalized_parameters(self) -> str:
        """The normalized parameter string of the signature base string [§3.4.1.3.2]."""
        return normalize_parameters(self._signed_pairs())

    def to_header(self, realm: str = "") -> Dict[str, str]:
        """The ``Authorization`` header carrying the ``oauth_`` parameters [§3.5.1].

        ``realm`` is optional, and quoted so that it cannot add parameters.
        """
        return {"Authorization": authorization_header(self._protocol_pairs(), realm)}

    def _protocol_pairs(self) -> List[Pair]:
        """The ``oauth_`` parameters as text, in the dict's order: what goes on the wire [§3.5]."""
        pairs: List[Pair] = []
        for name, value in self.items():
            if not name.startswith("oauth_"):
                continue
            if type(value) is str:
                pairs.append((name, value))
            else:
                pairs.extend(_pairs_of({name: value}))
        return pairs

    def to_postdata(self) -> str:
        """Every parameter, form-encoded for a request body, sorted by name as in 1.9 [§3.5.2]."""
        return encode_form(_pairs_of(dict(sorted(self.items(), key=lambda item: item[0]))))

    def to_url(self) -> str:
        """The URL with every parameter added to its query [§3.5.3].

        The existing query is kept as it is, blank and repeated values included.
        """
        url = self.__dict__.get("url")
        if not url:
            raise InvalidRequest("The request has no URL; set request.url first.")
        query = self._url_query
        pairs: Iterable[Pair] = _pairs_of(self)
        if query and query == self._merged_query:
            pairs = _without(pairs, parse_form(query, source="URL query"))
        return _append_query(url, encode_form(pairs), query)

    def _wants_body_hash(self, body_hash: Optional[bool]) -> bool:
        """Whether signing adds ``oauth_body_hash`` (body hash extension §4.1.1).

        Never for form-encoded bodies; by default only for a non-empty body of a
        method other than GET or HEAD.
        """
        if self.is_form_encoded:
            return False
        if body_hash is not None:
            return body_hash
        return self.method not in ("GET", "HEAD") and bool(body_bytes(self.body))

    def _read_body(self) -> None:
        """Read a file-like body once: from now on ``body`` holds its bytes (the file is rewound if it can be)."""
        if hasattr(self.body, "read"):
            self.body = body_bytes(self.body)

    def sign_request(
        self,
        signature_method: SignatureMethod,
        consumer: Consumer,
        token: Optional[Token],
        *,
        body_hash: Optional[bool] = None,
    ) -> None:
        """Add ``oauth_signature`` (and the parameters it needs) to the request [§3.4].

        ``body_hash`` adds ``oauth_body_hash`` when true, leaves it out when
        false; by default it is added for a non-form body of a method other than
        GET or HEAD. A file-like body is read once, and ``body`` holds its
        bytes afterwards; a form-encoded body's pairs are signed.
        """
        self._add_signing_parameters(signature_method, consumer, token, body_hash)
        self._add_signature(signature_method, consumer, token)

    def _add_signing_parameters(
        self, signature_method: SignatureMethod, consumer: Consumer, token: Optional[Token], body_hash: Optional[bool]
    ) -> None:
        """What :meth:`sign_request` adds before signing: the body hash, the keys and the method's name."""
        _consumer_and_token(consumer, token)
        if not isinstance(signature_method, SignatureMethod):
            raise TypeError(f"signature_method must be a SignatureMethod, not {type(signature_method).__name__}")
        self._read_body()
        if self._wants_body_hash(body_hash):
            self["oauth_body_hash"] = signature_method.body_hash(self.body)
        if "oauth_consumer_key" not in self:
            self["oauth_consumer_key"] = consumer.key
        if token and "oauth_token" not in self:
            self["oauth_token"] = token.key
        self["oauth_signature_method"] = signature_method.name

    def _add_signature(
        self,
        signature_method: SignatureMethod,
        consumer: Consumer,
        token: Optional[Token],
        pairs: Optional[List[Pair]] = None,
        encoded_pairs: Optional[Sequence[Pair]] = None,
    ) -> None:
        """Add ``oauth_signature`` [§3.4]; ``pairs`` are the signed parameters when the caller has them
        already, and ``encoded_pairs`` the same percent-encoded."""
        if _uses_base_string(signature_method, _SIGNING_HOOKS):
            # The base string straight to the pure signer, as the Server verifies.
            signed = pairs if pairs is not None else self._signed_pairs()
            base_string = _base_string_steps(self.method, _base_uri_of(self), signed, encoded_pairs).base_string
            signature = signature_method.sign_base_string(base_string, consumer, token)
        else:
            signature = signature_method.sign(self, consumer, token)
        if type(signature) is not str:  # bytes from a method written for 1.9
            signature = _text(signature, "signature")
        dict.__setitem__(self, "oauth_signature", signature)

    @classmethod
    def make_timestamp(cls) -> str:
        """The current time as ``oauth_timestamp`` text [§3.3]."""
        return str(int(time.time()))

    @classmethod
    def make_nonce(cls) -> str:
        """A fresh ``oauth_nonce``: 96 random bits as 24 hex digits [§3.3]."""
        return os.urandom(12).hex()  # secrets.token_hex(12), one call sooner

    @classmethod
    def from_request(
        cls,
        http_method: str,
        http_url: str,
        headers: Optional[Mapping[str, str]] = None,
        parameters: Optional[Mapping[str, Any]] = None,
        query_string: Optional[Text] = None,
        *,
        body: Body = None,
        max_parameters: Optional[int] = MAX_PARAMETERS,
    ) -> Request:
        """Rebuild a received request from what the web framework has [§3.4.1.3.1].

        Parameters come from the OAuth ``Authorization`` header (without
        ``realm``), the URL's query, ``query_string``, ``body`` when the
        Content-Type in ``headers`` is ``application/x-www-form-urlencoded``,
        and ``parameters``; pairs of ``query_string`` that repeat the URL's
        query, and of ``parameters`` that repeat the query or the body, count
        once. Nothing passed in is
        mutated; a protocol parameter found twice raises :class:`InvalidRequest`.

        A request of more than ``max_parameters`` parameters, all places
        together (1000 by default; None: no limit), raises
        :class:`InvalidRequest`; a query or body over the limit is refused
        before it is decoded.
        """
        limit = _parameter_limit(max_parameters)
        url = http_url if type(http_url) is str else _text(http_url, "url")
        header = _header_map(headers)
        is_form = _received_media_type(header.get("content-type")) == FORM_CONTENT_TYPE
        request = cls(http_method, url, body=body if body is not None else b"", is_form_encoded=is_form)
        url_query = request._url_query
        if not _form_fields_within(url_query, limit):
            raise _too_many_parameters(limit)
        url_pairs = parse_form(url_query, source="URL query")
        pairs = list(url_pairs)

        authorization = header.get("authorization")
        if authorization is not None:
            if type(authorization) is not str:
                authorization = _text(authorization, "Authorization header")
            parsed = _parse_oauth_header(authorization)
            if parsed is not None:
                pairs.extend(parsed[0])
        if query_string:
            query = _text(query_string, "query string").lstrip("?")
            # Its pairs that repeat the URL's (as many as those at most) do not count.
            if not _form_fields_within(query, _left(limit, pairs, len(url_pairs))):
                raise _too_many_parameters(limit)
            pairs.extend(_without(parse_form(query, source="query string"), url_pairs))
        body_pairs: List[Pair] = []
        if is_form and body:
            form = _text(body_bytes(body), "form body")
            if not _form_fields_within(form, _left(limit, pairs)):
                raise _too_many_parameters(limit)
            body_pairs = parse_form(form, source="form body")
        pairs.extend(body_pairs)
        if parameters:
            parameters = dict(parameters)
            # Frameworks hand over the query and form parameters already parsed
            # (Flask's request.values, Django's QueryDict): count those once.
            pairs.extend(_without(_pairs_of(parameters), (*url_pairs, *body_pairs)))
        if limit is not None and len(pairs) > limit:
            raise _too_many_parameters(limit)
        request._body_given = body is not None
        size = len(request)
        dict.update(request, pairs)  # already text: no need to coerce each value again
        if len(request) < size + len(pairs):  # a name repeats: keep all its values
            dict.update(request, _collect_repeated(pairs))
        request._merged_query = url_query
        request._merged_body = True
        return request

    @classmethod
    def from_wsgi(
        cls,
        environ: Dict[str, Any],
        *,
        trust_forwarded: Union[bool, int] = False,
        base_url: Optional[Text] = None,
        max_parameters: Optional[int] = MAX_PARAMETERS,
    ) -> Request:
        """Rebuild a received request from a WSGI environ (PEP 3333).

        The body is read once and put back as ``wsgi.input`` for the
        application. The scheme and Host must be ``http``/``https`` and a
        ``host[:port]`` (RFC 3986), else :class:`InvalidRequest`.
        ``base_url``, the public origin (``https://api.example``), is used
        instead of them. Behind ``trust_forwarded`` proxies (True is one),
        the scheme and host come from the value the outermost trusted proxy
        added to ``X-Forwarded-Proto`` and ``X-Forwarded-Host``, counted
        from the right; with fewer values, the header is ignored.
        ``max_parameters`` is :meth:`from_request`'s.
        """
        hops = _trusted_hops(trust_forwarded, base_url)
        scheme = environ.get("wsgi.url_scheme", "http")
        host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', '')}:{environ.get('SERVER_PORT', '')}"
        forwarded = (environ.get("HTTP_X_FORWARDED_PROTO"), environ.get("HTTP_X_FORWARDED_HOST"))
        # The request target as sent, where the server keeps it (gunicorn,
        # uWSGI); else PEP 3333's path, percent-decoded as latin-1 text, which
        # is encoded again (a literal "%" included).
        raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
        if raw_uri.startswith("/"):
            path = raw_uri.split("?", 1)[0]
        else:
            raw_path = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")).encode("latin-1")
            path = quote(raw_path, safe=_PATH_SAFE)
        url = _received_url(scheme, host, path, environ.get("QUERY_STRING", ""), forwarded, hops, base_url)

        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise InvalidRequest("The Content-Length header is not a number.") from None
        stream = environ.get("wsgi.input")
        body = stream.read(length) if stream is not None and length > 0 else b""
        environ["wsgi.input"] = io.BytesIO(body)

        # The headers from_request reads, looked up rather than found among all the environ's keys
        # (CGI's CONTENT_TYPE over a client's Content_Type, which a server may pass on as HTTP_CONTENT_TYPE).
        names = ("HTTP_AUTHORIZATION", "HTTP_CONTENT_TYPE", "CONTENT_TYPE")
        headers: Dict[str, str] = {name: environ[name] for name in names if name in environ}
        return cls.from_request(
            environ.get("REQUEST_METHOD", "GET"), url, headers=headers, body=body, max_parameters=max_parameters
        )

    @classmethod
    def from_asgi(
        cls,
        scope: Mapping[str, Any],
        body: bytes,
        *,
        trust_forwarded: Union[bool, int] = False,
        base_url: Optional[Text] = None,
        max_parameters: Optional[int] = MAX_PARAMETERS,
    ) -> Request:
        """Rebuild a received request from an ASGI HTTP ``scope`` and its ``body``.

        The application reads the body (``await request.body()`` in
        Starlette) and hands it over. The URL is the one the client signed:
        the ``Host`` header (else ``scope["server"]``), ``raw_path`` as sent
        (else ``path``, encoded again) and ``query_string``. ``base_url`` and
        ``trust_forwarded`` are as for :meth:`from_wsgi`. A malformed scope,
        scheme or Host raises :class:`InvalidRequest`.
        ``max_parameters`` is :meth:`from_request`'s.
        """
        if not isinstance(scope, Mapping):
            raise TypeError(f"scope must be an ASGI scope mapping, not {type(scope).__name__}")
        hops = _trusted_hops(trust_forwarded, base_url)
        headers = _asgi_headers(scope.get("headers") or ())
        scheme = _text(scope.get("scheme") or "http", "ASGI scheme")
        host = headers.get("host", "")
        if not host and base_url is None:
            server = scope.get("server")
            if not (isinstance(server, (tuple, list)) and len(server) == 2):
                raise InvalidRequest("The request has no Host header and the ASGI scope no server to name the host.")
            host = f"{server[0]}:{server[1]}"
        forwarded = (headers.get("x-forwarded-proto"), headers.get("x-forwarded-host"))
        raw_path = scope.get("raw_path")
        if raw_path:
            # As sent: percent-encoded ASCII; a raw non-ASCII byte is kept as its escape.
            path = quote(_bytes_of(raw_path, "ASGI raw_path").split(b"?", 1)[0], safe=_PATH_SAFE + "%")
        else:
            path = quote(_text(scope.get("path") or "/", "ASGI path").encode("utf-8"), safe=_PATH_SAFE)
        query = quote(_bytes_of(scope.get("query_string") or b"", "ASGI query_string"), safe="&=+%;/?:@!$'()*,~-._")
        url = _received_url(scheme, host, path, query, forwarded, hops, base_url)
        method = _text(scope.get("method") or "GET", "ASGI method")
        return cls.from_request(
            method, url, headers=headers, body=_bytes_of(body, "body"), max_parameters=max_parameters
        )

    @classmethod
    def from_consumer_and_token(
        cls,
        consumer: Consumer,
        token: Optional[Token] = None,
        http_method: str = HTTP_METHOD,
        http_url: Optional[Text] = None,
        parameters: Optional[Mapping[str, Any]] = None,
        body: Body = b"",
        is_form_encoded: bool = False,
    ) -> Request:
        """A new request from a consumer (and token), with a fresh nonce and timestamp."""
        _consumer_and_token(consumer, token)
        params = _client_parameters(consumer, token, cls.make_timestamp(), cls.make_nonce(), parameters, cls.version)
        return cls(http_method, http_url, params, body=body, is_form_encoded=is_form_encoded)

    @classmethod
    def from_token_and_callback(
        cls,
        token: Token,
        callback: Optional[str] = None,
        http_method: str = HTTP_METHOD,
        http_url: Optional[Text] = None,
        parameters: Optional[Mapping[str, Any]] = None,
    ) -> Request:
        """A request carrying ``oauth_token`` and, if given, ``oauth_callback``."""
        _credentials(token, "token")
        params: Dict[str, Any] = dict(parameters or {})
        params["oauth_token"] = token.key
        if callback:
            params["oauth_callback"] = callback
        return cls(http_method, http_url, params)


# ----------------------------------------------------------- 10. client (httplib2)


class _Call(NamedTuple):
    """One call to Client.request, as the caller made it, before signing."""

    method: str
    body: Body
    headers: Dict[str, str]
    parameters: Dict[str, Any]
    realm: Optional[str]
    placement: str
    body_hash: Optional[bool]
    first_uri: str  # the URL of the first hop, whose origin decides which hops are signed


_FORM_BODY = re.compile(rb"[A-Za-z0-9*._~%+-]*=[A-Za-z0-9*._~%+=-]*(?:&[A-Za-z0-9*._~%+-]*(?:=[A-Za-z0-9*._~%+=-]*)?)*")


class Client(httplib2.Http):
    """An ``httplib2.Http`` that signs every request it sends, redirects within its origin included.

    ``Client(consumer, token=None, **httplib2_options)`` as in 1.9. The OAuth
    parameters go in the Authorization header by default (``placement``:
    ``"header"``, ``"query"`` or ``"body"``, RFC 5849 §3.5); no realm is sent
    unless ``realm`` is set.
    """

    def __init__(
        self,
        consumer: Consumer,
        token: Optional[Token] = None,
        *,
        placement: str = "header",
        realm: Optional[str] = None,
        body_hash: Optional[bool] = None,
        sign_redirects: str = "same-origin",
        **kwargs: Any,
    ) -> None:
        """A client signing as ``consumer`` and, once it has one, ``token``.

        ``placement`` is where the OAuth parameters go: ``"header"`` (the
        Authorization header, the default), ``"query"`` or ``"body"`` (1.9's
        places for GET and form POSTs) [§3.5]. ``realm`` is sent in the header
        when set (1.9 always sent ``scheme://host``). ``body_hash`` forces
        ``oauth_body_hash`` on (True) or off (False); by default only a
        non-form body of a method other than GET or HEAD gets one.
        ``sign_redirects`` says which redirect hops are signed: those within
        the first request's origin (``"same-origin"``, the default) or all
        (``"all"``); see :func:`signs_redirect`. Every
        other keyword goes to ``httplib2.Http``: ``timeout``, ``ca_certs``,
        ``disable_ssl_certificate_validation``, ``proxy_info``, ``cache``.
        Raises ValueError for a consumer or token of the wrong type.
        """
        if consumer is not None and not isinstance(consumer, Consumer):
            raise ValueError("Invalid consumer.")
        if token is not None and not isinstance(token, Token):
            raise ValueError("Invalid token.")
        check_placement(placement)
        check_sign_redirects(sign_redirects)
        self.consumer = consumer
        self.token = token
        self.method: SignatureMethod = SignatureMethod_HMAC_SHA1()
        self.placement = placement
        self.realm = realm
        self.body_hash = body_hash
        self.sign_redirects = sign_redirects
        # The call each thread is sending, so that a redirect re-entering
        # request() is signed from it; a plain dict keeps the Client picklable.
        self._in_flight: Dict[int, _Call] = {}
        super().__init__(**kwargs)

    def set_signature_method(self, method: SignatureMethod) -> None:
        """Sign with ``method`` from now on."""
        if not isinstance(method, SignatureMethod):
            raise ValueError("Invalid signature method.")
        self.method = method

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: Body = b"",
        headers: Optional[Mapping[str, str]] = None,
        redirections: int = httplib2.DEFAULT_MAX_REDIRECTS,
        connection_type: Any = None,
        *,
        parameters: Optional[Mapping[str, Any]] = None,
        callback: Optional[str] = None,
        realm: Optional[str] = None,
        placement: Optional[str] = None,
        body_hash: Optional[bool] = None,
    ) -> Tuple[httplib2.Response, bytes]:
        """Sign and send a request; returns ``(response, content)`` like httplib2.

        ``parameters`` are extra protocol parameters to sign and send (such as
        ``oauth_callback``, also settable with ``callback``); ``realm``,
        ``placement`` and ``body_hash`` override the client's settings for
        this call. Each redirect hop httplib2 follows is signed afresh, if
        :func:`signs_redirect` allows it, and otherwise sent without OAuth parameters.
        """
        call = self._in_flight.get(threading.get_ident())
        if call is not None:
            # httplib2 re-enters request() to follow a redirect, with the method it chose and
            # without the status: the hop is made from the caller's request, not the signed one.
            hop = redirect_hop(call.first_uri, uri, None, call.method, call.body, hop_method=method,
                               placement=call.placement, sign_redirects=self.sign_redirects,
                               signature_method=self.method)
            call = call._replace(
                method=hop.method, body=hop.body if hop.body is not None else b"", placement=hop.placement,
                headers={k: v for k, v in call.headers.items() if k.lower() not in hop.drop_headers},
            )
            self._in_flight[threading.get_ident()] = call  # a further hop is redirected from this one
            if not hop.signed:
                body, headers = self._with_form_type(call)
                return self._send_signed(hop.url, hop.method, body, headers, redirections, connection_type)
            return self._send(call, hop.url, redirections, connection_type)
        placement = placement or self.placement
        check_placement(placement)
        extra = dict(parameters or {})
        if callback is not None:
            extra["oauth_callback"] = callback
        # Extra parameters that are not protocol parameters travel in the query
        # of the URL asked for; a redirect hop asks for the Location as it is.
        others = [(k, v) for k, v in _pairs_of(extra) if not k.startswith("oauth_")]
        if others:
            uri = _append_query(uri, encode_form(others))
            extra = {k: v for k, v in extra.items() if k.startswith("oauth_")}
        call = _Call(
            method=_text(method, "method").upper(),
            # httplib2 reads a file to its end when it sends it, and a 307/308
            # hop sends the body again: keep its bytes.
            body=body_bytes(body) if hasattr(body, "read") else body,
            headers=dict(headers or {}),
            parameters=extra,
            realm=realm if realm is not None else self.realm,
            placement=placement,
            body_hash=body_hash if body_hash is not None else self.body_hash,
            first_uri=uri,
        )
        self._in_flight[threading.get_ident()] = call
        try:
            return self._send(call, uri, redirections, connection_type)
        finally:
            del self._in_flight[threading.get_ident()]

    def fetch_request_token(
        self,
        url: str,
        *,
        callback: str = "oob",
        method: str = "POST",
        parameters: Optional[Mapping[str, Any]] = None,
        require_callback_confirmed: bool = True,
    ) -> Token:
        """Obtain temporary credentials [§2.1]; they become ``self.token``.

        ``callback`` is sent as ``oauth_callback`` (``oob`` for PIN-based
        flows). OAuth 1.0a providers answer ``oauth_callback_confirmed=true``;
        for a 1.0 provider that does not, pass ``require_callback_confirmed=False``.
        """
        self.token = None
        response, content = self.request(url, method, parameters=parameters, callback=callback)
        token = token_from_response(response.status, content, response.get("www-authenticate"),
                                require_callback_confirmed=require_callback_confirmed)
        self.token = token
        return token

    def authorization_url(self, url: str, token: Optional[Token] = None, **parameters: str) -> str:
        """Where to send the user to authorize ``token`` (default ``self.token``) [§2.2]."""
        return authorization_url(url, token or self.token, parameters)

    def fetch_access_token(
        self,
        url: str,
        verifier: Optional[str] = None,
        *,
        method: str = "POST",
        parameters: Optional[Mapping[str, Any]] = None,
    ) -> Token:
        """Exchange the authorized request token and ``verifier`` for token credentials [§2.3].

        The new token becomes ``self.token``; fields such as ``user_id`` or
        ``screen_name`` in the response are in ``token.extra``.
        """
        if self.token is None:
            raise Error("There is no request token: call fetch_request_token first, or set client.token.")
        if verifier is not None:
            self.token.set_verifier(verifier)
        response, content = self.request(url, method, parameters=parameters)
        token = token_from_response(response.status, content, response.get("www-authenticate"))
        self.token = token
        return token

    def echo_headers(self, url: str, method: str = "GET", *, realm: Optional[str] = None) -> Dict[str, str]:
        """OAuth Echo: headers that let another service verify our credentials at ``url``.

        Signs ``method url`` (for instance Twitter's ``verify_credentials``)
        without sending it, and returns ``X-Auth-Service-Provider`` and
        ``X-Verify-Credentials-Authorization`` to hand to the delegate.
        """
        if self.consumer is None:
            raise Error("The client has no consumer to sign with.")
        signed = sign(method, url, self.consumer, self.token, signature_method=self.method,
                      realm=realm if realm is not None else self.realm)
        return {"X-Auth-Service-Provider": url, "X-Verify-Credentials-Authorization": signed.headers["Authorization"]}

    def _send(
        self, call: _Call, uri: str, redirections: int, connection_type: Any
    ) -> Tuple[httplib2.Response, bytes]:
        wire_uri, wire_body, wire_headers = self._sign(call, uri)
        return self._send_signed(wire_uri, call.method, wire_body, wire_headers, redirections, connection_type)

    def _send_signed(
        self, uri: str, method: str, body: Body, headers: Dict[str, str], redirections: int, connection_type: Any
    ) -> Tuple[httplib2.Response, bytes]:
        # Called as 1.9 called it, the URI positional and the rest by name, so
        # that tests written for 1.9 that patch httplib2.Http.request still work.
        response: Tuple[httplib2.Response, bytes] = httplib2.Http.request(
            self, uri, method=method, body=body, headers=headers, redirections=redirections,
            connection_type=connection_type,
        )
        return response

    def _sign(self, call: _Call, uri: str) -> Tuple[str, Body, Dict[str, str]]:
        """Sign one hop; returns the URI, body and headers to send."""
        if self.consumer is None:
            raise Error("The client has no consumer to sign with.")
        body, headers = self._with_form_type(call)
        signed = sign(
            call.method, uri, self.consumer, self.token, headers=headers, body=body, signature_method=self.method,
            placement=call.placement, realm=call.realm, body_hash=call.body_hash, parameters=call.parameters,
        )
        return signed.uri, signed.body, signed.headers

    @staticmethod
    def _with_form_type(call: _Call) -> Tuple[Body, Dict[str, str]]:
        """The call's body (text as UTF-8) and a copy of its headers, typed as a form if it is one."""
        headers = dict(call.headers)
        body = call.body.encode("utf-8") if isinstance(call.body, str) else call.body
        # As in 1.9, a POST without a Content-Type is form data, but only if it
        # is: any other body is sent untouched.
        if (
            _header_map(headers).get("content-type") is None
            and call.method == "POST"
            and isinstance(body, bytes)
            and ((not body and call.placement == "body") or _FORM_BODY.fullmatch(body))
        ):
            headers["Content-Type"] = FORM_CONTENT_TYPE
        return body, headers


def token_from_response(
    status: int, content: bytes, authenticate: Optional[str] = None, *, require_callback_confirmed: bool = False
) -> Token:
    """The token a provider's answer to a token request carries [§2.1, §2.3], for every shell.

    Raises ProviderError for a non-2xx answer or one that holds no token, and
    CallbackNotConfirmed when ``require_callback_confirmed`` and the provider
    did not answer ``oauth_callback_confirmed=true``.
    """
    if not 200 <= status < 300:
        raise ProviderError(status, content, authenticate)
    try:
        token = Token.from_string(content)
    except (InvalidRequest, TypeError) as exc:
        raise ProviderError(status, content) from exc
    if require_callback_confirmed and token.callback_confirmed != "true":
        raise CallbackNotConfirmed(
            "The provider did not confirm the callback (oauth_callback_confirmed); "
            "if it speaks OAuth 1.0 rather than 1.0a, pass require_callback_confirmed=False."
        )
    return token


def authorization_url(url: str, token: Optional[Token], parameters: Optional[Mapping[str, str]] = None) -> str:
    """Where to send the user to authorize the request ``token`` [§2.2].

    ``url`` with ``oauth_token`` and ``parameters`` added to its query; every
    shell's ``authorization_url`` comes here.
    """
    if token is None:
        raise Error("There is no request token to authorize: call fetch_request_token first.")
    return _append_query(url, encode_form([("oauth_token", token.key or ""), *(parameters or {}).items()]))
