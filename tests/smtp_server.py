"""Real SMTP servers (aiosmtpd) accepting XOAUTH and XOAUTH2 logins, for the client tests.

Three servers run on 127.0.0.1 with ephemeral ports, each in its own
aiosmtpd controller thread:

* submission with STARTTLS required before anything else (like port 587);
* implicit TLS (like port 465);
* STARTTLS again, but offering XOAUTH2 only, to see a missing mechanism.

Delivered messages are recorded with the login that sent them.
"""

from __future__ import annotations

import base64
import binascii
import ssl
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session
from tls_certs import server_context
from xoauth_verifier import XOAUTH2_ERROR_JSON, Account, Refused, XOAuth2Verifier, XOAuthVerifier

HOST = "127.0.0.1"

#: Gmail's final reply to a refused XOAUTH/XOAUTH2 login, with our reason added.
REFUSED = "535 5.7.8 Username and Password not accepted ({reason})"


@dataclass(frozen=True)
class Delivery:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes
    login: Optional[str]


@dataclass
class OAuthMailHandler:
    """aiosmtpd handler: XOAUTH/XOAUTH2 mechanisms and a record of deliveries."""

    xoauth: XOAuthVerifier
    xoauth2: XOAuth2Verifier
    deliveries: list[Delivery] = field(default_factory=list)
    #: What clients answered to the XOAUTH2 error challenge.
    error_challenge_answers: list[bytes] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Record the message and the login of the session that sent it."""
        delivery = Delivery(
            mail_from=str(envelope.mail_from),
            rcpt_tos=tuple(envelope.rcpt_tos),
            content=bytes(envelope.original_content or b""),
            login=session.auth_data if session.authenticated else None,
        )
        with self._lock:
            self.deliveries.append(delivery)
        return "250 2.0.0 OK"

    async def auth_XOAUTH(self, server: SMTP, args: list[str]) -> AuthResult:
        """Check an XOAUTH initial response (RFC 4954 style, in the AUTH line or after 334)."""
        response = await _initial_response(server, args)
        if response is None:
            return AuthResult(success=False, handled=True)
        try:
            user = self.xoauth.verify(response.decode("utf-8"))
        except (Refused, UnicodeDecodeError) as exc:
            return AuthResult(success=False, handled=False, message=REFUSED.format(reason=exc))
        return AuthResult(success=True, auth_data=user)

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        """Check an XOAUTH2 response; on failure send Gmail's JSON challenge first."""
        response = await _initial_response(server, args)
        if response is None:
            return AuthResult(success=False, handled=True)
        try:
            user = self.xoauth2.verify(response)
        except Refused as exc:
            answer = await server.challenge_auth(XOAUTH2_ERROR_JSON, encode_to_b64=True)
            if not isinstance(answer, bytes):
                # "*" or not base64: challenge_auth has already replied 501.
                return AuthResult(success=False, handled=True)
            with self._lock:
                self.error_challenge_answers.append(answer)
            # RFC 7628 3.2.3: only an empty response is correct here.
            if answer != b"":
                return AuthResult(
                    success=False,
                    handled=False,
                    message="501 5.5.2 Expected an empty response to the error challenge",
                )
            return AuthResult(success=False, handled=False, message=REFUSED.format(reason=exc))
        return AuthResult(success=True, auth_data=user)


async def _initial_response(server: SMTP, args: list[str]) -> Optional[bytes]:
    if len(args) == 2:
        try:
            return base64.b64decode(args[1], validate=True)
        except binascii.Error:
            await server.push("501 5.5.2 Can't decode base64")
            return None
    answer = await server.challenge_auth("")
    return answer if isinstance(answer, bytes) else None


class _EphemeralPortController(Controller):
    """Controller that listens on port 0 and learns the port the OS picked."""

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@dataclass
class SMTPServer:
    """One running server: where it listens and what it has received."""

    port: int
    handler: OAuthMailHandler
    host: str = HOST


@dataclass
class SMTPServers:
    """The three test servers and the account they know."""

    account: Account
    cert_path: Path
    starttls: SMTPServer
    implicit_tls: SMTPServer
    xoauth2_only: SMTPServer


@contextmanager
def running_smtp_servers(cert_path: Path, key_path: Path, account: Optional[Account] = None) -> Iterator[SMTPServers]:
    """Run the three SMTP servers for the duration of the ``with`` block."""
    account = account or Account()
    url = account.xoauth_url("smtp")

    def start(stack: ExitStack, *, implicit: bool, exclude: tuple[str, ...] = ()) -> SMTPServer:
        # Each server has its own nonce memory, like independent servers.
        handler = OAuthMailHandler(XOAuthVerifier(account, url), XOAuth2Verifier(account))
        tls: ssl.SSLContext = server_context(cert_path, key_path)
        options: dict[str, Any] = (
            # The connection is TLS from the first byte, which aiosmtpd's
            # "TLS before AUTH" check cannot see.
            {"ssl_context": tls, "auth_require_tls": False}
            if implicit
            else {"tls_context": tls, "require_starttls": True}
        )
        controller = _EphemeralPortController(
            handler,
            hostname=HOST,
            port=0,
            server_hostname="localhost",
            # PLAIN and LOGIN are built in; these servers speak OAuth only.
            auth_exclude_mechanism=["PLAIN", "LOGIN", *exclude],
            **options,
        )
        controller.start()
        stack.callback(controller.stop)
        return SMTPServer(port=controller.port, handler=handler)

    with ExitStack() as stack:
        yield SMTPServers(
            account=account,
            cert_path=cert_path,
            starttls=start(stack, implicit=False),
            implicit_tls=start(stack, implicit=True),
            xoauth2_only=start(stack, implicit=False, exclude=("XOAUTH",)),
        )
