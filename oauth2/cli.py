"""The ``oauth2`` command line: sign, send, log in, and a demo (standard library only).

Every command is a thin shell over the library. Errors are one line on
stderr: exit status 2 for a usage error, 1 for anything else.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import http.server
import itertools
import json
import os
import re
import secrets
import shlex
import signal
import socket
import sqlite3
import ssl
import stat
import sys
import tempfile
import time
import urllib.parse
import webbrowser
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    FrozenSet,
    Iterator,
    List,
    NamedTuple,
    NoReturn,
    Optional,
    Sequence,
    TextIO,
    Tuple,
)

import httplib2

import oauth2

if TYPE_CHECKING:
    from oauth2.kit import ProviderStore
    from oauth2.provider import Provider

ENVIRONMENT = {
    "consumer_key": "OAUTH_CONSUMER_KEY",
    "consumer_secret": "OAUTH_CONSUMER_SECRET",
    "token": "OAUTH_TOKEN",
    "token_secret": "OAUTH_TOKEN_SECRET",
}
RSA_PASSWORD_VARIABLE = "OAUTH_RSA_KEY_PASSWORD"  # noqa: S105 - the name of a variable, not a password

#: What ``oauth2 login`` writes, and ``sign`` and ``request`` read, in the current directory.
DEFAULT_CREDENTIALS = "oauth2-credentials.json"

METHODS: Dict[str, Callable[..., oauth2.SignatureMethod]] = {
    m.name: m
    for m in (
        oauth2.SignatureMethod_HMAC_SHA1,
        oauth2.SignatureMethod_HMAC_SHA256,
        oauth2.SignatureMethod_HMAC_SHA512,
        oauth2.SignatureMethod_PLAINTEXT,
        oauth2.SignatureMethod_RSA_SHA1,
        oauth2.SignatureMethod_RSA_SHA256,
        oauth2.SignatureMethod_RSA_SHA512,
    )
}

#: How to fix an argument that is not UTF-8, for the arguments where there is more to say.
_ENCODING_ADVICE = {
    "DATA": "percent-encode it (caf%C3%A9) or read the body from a file with @FILE",
    "URL": "percent-encode it (caf%C3%A9)",
}


class UsageError(Exception):
    """A command line that cannot be carried out as given (exit status 2)."""


class NetworkError(Exception):
    """A request that got no HTTP answer, explained with its URL (exit status 1)."""


class Body(NamedTuple):
    """The DATA argument, read: its bytes, and the file they came from (None for text or stdin)."""

    content: bytes
    path: Optional[str]


def warn(args: argparse.Namespace, message: str) -> None:
    """One warning line on stderr; the command goes on."""
    print(f"oauth2 {args.command}: warning: {message}", file=sys.stderr)


def note(args: argparse.Namespace, message: str) -> None:
    """One line of advice on stderr, so that standard output stays what the command prints."""
    print(f"oauth2 {args.command}: note: {message}", file=sys.stderr)


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, or its type's name when it has none."""
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


# ---------------------------------------------------------------- the arguments


def check_utf8(args: argparse.Namespace) -> None:
    """Refuse an argument that is not UTF-8 (Python hands it over with surrogate escapes)."""
    for dest, value in vars(args).items():
        values = value if isinstance(value, list) else [value]
        for text in values:
            if isinstance(text, str) and not _is_utf8(text):
                name = {"method": "METHOD", "url": "URL", "data": "DATA", "header": "-H"}.get(
                    dest, "--" + dest.replace("_", "-")
                )
                advice = _ENCODING_ADVICE.get(name, "give it in UTF-8")
                raise UsageError(f"{name} is not valid UTF-8: {advice}")


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def checked_url(url: str, what: str = "URL") -> str:
    """``url`` if it is an absolute http(s) URL without spaces or control characters."""
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        raise UsageError(f"{what} contains a space or a control character: percent-encode it (%20)")
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError as exc:
        raise UsageError(f"{what} is not a valid URL: {exc}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise UsageError(f"{what} must be an absolute URL starting with http:// or https://, not {url!r}")
    if "@" in parts.netloc:
        raise UsageError(f"{what} must not hold a user name or password (user@host): OAuth signs the request instead")
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when asked for it
    except ValueError as exc:
        raise UsageError(f"{what} has an invalid port: {exc}") from None
    return url


def check_sign_options(args: argparse.Namespace) -> None:
    """Refuse a timestamp that is not a number of seconds and an empty nonce."""
    if args.timestamp is not None and not re.fullmatch(r"[0-9]+", args.timestamp):
        raise UsageError(f"--timestamp must be whole seconds since 1970 (digits only), not {args.timestamp!r}")
    if args.nonce is not None and not args.nonce:
        raise UsageError("--nonce must not be empty: leave it out for a random one")


def parse_headers(headers: Optional[List[str]]) -> Dict[str, str]:
    """The ``-H 'Name: value'`` arguments as a dict."""
    parsed = {}
    for header in headers or []:
        name, sep, value = header.partition(":")
        if not sep or not name.strip():
            raise UsageError(f"-H wants 'Name: value', not {header!r}")
        parsed[name.strip()] = value.strip()
    return parsed


def read_body(data: Optional[str], form: bool) -> Optional[Body]:
    """DATA as curl reads it: the text itself, ``@FILE``'s content, or ``-`` for standard input.

    As with ``curl -d``, line breaks in form data from a file or stdin are
    dropped (a file saved by an editor ends with one); other bodies are sent
    byte for byte, as with ``curl --data-binary``.
    """
    if data is None:
        return None
    if data == "-":
        content, path = sys.stdin.buffer.read(), None
    elif data.startswith("@"):
        path = data[1:]
        try:
            with open(path, "rb") as f:
                content = f.read()
        except OSError as exc:
            raise UsageError(f"cannot read the body from {path}: {exc.strerror}") from None
    else:
        return Body(data.encode("utf-8"), None)
    if form:
        content = content.replace(b"\r", b"").replace(b"\n", b"")
    return Body(content, path)


def body_text(body: Body, why: str, advice: str = "") -> str:
    """The body as text, which form data and a query must be; ``advice`` ends the error."""
    try:
        return body.content.decode("utf-8")
    except UnicodeDecodeError:
        source = f"@{body.path}" if body.path else "standard input"
        raise UsageError(f"DATA from {source} is not UTF-8 text, as {why} must be{advice}") from None


def is_form(headers: Dict[str, str]) -> bool:
    """Whether the Content-Type header, if any, says form data (the default for DATA, as in curl)."""
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), oauth2.FORM_CONTENT_TYPE)
    return oauth2.media_type(content_type) == oauth2.FORM_CONTENT_TYPE


def with_query(url: str, body: Body) -> str:
    """``url`` with DATA added to its query, as ``curl -G`` does for a GET or HEAD."""
    data = body_text(body, "DATA on a GET or HEAD (it goes into the query)")
    if any(c.isspace() for c in data):
        raise UsageError("DATA on a GET or HEAD goes into the query: percent-encode its spaces (%20)")
    parts = urllib.parse.urlsplit(url)
    query = f"{parts.query}&{data}" if parts.query else data
    return urllib.parse.urlunsplit(parts._replace(query=query))


def prepare(args: argparse.Namespace) -> Tuple[str, str, Optional[Body], Dict[str, str]]:
    """The method, URL, body and headers the arguments describe; DATA on GET or HEAD moves to the query."""
    method = args.method.upper()
    url = checked_url(args.url)
    headers = parse_headers(args.header)
    body = read_body(args.data, is_form(headers))
    if body is not None and method in ("GET", "HEAD"):
        return method, with_query(url, body), None, headers
    if body is not None and not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = oauth2.FORM_CONTENT_TYPE
    return method, url, body, headers


# ---------------------------------------------------------------- credentials


class CredentialsFileError(ValueError):
    """A credentials file that is not to be trusted or not in the format ``oauth2 login`` writes."""


#: The consumer and token fields of a credentials file, each key with its secret.
PAIRS = (("consumer_key", "consumer_secret"), ("token", "token_secret"))


def check_private(path: str, status: os.stat_result) -> None:
    """Refuse a file another user owns or could have written, as ssh refuses such a key.

    A planted ``./oauth2-credentials.json`` would otherwise sign with the
    planter's consumer and token, and send them to the planter's provider.
    """
    owner_ok = not hasattr(os, "geteuid") or status.st_uid in (os.geteuid(), 0)
    if not owner_ok:
        raise CredentialsFileError(
            f"not using the credentials file {path}: it belongs to another user (uid {status.st_uid}); "
            "if you trust its content, copy it to a file of your own and run 'chmod 600' on the copy")
    if status.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise CredentialsFileError(
            f"not using the credentials file {path}: other users can write to it; "
            f"if its content is yours, run 'chmod 600 {path}'")


def read_stored_credentials(path: str) -> Dict[str, Any]:
    """The JSON object in the credentials file ``path``, once the file is known to be its owner's alone.

    Raises CredentialsFileError, or OSError when the file cannot be read.
    """
    with open(path, "rb") as f:
        check_private(path, os.fstat(f.fileno()))
        content = f.read()
    try:
        stored = json.loads(content.decode("utf-8"))
    except ValueError:
        raise CredentialsFileError(f"the credentials file {path} is not UTF-8 JSON") from None
    if not isinstance(stored, dict):
        raise CredentialsFileError(f"the credentials file {path} is not a JSON object")
    for name in ENVIRONMENT:
        if not isinstance(stored.get(name, ""), str):
            raise CredentialsFileError(f"{name} in the credentials file {path} is not a string")
    if not isinstance(stored.get("extra", {}), dict):
        raise CredentialsFileError(f"extra in the credentials file {path} is not a JSON object")
    return stored


def load_credentials_file(path: str) -> Tuple[oauth2.Consumer, Optional[oauth2.Token], Dict[str, Any]]:
    """The consumer, the token (None if there is none) and the provider's extra fields in ``path``.

    Reads the file ``oauth2 login`` writes (``{"consumer_key", "consumer_secret",
    "token", "token_secret", "extra"}``), with the command line's checks: a
    file another user owns or can write to is refused. Raises
    CredentialsFileError (a ValueError) for such a file or one in another
    format, OSError when it cannot be read.
    """
    stored = read_stored_credentials(path)
    if not stored.get("consumer_key"):
        raise CredentialsFileError(f"the credentials file {path} has no consumer_key")
    consumer = oauth2.Consumer(stored["consumer_key"], stored.get("consumer_secret", ""))
    token = oauth2.Token(stored["token"], stored.get("token_secret", "")) if stored.get("token") else None
    return consumer, token, dict(stored.get("extra", {}))


def read_credentials_file(path: str) -> Dict[str, str]:
    """The credentials in ``path``: each key that is not empty, each secret that is there (even empty)."""
    try:
        stored = read_stored_credentials(path)
    except FileNotFoundError:
        raise UsageError(f"the credentials file {path} does not exist: run 'oauth2 login' to create it") from None
    except OSError as exc:
        raise UsageError(f"cannot read the credentials file {path}: {exc.strerror}") from None
    except CredentialsFileError as exc:
        raise UsageError(str(exc)) from None
    return {name: stored[name] for name in ENVIRONMENT
            if name in stored and (stored[name] or name.endswith("secret"))}


class Source(NamedTuple):
    """Where credentials come from, and how to name each of its fields in a message."""

    values: Dict[str, str]
    names: Dict[str, str]


def flag_source(args: argparse.Namespace) -> Source:
    """The credential flags given (an empty secret is a secret; an empty key is refused)."""
    names = {name: "--" + name.replace("_", "-") for name in ENVIRONMENT}
    values = {name: getattr(args, name) for name in ENVIRONMENT if getattr(args, name, None) is not None}
    for key, _ in PAIRS:
        if values.get(key) == "":
            raise UsageError(f"{names[key]} must not be empty")
    return Source(values, names)


def environment_source() -> Source:
    """The OAUTH_* variables set (an empty key variable counts as unset, an empty secret as an empty secret)."""
    values = {}
    for name, variable in ENVIRONMENT.items():
        value = os.environ.get(variable)
        if value is None or (value == "" and not name.endswith("secret")):
            continue
        if not _is_utf8(value):
            raise UsageError(f"the environment variable {variable} is not valid UTF-8")
        values[name] = value
    return Source(values, dict(ENVIRONMENT))


def file_source(path: str, values: Dict[str, str]) -> Source:
    """The fields of a credentials file."""
    return Source(values, {name: f"{name} in {path}" for name in ENVIRONMENT})


def pair_from(sources: Sequence[Source], key: str, secret: str, secret_needed: bool) -> Dict[str, str]:
    """A key and its secret from the first source that gives either; both must come from it.

    Mixing sources would sign with another credential's secret, so a key
    without its secret (unless the signature method needs none) and a secret
    without its key are usage errors.
    """
    if not any(key in source.values for source in sources):
        return {}
    for source in sources:
        values, names = source
        if key not in values and secret not in values:
            continue
        if key not in values:
            raise UsageError(f"{names[secret]} is given without {names[key]}: give both, or neither")
        if secret not in values and secret_needed:
            raise UsageError(f"{names[key]} is given without {names[secret]}: give both from the same place "
                             f"(an empty secret as {names[secret]}='' if it really is empty)")
        return {key: values[key], secret: values.get(secret, "")}
    return {}


def load_credentials(
    args: argparse.Namespace, method: oauth2.SignatureMethod, *, creating: bool = False
) -> Dict[str, str]:
    """Consumer and token, each pair from the first of: flags, ``--credentials``, OAUTH_* variables, the default file.

    ``--credentials FILE`` must exist unless ``creating`` (then only the
    consumer is read); the default file, ``./oauth2-credentials.json``, is read
    when it exists. A file's token is used only with the consumer it was
    issued to, the file's own. The RSA methods need no secret.
    """
    explicit: Dict[str, str] = {}
    default: Dict[str, str] = {}
    if args.credentials is not None:
        if not creating or os.path.exists(args.credentials):
            explicit = read_credentials_file(args.credentials)
    elif os.path.exists(DEFAULT_CREDENTIALS):
        default = read_credentials_file(DEFAULT_CREDENTIALS)
    sources = [flag_source(args), file_source(args.credentials, explicit), environment_source(),
               file_source(DEFAULT_CREDENTIALS, default)]
    secret_needed = not method.name.startswith("RSA")
    found = pair_from(sources, *PAIRS[0], secret_needed)
    if not found:
        if creating:
            raise UsageError("no consumer key: the provider gives one (with its secret) when you register the "
                             "application, on its developer site; pass them with --consumer-key and "
                             "--consumer-secret, or in OAUTH_CONSUMER_KEY and OAUTH_CONSUMER_SECRET")
        raise UsageError(
            f"no consumer key: use --consumer-key, OAUTH_CONSUMER_KEY, --credentials FILE "
            f"or ./{DEFAULT_CREDENTIALS} (written by 'oauth2 login')"
        )
    if creating:
        return found
    for path, stored in ((args.credentials, explicit), (DEFAULT_CREDENTIALS, default)):
        if "token" in stored and stored.get("consumer_key") != found["consumer_key"]:
            warn(args, f"not using the token in {path}: it was issued to the consumer {stored.get('consumer_key')}, "
                       f"not {found['consumer_key']}")
            stored.pop("token")
            stored.pop("token_secret", None)
    found.update(pair_from(sources, *PAIRS[1], secret_needed))
    return found


def save_credentials(path: str, credentials: Dict[str, Any], force: bool) -> None:
    """Write the credentials as JSON to a file only its owner can read (mode 0600), atomically."""
    if os.path.exists(path) and not force:
        raise UsageError(f"{path} exists; pass --force to overwrite it")
    directory = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".oauth2-")  # created 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(credentials, f, indent=2)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def credentials_of(found: Dict[str, str]) -> Tuple[oauth2.Consumer, Optional[oauth2.Token]]:
    """The Consumer, and the Token if there is one."""
    consumer = oauth2.Consumer(found["consumer_key"], found.get("consumer_secret", ""))
    token = oauth2.Token(found["token"], found.get("token_secret", "")) if "token" in found else None
    return consumer, token


def signature_method(args: argparse.Namespace) -> oauth2.SignatureMethod:
    """The signature method the flags ask for, with its RSA key when it needs one."""
    name = args.signature_method
    if not name.startswith("RSA"):
        if args.rsa_key or args.rsa_key_password:
            option = "--rsa-key" if args.rsa_key else "--rsa-key-password"
            raise UsageError(f"{option} is for the RSA signature methods, not {name}: "
                             "add --signature-method RSA-SHA1 (or RSA-SHA256, RSA-SHA512)")
        return METHODS[name]()
    if not args.rsa_key:
        raise UsageError(f"{name} needs --rsa-key FILE (a PEM private key)")
    password = args.rsa_key_password or os.environ.get(RSA_PASSWORD_VARIABLE)
    return METHODS[name](load_rsa_key(args.rsa_key, password))


def load_rsa_key(path: str, password: Optional[str]) -> Any:
    """The RSA private key in the PEM file ``path``, loaded now so that its errors speak of the flags."""
    try:
        with open(path, "rb") as f:
            pem = f.read()
    except OSError as exc:
        raise UsageError(f"cannot read the RSA key {path}: {exc.strerror}") from None
    if b"PRIVATE KEY-----" not in pem:
        if b"-----BEGIN CERTIFICATE-----" in pem or b"PUBLIC KEY-----" in pem:
            raise UsageError(f"{path} holds a public key or certificate: --rsa-key needs the private key "
                             "(PEM, PKCS#1 or PKCS#8), which stays with the consumer")
        raise UsageError(f"{path} is not a PEM private key (PKCS#1 or PKCS#8)")
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
    except ImportError:
        raise UsageError(
            "the RSA signature methods need the cryptography package (the 'rsa' extra): pip install cryptography"
        ) from None
    encrypted = b"ENCRYPTED" in pem
    if encrypted and password is None:
        raise UsageError(f"the RSA key {path} is encrypted: give its password in {RSA_PASSWORD_VARIABLE} "
                         "or with --rsa-key-password")
    if password is not None and not encrypted:
        raise UsageError(f"the RSA key {path} is not encrypted: drop --rsa-key-password and {RSA_PASSWORD_VARIABLE}")
    try:
        key = serialization.load_pem_private_key(pem, password.encode("utf-8") if password is not None else None)
    except (TypeError, ValueError):
        problem = "the password is wrong, or the key is damaged" if encrypted else "it is damaged"
        raise UsageError(f"cannot load the RSA key {path}: {problem}") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise UsageError(f"{path} is not an RSA key: the RSA signature methods need an RSA private key")
    return key


def http_options(args: argparse.Namespace) -> Dict[str, Any]:
    """httplib2's TLS options from ``--ca-certs`` and ``--insecure``."""
    if args.ca_certs is not None and not os.path.isfile(args.ca_certs):
        raise UsageError(f"--ca-certs: {args.ca_certs} is not a file (give a PEM bundle of CA certificates)")
    if args.insecure:
        warn(args, "--insecure: the server's TLS certificate is not checked, so anyone on the way can read "
                   "and change this exchange")
    return {"timeout": args.timeout, "ca_certs": args.ca_certs, "disable_ssl_certificate_validation": args.insecure}


def warn_plaintext(args: argparse.Namespace, signer: oauth2.SignatureMethod, urls: Sequence[str]) -> None:
    """Warn that PLAINTEXT over plain http sends both secrets for anyone on the way to read (RFC 5849 §3.4.4)."""
    cleartext = [url for url in urls if urllib.parse.urlsplit(url).scheme.lower() == "http"]
    if signer.name == "PLAINTEXT" and cleartext:
        warn(args, f"PLAINTEXT over http:// sends the consumer and token secrets in the clear to {cleartext[0]}: "
                   "anyone on the way can read them; use https:// or HMAC-SHA1")


def warn_replaced_authorization(args: argparse.Namespace, headers: Dict[str, str]) -> None:
    """Warn that a -H Authorization is replaced by the OAuth one."""
    if any(name.lower() == "authorization" for name in headers):
        warn(args, "-H Authorization is replaced by the OAuth Authorization header; to send your own, "
                   "put the OAuth parameters elsewhere (--placement query or body for request, --output url for sign)")


@contextlib.contextmanager
def library_errors_as_usage() -> Iterator[None]:
    """The library's refusal of an argument (TypeError, ValueError, oauth2.InvalidRequest) as a usage error."""
    try:
        yield
    except OSError:  # a TLS certificate refused is a ValueError too, but no argument's fault
        raise
    except (TypeError, ValueError) as exc:
        raise UsageError(first_line(exc)) from None


@contextlib.contextmanager
def talking_to(args: argparse.Namespace, url: str) -> Iterator[None]:
    """Network errors as a NetworkError naming the URL and, for a timeout, ``--timeout``."""
    host = urllib.parse.urlsplit(url).netloc
    try:
        yield
    except (TimeoutError, socket.timeout):
        raise NetworkError(f"no answer from {host} within {args.timeout:g} seconds (--timeout {args.timeout:g}) "
                           f"to {url}") from None
    except ssl.SSLError as exc:
        advice = "; does it speak https? (try http://)" if "WRONG_VERSION_NUMBER" in str(exc) else ""
        raise NetworkError(f"TLS with {host} failed for {url}: {first_line(exc)}{advice}") from None
    except ConnectionRefusedError:
        raise NetworkError(f"cannot connect to {host}: connection refused (is the URL {url} right?)") from None
    except httplib2.ServerNotFoundError:
        raise NetworkError(f"cannot find the server {host} (the URL {url})") from None
    except (OSError, httplib2.HttpLib2Error, http.client.HTTPException) as exc:
        raise NetworkError(f"{url}: {first_line(exc)}") from None


#: The names of the HTTP versions http.client reports as numbers.
HTTP_VERSIONS = {9: "HTTP/0.9", 10: "HTTP/1.0", 11: "HTTP/1.1"}
#: The words of header names whose canonical case is not capitalized (WWW-Authenticate, ETag, Content-MD5).
HEADER_WORDS = {"www": "WWW", "etag": "ETag", "md5": "MD5"}


def write_head(out: TextIO, response: httplib2.Response, url: str) -> None:
    """The status line and headers of ``response``, as curl -i shows them.

    httplib2 keeps header names lower-cased only, and joins repeated ones
    with commas, so names are shown in their canonical case (Content-Type).
    """
    version = HTTP_VERSIONS.get(response.version, "HTTP/1.1")
    out.write(f"{version} {response.status} {response.reason}\n")
    for name, value in response.items():
        # httplib2 adds "status", "content-location" and "-x-..." entries of its own.
        added = name == "status" or name.startswith("-") or (name == "content-location" and value == url)
        if not added:
            out.write(f"{canonical_case(name)}: {value}\n")
    out.write("\n")


def canonical_case(name: str) -> str:
    """A lower-cased header name in its usual case: ``content-type`` as ``Content-Type``."""
    return "-".join(HEADER_WORDS.get(word, word.capitalize()) for word in name.split("-"))


def read_pin(out: TextIO, prompt: str) -> str:
    """A PIN from standard input, asked again after an empty line; UsageError at end of input."""
    while True:
        out.write(prompt)
        out.flush()
        line = sys.stdin.readline()
        if not line:
            raise UsageError("no PIN given")
        if line.strip():
            return line.strip()


class _CallbackServer(http.server.HTTPServer):
    """The one-shot listener of ``login --callback loopback``: what came back, once it has."""

    token_key: Optional[str] = None
    verifier: Optional[str] = None
    problem: Optional[str] = None


class _CallbackHandler(http.server.BaseHTTPRequestHandler):
    server: _CallbackServer
    timeout = 10  # a browser that connects and says nothing does not hold up the login

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        """Take the verifier from ``/callback?oauth_token=...&oauth_verifier=...`` [§2.2]."""
        parts = urllib.parse.urlsplit(self.path)
        if parts.path != "/callback":
            self.answer(404, "Not found.")
            return
        query = dict(urllib.parse.parse_qsl(parts.query))
        if "denied" in query:
            self.server.problem = "the authorization was denied at the provider"
        elif query.get("oauth_token") != self.server.token_key:
            self.server.problem = ("the provider sent back another request token than the one this login "
                                   "asked to authorize: run 'oauth2 login' again")
        elif not query.get("oauth_verifier"):
            self.server.problem = "the provider sent back no oauth_verifier"
        else:
            self.server.verifier = query["oauth_verifier"]
            self.answer(200, "oauth2 login: authorized. You can close this window and go back to the terminal.")
            return
        self.answer(400, f"oauth2 login: {self.server.problem}.")

    def answer(self, status: int, text: str) -> None:
        """A short plain-text page for the browser."""
        body = (text + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        """Keep the terminal free of access-log lines."""


def loopback_listener() -> _CallbackServer:
    """A listener on 127.0.0.1 (a free port) for ``login --callback loopback``."""
    return _CallbackServer(("127.0.0.1", 0), _CallbackHandler)


def callback_url(listener: _CallbackServer) -> str:
    """The callback URL the provider is to send the browser to."""
    return f"http://127.0.0.1:{listener.server_port}/callback"


def wait_for_verifier(listener: _CallbackServer, token_key: Optional[str], timeout: float) -> str:
    """The verifier the browser brings back to the listener for ``token_key``; closes the listener."""
    listener.token_key = token_key
    deadline = time.monotonic() + timeout
    try:
        while listener.verifier is None and listener.problem is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise oauth2.Error(f"no authorization came back to {callback_url(listener)} within {timeout:g} "
                                   "seconds: run 'oauth2 login' again, or give more time with --callback-timeout")
            listener.timeout = remaining
            listener.handle_request()
    finally:
        listener.server_close()
    if listener.problem is not None:
        raise oauth2.Error(listener.problem)
    return listener.verifier or ""


def problem_of(response: httplib2.Response, content: bytes) -> Optional[str]:
    """The ``oauth_problem`` of an answer (OAuth Problem Reporting), read as the library reads a provider's."""
    return oauth2.ProviderError(response.status, content, response.get("www-authenticate")).oauth_problem


def describe_provider_error(error: oauth2.ProviderError) -> str:
    """A provider's error answer, its form fields percent-decoded."""
    try:
        fields = dict(urllib.parse.parse_qsl(error.body.strip(), strict_parsing=True))
        detail = fields.get("detail") or fields.get("oauth_problem_advice") or ""
    except ValueError:  # not form data: the body is the explanation
        detail = error.body
    lines = detail.strip().splitlines()
    problem = f" {error.oauth_problem}" if error.oauth_problem else ""
    return f"the provider answered {error.status}{problem}" + (f": {lines[0]}" if lines else "")


# ------------------------------------------------------------------- commands


def _sign_args(
    args: argparse.Namespace,
    consumer: oauth2.Consumer,
    token: Optional[oauth2.Token],
    method: str,
    url: str,
    body: Optional[Body],
    headers: Dict[str, str],
    signer: oauth2.SignatureMethod,
) -> oauth2.Signed:
    """The signed request ``oauth2 sign`` prints: form pairs signed, any other body by its hash."""
    extra = {"oauth_callback": args.callback, "oauth_verifier": args.verifier}
    return oauth2.sign(
        method, url, consumer, token, headers=headers, body=body.content if body is not None else None,
        signature_method=signer, placement="query" if args.output == "url" else "header", realm=args.realm,
        parameters={name: value for name, value in extra.items() if value}, nonce=args.nonce, timestamp=args.timestamp,
    )


def cmd_sign(args: argparse.Namespace, out: TextIO) -> int:
    """Print the Authorization header, the signed URL or a curl command."""
    check_sign_options(args)
    method, url, body, headers = prepare(args)
    signer = signature_method(args)
    consumer, token = credentials_of(load_credentials(args, signer))
    warn_plaintext(args, signer, [url])
    if args.output != "url":
        warn_replaced_authorization(args, headers)
    form = body is not None and is_form(headers)
    with library_errors_as_usage():
        signed = _sign_args(args, consumer, token, method, url, body, headers, signer)

    if args.explain:
        steps = oauth2.explain(signed.request)
        out.write("parameters:\n")
        for name, value in sorted(steps.parameters):
            out.write(f"  {name}={value}\n")
        out.write(f"normalized parameters: {steps.normalized_parameters}\n")
        out.write(f"base string URI: {steps.base_string_uri}\n")
        out.write(f"signature base string: {steps.base_string}\n")
    if args.output == "header":
        out.write(f"Authorization: {signed.headers['Authorization']}\n")
    elif args.output == "url":
        out.write(signed.uri + "\n")
        if body is not None:
            note(args, "the signature covers DATA: send it as the body of a "
                       f"{method} to this URL, with the Content-Type {headers['Content-Type']}")
    else:
        # curl -X HEAD waits for a body that never comes; -I asks for the head alone.
        command = ["curl", "-I"] if method == "HEAD" else ["curl", "-X", method]
        command += ["-H", f"Authorization: {signed.headers['Authorization']}"]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        if body is not None and body.path is not None and not form:
            command += ["--data-binary", "@" + body.path]
        elif body is not None:
            # Only a file that is not form data goes to curl by name, as --data-binary @FILE.
            advice = "" if form else ": save it to a file and give DATA as @FILE (curl sends it with --data-binary)"
            command += ["--data-raw", body_text(body, "a body shown in a curl command", advice)]
        out.write(" ".join(shlex.quote(part) for part in [*command, url]) + "\n")
    return 0


def cmd_request(args: argparse.Namespace, out: TextIO) -> int:
    """Send a signed request and print the response, like curl."""
    method, url, body, headers = prepare(args)
    signer = signature_method(args)
    consumer, token = credentials_of(load_credentials(args, signer))
    warn_plaintext(args, signer, [url])
    if args.placement == "header":
        warn_replaced_authorization(args, headers)
    client = oauth2.Client(consumer, token, placement=args.placement, realm=args.realm, **http_options(args))
    client.set_signature_method(signer)
    client.follow_redirects = not args.no_redirects
    with talking_to(args, url), library_errors_as_usage():
        response, content = client.request(url, method, body=body.content if body else b"", headers=headers)
    if args.include:
        write_head(out, response, url)
    out.flush()
    if content and not content.endswith(b"\n") and out.isatty():
        content += b"\n"  # so that the shell prompt starts on a line of its own
    buffer = getattr(out, "buffer", None)
    if buffer is not None:
        buffer.write(content)
        buffer.flush()
    else:
        out.write(content.decode("utf-8", "replace"))
    if not 200 <= response.status < 300:
        print(f"oauth2 request: HTTP {response.status} {problem_of(response, content) or response.reason}",
              file=sys.stderr)
    return 0 if response.status < 400 else 1


def cmd_login(args: argparse.Namespace, out: TextIO) -> int:
    """The three-legged flow, with a PIN (oob) or a loopback callback; saves the token credentials to a 0600 file."""
    path = args.credentials or DEFAULT_CREDENTIALS
    if args.token is not None or args.token_secret is not None:
        raise UsageError("login fetches a new token and does not use --token or --token-secret: drop them")
    urls = [checked_url(getattr(args, name), "--" + name.replace("_", "-"))
            for name in ("request_token_url", "authorize_url", "access_token_url")]
    if os.path.exists(path) and not args.force and "token" in read_credentials_file(path):
        raise UsageError(f"{path} already holds a token; pass --force to replace it")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.access(directory, os.W_OK):
        raise UsageError(f"cannot write the credentials file in {directory}")
    signer = signature_method(args)
    consumer, _ = credentials_of(load_credentials(args, signer, creating=True))
    warn_plaintext(args, signer, [urls[0], urls[2]])
    client = oauth2.Client(consumer, realm=args.realm, **http_options(args))
    client.set_signature_method(signer)
    if args.callback_timeout <= 0:
        raise UsageError(f"--callback-timeout must be a number of seconds above 0, not {args.callback_timeout:g}")
    listener = loopback_listener() if args.callback == "loopback" else None
    callback = callback_url(listener) if listener is not None else args.callback
    try:
        with talking_to(args, urls[0]):
            request_token = client.fetch_request_token(urls[0], callback=callback,
                                                       require_callback_confirmed=not args.oauth10)
    except oauth2.CallbackNotConfirmed:
        raise UsageError("the provider did not confirm the callback; for an OAuth 1.0 provider use --oauth10") from None
    url = client.authorization_url(urls[1])
    if listener is not None:
        out.write(f"Open this URL and authorize the application; the browser comes back to {callback}:\n  {url}\n")
        out.flush()
    else:
        out.write(f"Open this URL, authorize the application, and come back with the PIN:\n  {url}\n")
    if args.open:
        webbrowser.open(url)
    if listener is not None:
        pin = wait_for_verifier(listener, request_token.key, args.callback_timeout)
    else:
        pin = read_pin(out, "PIN: ")
    with talking_to(args, urls[2]):
        token = client.fetch_access_token(urls[2], pin)
    # The provider's own fields stay apart: they must not replace the credentials.
    saved = {"consumer_key": consumer.key or "", "consumer_secret": consumer.secret or "",
             "token": token.key or "", "token_secret": token.secret or "", "extra": dict(token.extra)}
    save_credentials(path, saved, force=True)
    out.write(f"Access token {token.key} saved to {path}\n")
    if args.credentials is None:
        out.write("'oauth2 sign' and 'oauth2 request' use it when run in this directory.\n")
    else:
        out.write(f"Pass --credentials {shlex.quote(path)} to 'oauth2 sign' and 'oauth2 request' to use it.\n")
    return 0


def cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    """Run the three-legged flow against the embedded provider, showing each step."""
    from oauth2.provider import Provider

    consumer = oauth2.Consumer("demo-consumer", secrets.token_hex(16))
    with Provider(consumer=consumer) as provider:
        last = 0

        def show(step: str) -> None:
            nonlocal last
            out.write(f"\n== {step}\n")
            for entry in itertools.islice(provider.log, last, None):
                verdict = "verified" if entry.error is None else f"refused: {entry.error}"
                out.write(f"   provider: {entry.method} {entry.path} {verdict}\n")
                out.write(f"   signature base string: {entry.base_string}\n")
            last = len(provider.log)

        def answer(response: httplib2.Response, content: bytes) -> str:
            if response.status != 200:
                problem = problem_of(response, content) or response.reason
                raise oauth2.Error(f"the protected resource answered {response.status} {problem}")
            return content.decode()

        out.write(f"Embedded OAuth 1.0a provider on {provider.base_url}\n")
        out.write(f"Consumer key: {consumer.key} (the secret stays secret)\n")
        client = oauth2.Client(consumer)
        request_token = client.fetch_request_token(provider.request_token_url)
        show(f"1. Request token: {request_token.key} (callback confirmed: {request_token.callback_confirmed})")

        url = client.authorization_url(provider.authorize_url)
        out.write(f"\n== 2. Authorize: the user opens {url}\n")
        if args.interactive:
            pin = read_pin(out, "   Open it in a browser and type the PIN it shows: ")
        else:
            _, page = httplib2.Http(timeout=10).request(url)
            pin = page.decode().rsplit(" ", 1)[-1].strip()
            out.write(f"   The user approves; the provider shows the PIN {pin}\n")

        try:
            access_token = client.fetch_access_token(provider.access_token_url, pin)
        except oauth2.ProviderError:
            show("3. Access token: refused")
            raise
        show(f"3. Access token: {access_token.key} for {access_token.extra.get('screen_name')}")

        content = answer(*client.request(provider.resource_url + "?count=2&q=caf%C3%A9", "GET"))
        show(f"4. Protected resource: HTTP 200 {content}")

        content = answer(*client.request(provider.resource_url, "POST", body="status=Hello%20from%20oauth2",
                                         headers={"Content-Type": oauth2.FORM_CONTENT_TYPE}))
        show(f"5. Form POST: HTTP 200 {content}")
    out.write("\nDone: every request was signed by oauth2.Client and verified by oauth2.Server.\n")
    return 0


def cmd_serve(args: argparse.Namespace, out: TextIO) -> int:
    """Serve the embedded provider on 127.0.0.1 until interrupted (Ctrl-C), to try the other commands on.

    By default it keeps everything in memory, knows one consumer, and approves
    every authorization at once as alice. With --store sqlite:///PATH (or a
    PostgreSQL URL) it keeps consumers and tokens across restarts, knows the
    consumers 'oauth2 consumers add' registered, and asks on a consent page
    unless --auto-approve USER.
    """
    from oauth2.provider import Provider

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be from 1 to 65535 (or 0 for a free one), not {args.port}")
    in_memory = args.store == "memory:"
    consumer = None
    if in_memory:
        consumer = oauth2.Consumer(args.consumer_key or secrets.token_hex(8),
                                   args.consumer_secret or secrets.token_hex(16))
    elif args.consumer_key is not None or args.consumer_secret is not None:
        raise UsageError("with --store, register consumers with 'oauth2 consumers add --store URL' "
                         "instead of --consumer-key and --consumer-secret")
    if args.auto_approve is not None and not args.auto_approve.strip():
        raise UsageError("--auto-approve takes the name of the user who approves, such as alice")
    user = args.auto_approve or "alice"
    store = open_store(args.store)
    try:
        provider = Provider(port=args.port, consumer=consumer, store=store, user=user,
                            auto_approve=in_memory or args.auto_approve is not None,
                            signature_methods=None if in_memory else STORE_METHODS)
        # SIGTERM (kill, a service manager) ends it as Ctrl-C does.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            out.write(serve_banner(provider, args) + "\n")
            out.flush()
            provider.serve_forever()
        except KeyboardInterrupt:
            out.write("Stopped.\n")
    finally:
        close_store(store)
    return 0


#: The methods a provider with a store accepts; each consumer's --signature-methods narrows them.
STORE_METHODS = ["HMAC-SHA1", "HMAC-SHA256", "HMAC-SHA512", "RSA-SHA1", "RSA-SHA256", "RSA-SHA512"]


def serve_banner(provider: Provider, args: argparse.Namespace) -> str:
    """What ``serve`` prints once it listens: its endpoints and its consumer, as lines or one JSON object."""
    consumer = provider.consumer
    fields = {"base_url": provider.base_url, "request_token_url": provider.request_token_url,
              "authorize_url": provider.authorize_url, "access_token_url": provider.access_token_url,
              "resource_url": provider.resource_url,
              "auto_approve": provider.user if provider.auto_approve else None}
    if consumer is not None:
        fields.update(consumer_key=consumer.key, consumer_secret=consumer.secret)
    if args.json:
        return json.dumps(fields)
    lines = [f"Embedded OAuth 1.0a provider on {provider.base_url} (Ctrl-C to stop)",
             f"request-token URL: {provider.request_token_url}",
             f"authorize URL: {provider.authorize_url}",
             f"access-token URL: {provider.access_token_url}",
             f"protected resource: {provider.resource_url}"]
    if consumer is None:
        lines.append("consumers: those of the store ('oauth2 consumers list --store URL')")
    else:
        lines += [f"consumer key: {consumer.key}", f"consumer secret: {consumer.secret}"]
    return "\n".join(lines)


def open_store(url: str) -> ProviderStore:
    """The provider store ``url`` names (``oauth2.provider.open_store``), a bad URL being a usage error."""
    from oauth2.provider import open_store as open_provider_store

    try:
        return open_provider_store(url)
    except ValueError as exc:
        raise UsageError(f"--store: {exc}") from None
    except oauth2.Error:
        raise
    except Exception as exc:
        raise store_failed(exc) from None


def store_failed(exc: Exception) -> oauth2.Error:
    """A store's failure in one line, for the user.

    SQLite's message names a file; a network store's may name its URL and
    password, so only its type is shown.
    """
    if isinstance(exc, sqlite3.Error):
        return oauth2.Error(f"the SQLite store failed: {exc}")
    return oauth2.Error(f"the store failed ({type(exc).__name__}): check that it runs and that --store names it")


def close_store(store: ProviderStore) -> None:
    """Close the store's connections, if it has any."""
    close = getattr(store, "close", None)
    if close is not None:
        close()


@contextlib.contextmanager
def persistent_store(args: argparse.Namespace) -> Iterator[ProviderStore]:
    """The store of ``--store``, which must outlive this command (not ``memory:``), closed afterwards."""
    if args.store == "memory:":
        raise UsageError("a memory: store lives inside one 'oauth2 serve': give --store sqlite:///PATH")
    store = open_store(args.store)
    try:
        yield store
    except (oauth2.Error, UsageError):
        raise
    except Exception as exc:
        raise store_failed(exc) from None
    finally:
        close_store(store)


def cmd_consumers_add(args: argparse.Namespace, out: TextIO) -> int:
    """Register a consumer in the store: prints its key and its secret, the secret this once only."""
    from oauth2.kit import ConsumerRecord

    callbacks = tuple(checked_url(url, "--callback") for url in args.callback or [])
    prefixes = tuple(checked_url(url, "--callback-prefix") for url in args.callback_prefix or [])
    public_key = read_public_key(args.rsa_public_key) if args.rsa_public_key else None
    methods = signature_methods_of(args.signature_methods, rsa=public_key is not None)
    if public_key is None and any(name.startswith("RSA-") for name in methods or ()):
        raise UsageError("the RSA methods need the consumer's public key: add --rsa-public-key FILE")
    key = args.key or secrets.token_hex(8)
    # An RSA-only consumer gets no secret: HMAC and PLAINTEXT would refuse an empty one anyway.
    needs_secret = methods is None or any(not name.startswith("RSA-") for name in methods)
    secret = secrets.token_hex(16) if needs_secret else ""
    with persistent_store(args) as store:
        if store.get_consumer(key) is not None:
            raise UsageError(f"a consumer {key} is already registered: choose another --key, or remove it first")
        store.add_consumer(ConsumerRecord(key, secret, public_key, callbacks, prefixes, methods))
    if args.json:
        out.write(json.dumps({"consumer_key": key, "consumer_secret": secret}) + "\n")
    else:
        out.write(f"consumer key: {key}\nconsumer secret: {secret}\n"
                  "The secret is shown this once: give it to the consumer's developer now.\n")
    return 0


def read_public_key(path: str) -> str:
    """The PEM RSA public key or X.509 certificate in ``path``."""
    with open(path, encoding="ascii", errors="replace") as file:
        pem = file.read(65536)
    if "-----BEGIN PUBLIC KEY-----" not in pem and "-----BEGIN CERTIFICATE-----" not in pem:
        raise UsageError(f"{path} holds no PEM public key or certificate (-----BEGIN PUBLIC KEY-----)")
    return pem


def signature_methods_of(text: Optional[str], rsa: bool) -> Optional[FrozenSet[str]]:
    """``--signature-methods HMAC-SHA256,RSA-SHA256``: the names, checked; the RSA ones for a public key alone."""
    if text is None:
        return frozenset(name for name in STORE_METHODS if name.startswith("RSA-")) if rsa else None
    names = frozenset(name.strip().upper() for name in text.split(",") if name.strip())
    unknown = sorted(names - set(METHODS))
    if unknown or not names:
        raise UsageError(f"--signature-methods takes names among {', '.join(sorted(METHODS))}, "
                         f"separated by commas, not {text!r}")
    return names


def cmd_consumers_list(args: argparse.Namespace, out: TextIO) -> int:
    """List the keys of the consumers in the store (never their secrets)."""
    from oauth2.provider import consumer_keys

    with persistent_store(args) as store:
        keys = consumer_keys(store)
    out.write(json.dumps(keys) + "\n" if args.json else "".join(key + "\n" for key in keys))
    return 0


def cmd_consumers_remove(args: argparse.Namespace, out: TextIO) -> int:
    """Unregister a consumer and delete the tokens issued to it: the provider then refuses it and them."""
    from oauth2.provider import remove_consumer

    with persistent_store(args) as store:
        removed = remove_consumer(store, args.key)
    if not removed:
        raise oauth2.Error(f"no consumer {args.key} is registered in this store")
    out.write(f"Removed consumer {args.key}\n")
    return 0


def cmd_tokens_list(args: argparse.Namespace, out: TextIO) -> int:
    """List the keys of the token credentials in the store, revoked or not (never their secrets)."""
    with persistent_store(args) as store:
        keys = store.token_keys(args.consumer)
    out.write(json.dumps(keys) + "\n" if args.json else "".join(key + "\n" for key in keys))
    return 0


def cmd_tokens_revoke(args: argparse.Namespace, out: TextIO) -> int:
    """Revoke token credentials (an access token): the provider refuses them from now on (token_revoked)."""
    with persistent_store(args) as store:
        revoked = store.revoke_token(args.token)
    if not revoked:
        raise oauth2.Error(f"no token {args.token} in this store")
    out.write(f"Revoked token {args.token}\n")
    return 0


# ------------------------------------------------------------------- parsing


def seconds(text: str) -> float:
    """A ``--timeout``: a number of seconds more than 0."""
    value = float(text)
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds more than 0, not {text!r}")
    return value


class Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors that point to ``--help``."""

    def error(self, message: str) -> NoReturn:
        """Print the error on one line, and where to read the usage, then exit with status 2."""
        self.exit(2, f"{self.prog}: {message} (see '{self.prog} --help')\n")


def add_credentials(parser: argparse.ArgumentParser) -> None:
    """Add the credential and signature flags every command shares."""
    group = parser.add_argument_group(
        "credentials",
        "The consumer key and secret come together from the first that gives either: these flags, the "
        "--credentials file, the variables OAUTH_CONSUMER_KEY and OAUTH_CONSUMER_SECRET, and "
        f"./{DEFAULT_CREDENTIALS} (written by 'oauth2 login') if it exists; the token and its secret likewise "
        "(OAUTH_TOKEN, OAUTH_TOKEN_SECRET). Other users of the machine can read flags in the process list: "
        "give secrets in the variables or the file (yours alone: mode 0600) instead.",
    )
    group.add_argument("--consumer-key", help="the key the provider gave your application")
    group.add_argument("--consumer-secret", metavar="SECRET",
                       help="its secret (visible to other users: safer in OAUTH_CONSUMER_SECRET); '' if empty")
    group.add_argument("--token", help="the token key (the access token 'oauth2 login' obtains)")
    group.add_argument("--token-secret", metavar="SECRET",
                       help="its secret (visible to other users: safer in OAUTH_TOKEN_SECRET); '' if empty")
    group.add_argument("--credentials", metavar="FILE",
                       help="JSON file written by 'oauth2 login' (refused if another user owns it or can write to it)")
    group.add_argument("--signature-method", type=str.upper, choices=sorted(METHODS), default="HMAC-SHA1",
                       help="in any case (default: HMAC-SHA1)")
    group.add_argument("--rsa-key", metavar="FILE", help="PEM private key for the RSA methods")
    group.add_argument("--rsa-key-password", metavar="PASSWORD",
                       help=f"password of an encrypted --rsa-key (safer: the {RSA_PASSWORD_VARIABLE} variable)")
    group.add_argument("--realm", help="realm to put in the Authorization header (default: none)")


def add_tls(parser: argparse.ArgumentParser) -> None:
    """Add the network flags of the commands that send requests."""
    parser.add_argument("--timeout", type=seconds, default=30.0, metavar="SECONDS",
                        help="how long to wait for the server, in seconds (default: 30)")
    parser.add_argument("--ca-certs", metavar="FILE", help="PEM CA certificates to trust instead of the default ones")
    parser.add_argument("--insecure", action="store_true", help="do not check the server's TLS certificate")


class MethodIsPositional(argparse.Action):
    """curl's ``-X POST``, refused with the way to say it here."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: Optional[str] = None) -> None:
        parser.error(f"the method is the first argument, not an option: {parser.prog} POST URL, not -X POST URL")


def add_request_arguments(parser: argparse.ArgumentParser) -> None:
    """METHOD, URL, DATA and -H, shared by ``sign`` and ``request``."""
    parser.add_argument("method", metavar="METHOD", help="the HTTP method: GET, POST, ... (not -X POST)")
    parser.add_argument("url", metavar="URL", help="the absolute http:// or https:// URL, query included")
    parser.add_argument("data", metavar="DATA", nargs="?",
                        help="the body: form data ('status=hello') unless -H gives another Content-Type; "
                             "@FILE reads it from a file, - from standard input; on GET and HEAD it goes "
                             "into the query (as with curl -G)")
    parser.add_argument("-H", "--header", action="append", help="an extra header, 'Name: value'")
    parser.add_argument("-X", "--request", action=MethodIsPositional, help=argparse.SUPPRESS)


def add_store(parser: argparse.ArgumentParser, required: bool = False) -> None:
    """Add ``--store URL``."""
    parser.add_argument("--store", metavar="URL", required=required, default=None if required else "memory:",
                        help="where consumers and tokens are kept: memory: (the default of serve), sqlite:///PATH "
                             "(sqlite:////abs/path.db), or postgresql://... / redis://... if this oauth2 has "
                             "those stores")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, one subcommand per command."""
    parser = Parser(prog="oauth2", description="OAuth 1.0a (RFC 5849) from the command line.")
    parser.add_argument("--version", action="version", version=f"oauth2 {oauth2.__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sign = commands.add_parser("sign", help="print a signed request", description=cmd_sign.__doc__)
    add_request_arguments(sign)
    sign.add_argument("--output", choices=["header", "url", "curl"], default="header",
                      help="header: the Authorization header (the default); url: the URL with the OAuth "
                           "parameters in its query; curl: a curl command")
    sign.add_argument("--explain", action="store_true", help="also print how the signature is made (no secrets)")
    sign.add_argument("--timestamp", help="fixed oauth_timestamp, in seconds (default: now)")
    sign.add_argument("--nonce", help="fixed oauth_nonce (default: random)")
    sign.add_argument("--callback", help="oauth_callback to sign")
    sign.add_argument("--verifier", help="oauth_verifier to sign")
    add_credentials(sign)
    sign.set_defaults(run=cmd_sign, parser=sign)

    request = commands.add_parser("request", help="send a signed request", description=cmd_request.__doc__)
    add_request_arguments(request)
    request.add_argument("-i", "--include", action="store_true", help="print the status line and headers")
    request.add_argument("--placement", choices=["header", "query", "body"], default="header",
                         help="where the OAuth parameters go: the Authorization header (the default), the "
                              "query, or a form body")
    request.add_argument("--no-redirects", action="store_true", help="print a redirect (3xx) instead of following it")
    add_tls(request)
    add_credentials(request)
    request.set_defaults(run=cmd_request, parser=request)

    login = commands.add_parser("login", help="three-legged login (a PIN, or a loopback callback)",
                                description=cmd_login.__doc__)
    login.add_argument("--request-token-url", required=True, metavar="URL",
                       help="the provider's temporary credentials (request token) endpoint")
    login.add_argument("--authorize-url", required=True, metavar="URL",
                       help="the provider's page where the user authorizes the application")
    login.add_argument("--access-token-url", required=True, metavar="URL",
                       help="the provider's token credentials (access token) endpoint")
    login.add_argument("--callback", default="oob",
                       help="oob (the default: type the PIN the provider shows), loopback (a listener on "
                            "127.0.0.1 catches the verifier from the browser), or a callback URL")
    login.add_argument("--callback-timeout", type=float, default=300, metavar="SECONDS",
                       help="how long --callback loopback waits for the browser (default: 300)")
    login.add_argument("--open", action="store_true", help="open the authorization URL in a browser")
    login.add_argument("--force", action="store_true", help="replace an existing credentials file")
    login.add_argument("--oauth10", action="store_true", help="accept a provider that does not confirm the callback")
    add_tls(login)
    add_credentials(login)
    login.set_defaults(run=cmd_login, parser=login)

    demo = commands.add_parser("demo", help="run the whole flow against an embedded provider",
                               description=cmd_demo.__doc__)
    demo.add_argument("--interactive", action="store_true", help="type the PIN yourself")
    demo.set_defaults(run=cmd_demo, parser=demo)

    serve = commands.add_parser("serve", help="serve the embedded provider to try the other commands on",
                                description=cmd_serve.__doc__)
    serve.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    serve.add_argument("--consumer-key", help="the consumer key it knows (default: a random one; memory: only)")
    serve.add_argument("--consumer-secret", help="that consumer's secret (default: a random one; memory: only)")
    add_store(serve)
    serve.add_argument("--auto-approve", metavar="USER",
                       help="approve every authorization at once as USER: a redirect to the callback, or the PIN "
                            "page for oob (default with memory:: alice; with another store, a consent page asks)")
    serve.add_argument("--json", action="store_true",
                       help="print the endpoints (and the consumer, with memory:) as one JSON object")
    serve.set_defaults(run=cmd_serve, parser=serve)

    consumers = commands.add_parser("consumers", help="register, list and remove the consumers of a provider store",
                                    description="The consumers of a provider store (see 'oauth2 serve --store').")
    consumer_actions = consumers.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = consumer_actions.add_parser("add", help="register a consumer; prints its key and secret (the secret once)",
                                      description=cmd_consumers_add.__doc__)
    add_store(add, required=True)
    add.add_argument("--key", help="its consumer key (default: 16 random hex digits)")
    add.add_argument("--callback", action="append", metavar="URL",
                     help="a callback URL it may send (repeatable); oob is always accepted")
    add.add_argument("--callback-prefix", action="append", metavar="PREFIX",
                     help="a prefix its callbacks may start with, such as https://app.example/oauth/ (repeatable)")
    add.add_argument("--rsa-public-key", metavar="FILE",
                     help="its PEM RSA public key or certificate, for the RSA methods (then only those, and no "
                          "secret, unless --signature-methods names others)")
    add.add_argument("--signature-methods", metavar="NAMES",
                     help="the methods it may sign with, comma-separated (default: those the provider accepts)")
    add.add_argument("--json", action="store_true", help="print the key and secret as one JSON object")
    add.set_defaults(run=cmd_consumers_add, parser=add)
    listing = consumer_actions.add_parser("list", help="list the consumer keys (never the secrets)",
                                          description=cmd_consumers_list.__doc__)
    add_store(listing, required=True)
    listing.add_argument("--json", action="store_true", help="print the keys as one JSON list")
    listing.set_defaults(run=cmd_consumers_list, parser=listing)
    remove = consumer_actions.add_parser("remove", help="unregister a consumer and delete its tokens",
                                         description=cmd_consumers_remove.__doc__)
    remove.add_argument("key", metavar="KEY", help="the consumer key")
    add_store(remove, required=True)
    remove.set_defaults(run=cmd_consumers_remove, parser=remove)

    tokens = commands.add_parser("tokens", help="list and revoke the tokens of a provider store",
                                 description="The token credentials of a provider store (see 'oauth2 serve --store').")
    token_actions = tokens.add_subparsers(dest="action", required=True, metavar="ACTION")
    token_list = token_actions.add_parser("list", help="list the access token keys (never the secrets)",
                                          description=cmd_tokens_list.__doc__)
    add_store(token_list, required=True)
    token_list.add_argument("--consumer", metavar="KEY", help="only the tokens issued to this consumer")
    token_list.add_argument("--json", action="store_true", help="print the keys as one JSON list")
    token_list.set_defaults(run=cmd_tokens_list, parser=token_list)
    revoke = token_actions.add_parser("revoke", help="revoke an access token", description=cmd_tokens_revoke.__doc__)
    revoke.add_argument("token", metavar="TOKEN", help="the token key (oauth_token)")
    add_store(revoke, required=True)
    revoke.set_defaults(run=cmd_tokens_revoke, parser=revoke)
    return parser


def main(argv: Optional[Sequence[str]] = None, out: Optional[TextIO] = None) -> int:
    """Run the command line; returns the exit status."""
    out = out if out is not None else sys.stdout
    args, unknown = build_parser().parse_known_args(argv)
    if unknown:
        args.parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    run: Callable[[argparse.Namespace, TextIO], int] = args.run
    try:
        check_utf8(args)
        return run(args, out)
    except UsageError as exc:
        print(f"oauth2 {args.command}: {exc} (see '{args.parser.prog} --help')", file=sys.stderr)
        return 2
    except oauth2.ProviderError as exc:
        print(f"oauth2 {args.command}: {describe_provider_error(exc)}", file=sys.stderr)
        return 1
    except (NetworkError, oauth2.Error, OSError, httplib2.HttpLib2Error, http.client.HTTPException, TypeError,
            ValueError) as exc:
        print(f"oauth2 {args.command}: {first_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
