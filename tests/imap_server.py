"""A real IMAP4rev1 server (Twisted's IMAP4Server) accepting XOAUTH and XOAUTH2 logins.

Three listeners run on 127.0.0.1 with ephemeral ports, all served by one
Twisted reactor in a background thread:

* implicit TLS (like imap.gmail.com:993), offering XOAUTH and XOAUTH2;
* plain text with STARTTLS, refusing AUTHENTICATE until TLS is on;
* implicit TLS offering XOAUTH2 only, to see a refused mechanism.

Twisted's own TLS needs pyOpenSSL, which the project does not depend on,
so TLS is done here with the standard library's ``ssl.MemoryBIO``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import email
import io
import ssl
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tls_certs import server_context
from twisted.cred.checkers import ICredentialsChecker
from twisted.cred.error import UnauthorizedLogin
from twisted.cred.portal import IRealm, Portal
from twisted.internet import defer, protocol, reactor
from twisted.internet.interfaces import ITLSTransport
from twisted.internet.threads import blockingCallFromThread
from twisted.logger import Logger, eventAsText, globalLogPublisher
from twisted.mail import imap4
from twisted.mail.interfaces import IChallengeResponse
from twisted.protocols.policies import ProtocolWrapper, WrappingFactory
from twisted.python.failure import Failure
from xoauth_verifier import (
    XOAUTH2_ERROR_JSON,
    Account,
    Refused,
    XOAuth2Verifier,
    XOAuthVerifier,
)
from zope.interface import Interface, implementer

HOST = "127.0.0.1"

_log = Logger()

#: The INBOX every account gets; CRLF line ends, as IMAP sends them.
INBOX_MESSAGES: tuple[bytes, ...] = (
    b"From: bob@example.com\r\nTo: alice@example.com\r\nSubject: first\r\n"
    b"Date: Mon, 01 Jan 2024 12:00:00 +0000\r\n\r\nHello Alice, this is the first message.\r\n",
    b"From: carol@example.com\r\nTo: alice@example.com\r\nSubject: second\r\n"
    b"Date: Tue, 02 Jan 2024 12:00:00 +0000\r\n\r\nSecond message body.\r\n",
    b"From: dave@example.com\r\nTo: alice@example.com\r\nSubject: third\r\n"
    b"Date: Wed, 03 Jan 2024 12:00:00 +0000\r\n\r\nThird one.\r\n",
)


# --- TLS on the standard library ------------------------------------------


@implementer(ITLSTransport)
class StdlibTLSProtocol(ProtocolWrapper):
    """Transport wrapper doing TLS with ``ssl.SSLObject``, from the start or on ``startTLS``."""

    factory: StdlibTLSFactory

    def __init__(self, factory: StdlibTLSFactory, wrappedProtocol: Any) -> None:
        super().__init__(factory, wrappedProtocol)
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._tls: ssl.SSLObject | None = None
        self._handshake_done = False
        self._unsent: list[bytes] = []

    def makeConnection(self, transport: Any) -> None:
        """Switch TLS on before the wrapped protocol can write its greeting."""
        if self.factory.implicit_context is not None:
            self.startTLS(self.factory.implicit_context)
        super().makeConnection(transport)

    def startTLS(self, ctx: ssl.SSLContext, normal: bool = True) -> None:
        """Start a server-side TLS session; later bytes in both directions are encrypted."""
        self._tls = ctx.wrap_bio(self._incoming, self._outgoing, server_side=True)

    def dataReceived(self, data: bytes) -> None:
        """Decrypt ``data`` (once TLS is on) and hand the plain text to the wrapped protocol."""
        if self._tls is None:
            self.wrappedProtocol.dataReceived(data)
            return
        self._incoming.write(data)
        if not self._handshake_done:
            try:
                self._tls.do_handshake()
            except ssl.SSLWantReadError:
                self._flush()
                return
            except ssl.SSLError:
                self._flush()
                self.transport.abortConnection()
                return
            self._handshake_done = True
            # The greeting of an implicit-TLS server waited for the handshake.
            for chunk in self._unsent:
                self._tls.write(chunk)
            self._unsent.clear()
        plain = []
        while True:
            try:
                chunk = self._tls.read(65536)
            except ssl.SSLWantReadError:
                break
            except (ssl.SSLZeroReturnError, ssl.SSLError):
                self._flush()
                self.transport.loseConnection()
                return
            if not chunk:
                break
            plain.append(chunk)
        self._flush()
        if plain:
            self.wrappedProtocol.dataReceived(b"".join(plain))

    def write(self, data: bytes) -> None:
        """Encrypt ``data`` if TLS is on, holding it back until the handshake is done."""
        if self._tls is None:
            self.transport.write(data)
        elif not self._handshake_done:
            self._unsent.append(data)
        else:
            self._tls.write(data)
            self._flush()

    def writeSequence(self, data: Sequence[bytes]) -> None:
        """Write the concatenation of ``data``."""
        self.write(b"".join(data))

    def loseConnection(self) -> None:
        """Send TLS close_notify (best effort), then close the TCP connection."""
        if self._tls is not None and self._handshake_done:
            # unwrap() complains that the peer's close_notify has not arrived
            # yet, but ours is in the outgoing BIO all the same.
            with contextlib.suppress(ssl.SSLError):
                self._tls.unwrap()
            self._flush()
        super().loseConnection()

    def _flush(self) -> None:
        pending = self._outgoing.read()
        if pending:
            self.transport.write(pending)


class StdlibTLSFactory(WrappingFactory):
    """Wraps every protocol of ``wrappedFactory`` in a StdlibTLSProtocol."""

    protocol = StdlibTLSProtocol

    def __init__(self, wrappedFactory: protocol.Factory, implicit_context: ssl.SSLContext | None) -> None:
        super().__init__(wrappedFactory)
        self.implicit_context = implicit_context


# --- An in-memory mailbox ---------------------------------------------------


@implementer(imap4.IMessage, imap4.IMessageFile)
class InMemoryMessage:
    """One RFC 822 message kept as bytes."""

    def __init__(self, raw: bytes, uid: int) -> None:
        self.raw = raw
        self.uid = uid
        self.flags: list[str] = []
        self._parsed = email.message_from_bytes(raw)

    def open(self) -> io.BytesIO:
        """Return the whole message as a file (used for RFC822 and BODY[])."""
        return io.BytesIO(self.raw)

    def getHeaders(self, negate: bool, *names: str | bytes) -> dict[str, str]:
        """Return the headers named in ``names`` (or all others if ``negate``)."""
        wanted = {n.decode() if isinstance(n, bytes) else n for n in names}
        wanted = {n.lower() for n in wanted}
        return {key.lower(): str(value) for key, value in self._parsed.items() if (key.lower() in wanted) != negate}

    def getBodyFile(self) -> io.BytesIO:
        """Return the body, everything after the blank line."""
        return io.BytesIO(self.raw.partition(b"\r\n\r\n")[2])

    def getSize(self) -> int:
        """Return the size in octets."""
        return len(self.raw)

    def isMultipart(self) -> bool:
        """These test messages are all single-part."""
        return False

    def getSubPart(self, part: int) -> InMemoryMessage:
        """Refuse: a single-part message has no sub-parts."""
        raise TypeError("not a multipart message")

    def getUID(self) -> int:
        """Return the message's UID."""
        return self.uid

    def getFlags(self) -> list[str]:
        """Return the message's flags."""
        return self.flags

    def getInternalDate(self) -> str:
        """Return the Date header as the arrival date."""
        return str(self._parsed["Date"])


@implementer(imap4.IMailbox)
class InMemoryMailbox:
    """A mailbox holding a fixed list of messages; UIDs equal sequence numbers."""

    def __init__(self, raw_messages: Sequence[bytes]) -> None:
        self.messages = [InMemoryMessage(raw, uid) for uid, raw in enumerate(raw_messages, 1)]
        self.listeners: list[Any] = []

    def getFlags(self) -> list[str]:
        """Return the flags messages may carry."""
        return ["\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"]

    def getHierarchicalDelimiter(self) -> str:
        """Return the hierarchy delimiter."""
        return "/"

    def getUIDValidity(self) -> int:
        """Return a fixed UIDVALIDITY: the mailbox never changes."""
        return 1

    def getUIDNext(self) -> int:
        """Return the UID the next message would get."""
        return len(self.messages) + 1

    def getUID(self, message: int) -> int:
        """Return the UID of the message with sequence number ``message``."""
        return self.messages[message - 1].uid

    def getMessageCount(self) -> int:
        """Return the number of messages."""
        return len(self.messages)

    def getRecentCount(self) -> int:
        """No message is recent."""
        return 0

    def getUnseenCount(self) -> int:
        """Return how many messages lack \\Seen."""
        return sum("\\Seen" not in m.flags for m in self.messages)

    def isWriteable(self) -> bool:
        """Flags may be stored, so imaplib's plain select() is allowed."""
        return True

    def destroy(self) -> None:
        """Refuse deleting the INBOX."""
        raise imap4.MailboxException("INBOX cannot be deleted")

    def requestStatus(self, names: Sequence[str]) -> dict[str, int]:
        """Answer STATUS."""
        return imap4.statusRequestHelper(self, names)  # type: ignore[no-any-return]

    def addListener(self, listener: Any) -> None:
        """Remember a listener (the selecting protocol)."""
        self.listeners.append(listener)

    def removeListener(self, listener: Any) -> None:
        """Forget a listener."""
        self.listeners.remove(listener)

    def addMessage(self, message: Any, flags: Sequence[str] = (), date: Any = None) -> None:
        """Refuse APPEND: the tests' mailbox content is fixed."""
        raise imap4.MailboxException("APPEND is not supported here")

    def expunge(self) -> list[int]:
        """Nothing is ever removed."""
        return []

    def fetch(self, messages: imap4.MessageSet, uid: bool) -> Iterator[tuple[int, InMemoryMessage]]:
        """Yield ``(sequence number, message)`` for the requested set."""
        # "*" in a set means the highest number, which only the mailbox knows.
        messages.last = len(self.messages)
        for number in messages:
            if 1 <= number <= len(self.messages):
                yield number, self.messages[number - 1]

    def store(self, messages: imap4.MessageSet, flags: Sequence[str], mode: int, uid: bool) -> dict[int, list[str]]:
        """Set (0), add (1) or remove (-1) flags."""
        result = {}
        for number, message in self.fetch(messages, uid):
            if mode == 0:
                message.flags = list(flags)
            elif mode == 1:
                message.flags += [f for f in flags if f not in message.flags]
            else:
                message.flags = [f for f in message.flags if f not in flags]
            result[number] = message.flags
        return result


# --- SASL credentials, checker and realm ------------------------------------


class IXOAuthCredentials(Interface):
    """An XOAUTH initial response (``GET <url> k="v",...``)."""


class IXOAuth2Credentials(Interface):
    """An XOAUTH2 initial response (``user=..^Aauth=Bearer ..^A^A``)."""


class _InitialResponse:
    """A SASL exchange of one empty challenge and one response."""

    def __init__(self) -> None:
        self.response = b""

    def getChallenge(self) -> bytes:
        """Return the empty initial challenge."""
        return b""

    def setResponse(self, response: bytes) -> None:
        """Keep the decoded response for the checker."""
        self.response = response

    def moreChallenges(self) -> bool:
        """One response is all these mechanisms take."""
        return False

    def errorChallenge(self) -> bytes | None:
        """Return the challenge to send before refusing, if the mechanism has one."""
        return None


@implementer(IChallengeResponse, IXOAuthCredentials)
class XOAuthCredentials(_InitialResponse):
    """XOAUTH (OAuth 1.0a) credentials."""


@implementer(IChallengeResponse, IXOAuth2Credentials)
class XOAuth2Credentials(_InitialResponse):
    """XOAUTH2 (bearer token) credentials."""

    def errorChallenge(self) -> bytes | None:
        """Gmail sends its error as JSON in a challenge, before NO."""
        return XOAUTH2_ERROR_JSON


@implementer(ICredentialsChecker)
class OAuthChecker:
    """Checks XOAUTH/XOAUTH2 credentials with the independent verifiers."""

    credentialInterfaces = (IXOAuthCredentials, IXOAuth2Credentials)

    def __init__(self, xoauth: XOAuthVerifier, xoauth2: XOAuth2Verifier) -> None:
        self.xoauth = xoauth
        self.xoauth2 = xoauth2

    def requestAvatarId(self, credentials: _InitialResponse) -> defer.Deferred[str]:
        """Return the user's address, or fail with UnauthorizedLogin(reason)."""
        try:
            if IXOAuth2Credentials.providedBy(credentials):
                user = self.xoauth2.verify(credentials.response)
            else:
                user = self.xoauth.verify(credentials.response.decode("utf-8"))
        except (Refused, UnicodeDecodeError) as exc:
            return defer.fail(UnauthorizedLogin(str(exc)))
        return defer.succeed(user)


@implementer(IRealm)
class MailRealm:
    """Gives every logged-in user an account whose INBOX holds INBOX_MESSAGES."""

    def requestAvatar(
        self, avatarId: str, mind: object, *interfaces: Any
    ) -> tuple[Any, imap4.MemoryAccount, Callable[[], None]]:
        """Return a fresh in-memory account for ``avatarId``."""
        if imap4.IAccount not in interfaces:
            raise NotImplementedError("only IMAP accounts are served")
        account = imap4.MemoryAccount(avatarId)
        account.addMailbox("INBOX", InMemoryMailbox(INBOX_MESSAGES))
        return imap4.IAccount, account, lambda: None


# --- The protocol -------------------------------------------------------------


class OAuthIMAPServer(imap4.IMAP4Server):
    """IMAP4Server with Gmail-like AUTHENTICATE: reasons in NO, XOAUTH2 error challenge."""

    #: Refuse AUTHENTICATE before STARTTLS (for the plain-text listener).
    requireTLS = False

    def authenticate(self, chal: _InitialResponse, tag: bytes) -> None:
        """Run the SASL exchange for ``chal`` (Twisted's fixed messages replaced)."""
        if self.requireTLS and not self.startedTLS:
            self.sendNegativeResponse(tag, b"[PRIVACYREQUIRED] Issue STARTTLS first")
            return
        self._awaitResponse(chal.getChallenge(), lambda line: self._onResponse(line, chal, tag))

    def _awaitResponse(self, challenge: bytes, then: Callable[[bytes], None]) -> None:
        self.parseState = "pending"
        self._pendingLiteral = defer.Deferred()
        self._pendingLiteral.addCallback(then)
        self._pendingLiteral.addErrback(self._logError)
        # RFC 3501 wants "+" SP even before an empty challenge.
        self.sendLine(b"+ " + base64.b64encode(challenge))

    def _onResponse(self, line: bytes, chal: _InitialResponse, tag: bytes) -> None:
        if line.strip() == b"*":
            self.sendBadResponse(tag, b"AUTHENTICATE cancelled")
            return
        try:
            chal.setResponse(base64.b64decode(line, validate=True))
        except binascii.Error:
            self.sendBadResponse(tag, b"Malformed response - not base64")
            return
        self.portal.login(chal, None, imap4.IAccount).addCallbacks(
            self._onLogin, self._onRefused, callbackArgs=(tag,), errbackArgs=(chal, tag)
        ).addErrback(self._logError)

    def _onLogin(self, result: tuple[Any, Any, Callable[[], None]], tag: bytes) -> None:
        _, self.account, self._onLogout = result
        self.state = "auth"
        self.sendPositiveResponse(tag, b"Authentication successful")
        self.setTimeout(self.POSTAUTH_TIMEOUT)

    def _onRefused(self, failure: Failure, chal: _InitialResponse, tag: bytes) -> None:
        if not failure.check(UnauthorizedLogin):
            self.sendBadResponse(tag, b"Server error: login failed unexpectedly")
            failure.raiseException()
        message = b"[AUTHENTICATIONFAILED] Invalid credentials (%s)" % str(failure.value).encode()
        error_challenge = chal.errorChallenge()
        if error_challenge is None:
            self.sendNegativeResponse(tag, message)
        else:
            self._awaitResponse(error_challenge, lambda line: self._finishRefusal(line, tag, message))

    def _finishRefusal(self, line: bytes, tag: bytes, message: bytes) -> None:
        # RFC 7628 3.2.3: the client must answer the error challenge with an
        # empty response; anything else is a client bug the tests must see.
        self.factory.error_challenge_answers.append(line)
        if line != b"":
            self.sendBadResponse(tag, b"Expected an empty response to the error challenge")
        else:
            self.sendNegativeResponse(tag, message)

    def _logError(self, failure: Failure) -> None:
        _log.failure("AUTHENTICATE went wrong", failure)


class OAuthIMAPFactory(protocol.ServerFactory):
    """Builds OAuthIMAPServer protocols sharing one portal."""

    def __init__(
        self,
        portal: Portal,
        mechanisms: Sequence[bytes],
        starttls_context: ssl.SSLContext | None = None,
        error_challenge_answers: list[bytes] | None = None,
    ) -> None:
        known: dict[bytes, type[_InitialResponse]] = {
            b"XOAUTH": XOAuthCredentials,
            b"XOAUTH2": XOAuth2Credentials,
        }
        self.portal = portal
        self.challengers = {name: known[name] for name in mechanisms}
        self.starttls_context = starttls_context
        #: What clients answered to the XOAUTH2 error challenge.
        self.error_challenge_answers = [] if error_challenge_answers is None else error_challenge_answers

    def buildProtocol(self, addr: Any) -> OAuthIMAPServer:
        """Return a server for one connection."""
        server = OAuthIMAPServer(dict(self.challengers), contextFactory=self.starttls_context)
        server.portal = self.portal
        server.factory = self
        server.requireTLS = self.starttls_context is not None
        return server


# --- Running it ---------------------------------------------------------------


@dataclass
class IMAPServers:
    """Where the test IMAP servers listen, and what they know."""

    account: Account
    implicit_tls_port: int
    starttls_port: int
    xoauth2_only_port: int
    host: str = HOST
    #: Errors the servers logged (unexpected exceptions), as text.
    errors: list[str] = field(default_factory=list)
    #: What clients answered to the XOAUTH2 error challenge, on any listener.
    error_challenge_answers: list[bytes] = field(default_factory=list)


_reactor_thread: threading.Thread | None = None


@contextmanager
def running_imap_servers(cert_path: Path, key_path: Path, account: Account | None = None) -> Iterator[IMAPServers]:
    """Run the three IMAP listeners for the duration of the ``with`` block.

    A Twisted reactor cannot be restarted, so this can be entered once per
    process (use it from a session-scoped fixture).
    """
    global _reactor_thread
    if _reactor_thread is not None:
        raise RuntimeError("the Twisted reactor already ran in this process")
    account = account or Account()
    tls = server_context(cert_path, key_path)
    url = account.xoauth_url("imap")
    errors: list[str] = []
    error_challenge_answers: list[bytes] = []

    def observe(event: dict[str, Any]) -> None:
        if event.get("isError") or "log_failure" in event:
            errors.append(eventAsText(event))

    def make_factory(mechanisms: Sequence[bytes], starttls: ssl.SSLContext | None) -> OAuthIMAPFactory:
        # Each listener has its own nonce memory, like independent servers.
        checker = OAuthChecker(XOAuthVerifier(account, url), XOAuth2Verifier(account))
        portal = Portal(MailRealm(), [checker])
        return OAuthIMAPFactory(portal, mechanisms, starttls, error_challenge_answers)

    both = (b"XOAUTH", b"XOAUTH2")
    factories = [
        make_factory(both, None),
        make_factory(both, tls),
        make_factory((b"XOAUTH2",), None),
    ]
    wrappers = [
        StdlibTLSFactory(factories[0], tls),
        StdlibTLSFactory(factories[1], None),
        StdlibTLSFactory(factories[2], tls),
    ]

    def listen() -> list[Any]:
        return [reactor.listenTCP(0, w, interface=HOST) for w in wrappers]

    globalLogPublisher.addObserver(observe)
    _reactor_thread = threading.Thread(
        target=reactor.run, kwargs={"installSignalHandlers": False}, name="imap-reactor", daemon=True
    )
    _reactor_thread.start()
    try:
        ports = blockingCallFromThread(reactor, listen)
        try:
            yield IMAPServers(
                account=account,
                implicit_tls_port=ports[0].getHost().port,
                starttls_port=ports[1].getHost().port,
                xoauth2_only_port=ports[2].getHost().port,
                errors=errors,
                error_challenge_answers=error_challenge_answers,
            )
        finally:
            blockingCallFromThread(
                reactor,
                lambda: defer.gatherResults([defer.maybeDeferred(p.stopListening) for p in ports]),
            )
    finally:
        reactor.callFromThread(reactor.stop)
        _reactor_thread.join(timeout=60)
        globalLogPublisher.removeObserver(observe)
        if _reactor_thread.is_alive():
            raise RuntimeError("the Twisted reactor did not stop")
