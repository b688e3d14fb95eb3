"""The ``oauth2`` command line: sign, send, log in, and a demo (standard library only).

Every command is a thin shell over the library. Errors are one line on
stderr: exit status 2 for a usage error, 1 for anything else.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shlex
import sys
import tempfile
import webbrowser
from typing import Callable, Dict, List, Optional, Sequence, TextIO, Tuple

import httplib2

import oauth2

ENVIRONMENT = {
    "consumer_key": "OAUTH_CONSUMER_KEY",
    "consumer_secret": "OAUTH_CONSUMER_SECRET",
    "token": "OAUTH_TOKEN",
    "token_secret": "OAUTH_TOKEN_SECRET",
}

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


class UsageError(Exception):
    """A command line that cannot be carried out as given (exit status 2)."""


# ---------------------------------------------------------------- credentials


def load_credentials(args: argparse.Namespace) -> Dict[str, str]:
    """Consumer and token from the flags, else the environment, else the credentials file."""
    stored: Dict[str, str] = {}
    if args.credentials and os.path.exists(args.credentials):
        try:
            with open(args.credentials, encoding="utf-8") as f:
                stored = json.load(f)
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot read the credentials file {args.credentials}: {exc}") from None
        if not isinstance(stored, dict):
            raise UsageError(f"the credentials file {args.credentials} is not a JSON object")
    found = {}
    for name, variable in ENVIRONMENT.items():
        value = getattr(args, name, None) or os.environ.get(variable) or stored.get(name)
        if value:
            found[name] = str(value)
    if "consumer_key" not in found:
        raise UsageError("no consumer key: use --consumer-key, OAUTH_CONSUMER_KEY or --credentials")
    return found


def save_credentials(path: str, credentials: Dict[str, str], force: bool) -> None:
    """Write the credentials as JSON to a file only its owner can read (mode 0600)."""
    if os.path.exists(path) and not force:
        raise UsageError(f"{path} exists; pass --force to overwrite it")
    directory = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".oauth2-")  # created 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(credentials, f, indent=2)
            f.write("\n")
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def credentials_of(found: Dict[str, str]) -> Tuple[oauth2.Consumer, Optional[oauth2.Token]]:
    """The Consumer, and the Token if there is one, from loaded credentials."""
    consumer = oauth2.Consumer(found["consumer_key"], found.get("consumer_secret", ""))
    token = oauth2.Token(found["token"], found.get("token_secret", "")) if "token" in found else None
    return consumer, token


def signature_method(args: argparse.Namespace) -> oauth2.SignatureMethod:
    """The signature method the flags ask for, with its RSA key when it needs one."""
    make = METHODS[args.signature_method]
    if not args.signature_method.startswith("RSA"):
        return make()
    if not args.rsa_key:
        raise UsageError(f"{args.signature_method} needs --rsa-key FILE (a PEM private key)")
    try:
        with open(args.rsa_key, "rb") as f:
            return make(f.read())
    except OSError as exc:
        raise UsageError(f"cannot read {args.rsa_key}: {exc.strerror}") from None


def form_pairs(data: Optional[str]) -> List[Tuple[str, str]]:
    """The pairs of a form-encoded DATA argument."""
    if not data:
        return []
    try:
        return list(oauth2._parse_form(data, "form data"))
    except oauth2.InvalidRequest as exc:
        raise UsageError(str(exc)) from None


# ------------------------------------------------------------------- commands


def cmd_sign(args: argparse.Namespace, out: TextIO) -> int:
    """Print the Authorization header, the signed URL or a curl command."""
    consumer, token = credentials_of(load_credentials(args))
    method = args.method.upper()
    pairs = form_pairs(args.data)
    params: Dict[str, object] = {"oauth_version": "1.0"}
    if args.timestamp:
        params["oauth_timestamp"] = args.timestamp
    if args.nonce:
        params["oauth_nonce"] = args.nonce
    if args.callback:
        params["oauth_callback"] = args.callback
    if args.verifier:
        params["oauth_verifier"] = args.verifier
    request = oauth2.Request.from_consumer_and_token(
        consumer, token, method, args.url, parameters=params, is_form_encoded=bool(pairs)
    )
    for name, value in pairs:
        oauth2._add_value(request, name, value)
    sign_method = signature_method(args)
    request.sign_request(sign_method, consumer, token)

    if args.explain:
        steps = oauth2.explain(request)
        out.write("parameters:\n")
        for name, value in sorted(steps.parameters):
            out.write(f"  {name}={value}\n")
        out.write(f"normalized parameters: {steps.normalized_parameters}\n")
        out.write(f"base string URI: {steps.base_string_uri}\n")
        out.write(f"signature base string: {steps.base_string}\n")
    header = request.to_header(realm=args.realm or "")["Authorization"]
    if args.output == "header":
        out.write(f"Authorization: {header}\n")
    elif args.output == "url":
        out.write(request.to_url() + "\n")
    else:
        command = ["curl", "-X", method, "-H", f"Authorization: {header}"]
        if pairs:
            command += ["-H", f"Content-Type: {oauth2.FORM_CONTENT_TYPE}", "--data-raw", args.data]
        out.write(" ".join(shlex.quote(part) for part in [*command, args.url]) + "\n")
    return 0


def cmd_request(args: argparse.Namespace, out: TextIO) -> int:
    """Send a signed request and print the response, like curl."""
    consumer, token = credentials_of(load_credentials(args))
    headers = {}
    for header in args.header or []:
        name, sep, value = header.partition(":")
        if not sep:
            raise UsageError(f"-H wants 'Name: value', not {header!r}")
        headers[name.strip()] = value.strip()
    if args.data is not None and not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = oauth2.FORM_CONTENT_TYPE
    client = oauth2.Client(consumer, token, placement=args.placement, realm=args.realm, timeout=args.timeout)
    client.set_signature_method(signature_method(args))
    client.follow_redirects = not args.no_redirects
    body = (args.data or "").encode("utf-8")
    response, content = client.request(args.url, args.method.upper(), body=body, headers=headers)
    if args.include:
        out.write(f"HTTP {response.status} {response.reason}\n")
        for name, value in response.items():
            # httplib2 adds "status", "content-location" and "-x-..." entries of its own.
            added = name == "status" or name.startswith("-") or (name == "content-location" and value == args.url)
            if not added:
                out.write(f"{name}: {value}\n")
        out.write("\n")
    out.flush()
    buffer = getattr(out, "buffer", None)
    if buffer is not None:
        buffer.write(content)
        buffer.flush()
    else:
        out.write(content.decode("utf-8", "replace"))
    return 0 if response.status < 400 else 1


def cmd_login(args: argparse.Namespace, out: TextIO) -> int:
    """The three-legged PIN (oob) flow; saves the token credentials to a 0600 file."""
    found = load_credentials(args)
    if os.path.exists(args.credentials) and not args.force and "token" in found:
        raise UsageError(f"{args.credentials} already holds a token; pass --force to replace it")
    directory = os.path.dirname(os.path.abspath(args.credentials))
    if not os.access(directory, os.W_OK):
        raise UsageError(f"cannot write the credentials file in {directory}")
    consumer, _ = credentials_of({k: v for k, v in found.items() if k.startswith("consumer")})
    client = oauth2.Client(consumer, timeout=args.timeout)
    client.set_signature_method(signature_method(args))
    try:
        client.fetch_request_token(args.request_token_url, callback=args.callback,
                                   require_callback_confirmed=not args.oauth10)
    except oauth2.CallbackNotConfirmed:
        raise UsageError("the provider did not confirm the callback; for an OAuth 1.0 provider use --oauth10") from None
    url = client.authorization_url(args.authorize_url)
    out.write(f"Open this URL, authorize the application, and come back with the PIN:\n  {url}\n")
    if args.open:
        webbrowser.open(url)
    out.write("PIN: ")
    out.flush()
    pin = sys.stdin.readline().strip()
    if not pin:
        raise UsageError("no PIN given")
    token = client.fetch_access_token(args.access_token_url, pin)
    saved = {"consumer_key": consumer.key or "", "consumer_secret": consumer.secret or "",
             "token": token.key or "", "token_secret": token.secret or "", **token.extra}
    save_credentials(args.credentials, saved, force=True)
    out.write(f"Access token {token.key} saved to {args.credentials}\n")
    return 0


def cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    """Run the three-legged flow against the embedded provider, showing each step."""
    from oauth2.provider import Provider

    with Provider() as provider:
        last = 0

        def show(step: str) -> None:
            nonlocal last
            out.write(f"\n== {step}\n")
            for entry in provider.log[last:]:
                verdict = "verified" if entry.error is None else f"refused: {entry.error}"
                out.write(f"   provider: {entry.method} {entry.path} {verdict}\n")
                out.write(f"   signature base string: {entry.base_string}\n")
            last = len(provider.log)

        out.write(f"Embedded OAuth 1.0a provider on {provider.base_url}\n")
        out.write(f"Consumer key: {provider.consumer.key} (the secret stays secret)\n")
        client = oauth2.Client(provider.consumer)
        request_token = client.fetch_request_token(provider.request_token_url)
        show(f"1. Request token: {request_token.key} (callback confirmed: {request_token.callback_confirmed})")

        url = client.authorization_url(provider.authorize_url)
        out.write(f"\n== 2. Authorize: the user opens {url}\n")
        if args.interactive:
            out.write("   Open it in a browser and type the PIN it shows: ")
            out.flush()
            pin = sys.stdin.readline().strip()
        else:
            _, page = httplib2.Http(timeout=10).request(url)
            pin = page.decode().rsplit(" ", 1)[-1].strip()
            out.write(f"   The user approves; the provider shows the PIN {pin}\n")

        access_token = client.fetch_access_token(provider.access_token_url, pin)
        show(f"3. Access token: {access_token.key} for {access_token.extra.get('screen_name')}")

        response, content = client.request(provider.resource_url + "?count=2&q=caf%C3%A9", "GET")
        show(f"4. Protected resource: HTTP {response.status} {content.decode()}")

        response, content = client.request(provider.resource_url, "POST", body="status=Hello%20from%20oauth2",
                                           headers={"Content-Type": oauth2.FORM_CONTENT_TYPE})
        show(f"5. Form POST: HTTP {response.status} {content.decode()}")
        if response.status != 200:
            raise oauth2.Error(f"the protected resource answered {response.status}")
    out.write("\nDone: every request was signed by oauth2.Client and verified by oauth2.Server.\n")
    return 0


# ------------------------------------------------------------------- parsing


def add_credentials(parser: argparse.ArgumentParser) -> None:
    """Add the credential and signature flags every command shares."""
    group = parser.add_argument_group("credentials (else from OAUTH_* variables or --credentials)")
    group.add_argument("--consumer-key")
    group.add_argument("--consumer-secret")
    group.add_argument("--token")
    group.add_argument("--token-secret")
    group.add_argument("--credentials", metavar="FILE", help="JSON file written by 'oauth2 login'")
    group.add_argument("--signature-method", choices=sorted(METHODS), default="HMAC-SHA1")
    group.add_argument("--rsa-key", metavar="FILE", help="PEM private key for the RSA methods")
    group.add_argument("--realm")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, one subcommand per command."""
    parser = argparse.ArgumentParser(prog="oauth2", description="OAuth 1.0a (RFC 5849) from the command line.")
    parser.add_argument("--version", action="version", version=f"oauth2 {oauth2.__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sign = commands.add_parser("sign", help="print a signed request", description=cmd_sign.__doc__)
    sign.add_argument("method", metavar="METHOD")
    sign.add_argument("url", metavar="URL")
    sign.add_argument("data", metavar="DATA", nargs="?", help="form data, e.g. 'status=hello&lat=1'")
    sign.add_argument("--output", choices=["header", "url", "curl"], default="header")
    sign.add_argument("--explain", action="store_true", help="also print how the signature is made (no secrets)")
    sign.add_argument("--timestamp", help="fixed oauth_timestamp (default: now)")
    sign.add_argument("--nonce", help="fixed oauth_nonce (default: random)")
    sign.add_argument("--callback", help="oauth_callback to sign")
    sign.add_argument("--verifier", help="oauth_verifier to sign")
    add_credentials(sign)
    sign.set_defaults(run=cmd_sign)

    request = commands.add_parser("request", help="send a signed request", description=cmd_request.__doc__)
    request.add_argument("method", metavar="METHOD")
    request.add_argument("url", metavar="URL")
    request.add_argument("data", metavar="DATA", nargs="?", help="the request body (form data by default)")
    request.add_argument("-H", "--header", action="append", help="an extra header, 'Name: value'")
    request.add_argument("-i", "--include", action="store_true", help="print the status line and headers")
    request.add_argument("--placement", choices=["header", "query", "body"], default="header")
    request.add_argument("--no-redirects", action="store_true")
    request.add_argument("--timeout", type=float, default=30)
    add_credentials(request)
    request.set_defaults(run=cmd_request)

    login = commands.add_parser("login", help="three-legged PIN login", description=cmd_login.__doc__)
    login.add_argument("--request-token-url", required=True)
    login.add_argument("--authorize-url", required=True)
    login.add_argument("--access-token-url", required=True)
    login.add_argument("--callback", default="oob")
    login.add_argument("--open", action="store_true", help="open the authorization URL in a browser")
    login.add_argument("--force", action="store_true", help="replace an existing credentials file")
    login.add_argument("--oauth10", action="store_true", help="accept a provider that does not confirm the callback")
    login.add_argument("--timeout", type=float, default=30)
    add_credentials(login)
    login.set_defaults(run=cmd_login, credentials="oauth2-credentials.json")

    demo = commands.add_parser("demo", help="run the whole flow against an embedded provider",
                               description=cmd_demo.__doc__)
    demo.add_argument("--interactive", action="store_true", help="type the PIN yourself")
    demo.set_defaults(run=cmd_demo)
    return parser


def main(argv: Optional[Sequence[str]] = None, out: TextIO = sys.stdout) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace, TextIO], int] = args.run
    try:
        return run(args, out)
    except UsageError as exc:
        print(f"oauth2 {args.command}: {exc}", file=sys.stderr)
        return 2
    except (oauth2.Error, OSError, httplib2.HttpLib2Error, http.client.HTTPException, TypeError, ValueError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"oauth2 {args.command}: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
