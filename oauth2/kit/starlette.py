"""Starlette and FastAPI glue for the provider kit, on its ``*_async`` endpoints.

Needs Starlette (this library's ``starlette`` extra; FastAPI brings it).
:class:`OAuthMiddleware` verifies every request under some paths and
:func:`oauth_required` is a FastAPI dependency; both put the verified
request's :class:`~oauth2.kit.Access` on ``request.state.oauth``. A refusal
is answered with its status, ``oauth_problem`` body and ``WWW-Authenticate``
[RFC 5849 §3.2].
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Iterable, MutableMapping, Optional

try:
    from starlette.exceptions import HTTPException
    from starlette.requests import Request as StarletteRequest
    from starlette.responses import Response as StarletteResponse
except ImportError as exc:  # pragma: no cover - exercised in a subprocess without Starlette
    raise ImportError(
        "oauth2.kit.starlette needs Starlette, this library's 'starlette' extra: pip install 'oauth2[starlette]'."
    ) from exc

import oauth2
from oauth2.kit.endpoints import Access, Endpoints, Response

__all__ = [
    "OAuthMiddleware",
    "OAuthRefused",
    "oauth_required",
    "refusal_response",
    "request_token_view",
    "access_token_view",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def starlette_response(response: Response) -> StarletteResponse:
    """The kit's :class:`~oauth2.kit.Response` as Starlette's."""
    return StarletteResponse(response.body, response.status, headers=dict(response.headers))


class OAuthMiddleware:
    """ASGI middleware: a request under ``paths`` reaches the app only verified by ``endpoints.protect_async`` [§3].

    ``OAuthMiddleware(app, endpoints, *, base_url, paths=("/",), two_legged=False)``:
    ``base_url`` is the public origin clients sign for (``https://api.example``):
    the Host header is not trusted. ``paths`` are path prefixes, each matched
    at a ``/`` boundary (``/api`` covers ``/api`` and ``/api/x``, not ``/apix``);
    leave the token endpoints outside them. With ``two_legged``, a request
    signed by a consumer alone is accepted too. The body is read once and
    handed on to the app unchanged.
    """

    def __init__(
        self,
        app: ASGIApp,
        endpoints: Endpoints,
        *,
        base_url: str,
        paths: Iterable[str] = ("/",),
        two_legged: bool = False,
    ) -> None:
        if isinstance(paths, str):
            raise TypeError("paths is a list of path prefixes, such as ['/api'], not one string")
        self.app = app
        self.endpoints = endpoints
        self.base_url = base_url
        self.prefixes = tuple(path.rstrip("/") + "/" for path in paths)
        self.two_legged = two_legged

    def covers(self, path: str) -> bool:
        """Whether requests for ``path`` must be verified."""
        return (path + "/").startswith(self.prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.covers(scope.get("path") or "/"):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        if body is None:  # the client left before sending its body
            return
        try:
            request = oauth2.Request.from_asgi(scope, body, base_url=self.base_url)
            access = await self.endpoints.protect_async(request, two_legged=self.two_legged)
        except oauth2.Error as error:
            await starlette_response(Response.from_error(error, self.endpoints.realm))(scope, receive, send)
            return
        scope.setdefault("state", {})["oauth"] = access
        await self.app(scope, replaying(body, receive), send)


async def read_body(receive: Receive) -> Optional[bytes]:
    """The request's whole body from ASGI ``receive``; None if the client disconnected first."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def replaying(body: bytes, receive: Receive) -> Receive:
    """``receive`` for the app: ``body`` in one message, then what the server sends next (a disconnect)."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay


class OAuthRefused(HTTPException):
    """A refused request, raised by the :func:`oauth_required` dependency.

    ``response`` is the kit's answer (:meth:`~oauth2.kit.Response.from_error`).
    Register :func:`refusal_response` as the app's handler for it
    (``FastAPI(exception_handlers={OAuthRefused: refusal_response})``) to send
    it; without, FastAPI answers with the same status and ``WWW-Authenticate``
    and a JSON ``detail``.
    """

    def __init__(self, error: oauth2.Error, realm: str = "") -> None:
        self.response = Response.from_error(error, realm)
        headers = {name: value for name, value in self.response.headers if name == "WWW-Authenticate"}
        super().__init__(error.status, detail=str(error), headers=headers or None)


async def refusal_response(request: StarletteRequest, exc: Exception) -> StarletteResponse:
    """The exception handler sending an :class:`OAuthRefused` as the kit's ``oauth_problem`` form."""
    if not isinstance(exc, OAuthRefused):
        raise TypeError(f"refusal_response handles OAuthRefused, not {type(exc).__name__}")
    return starlette_response(exc.response)


def oauth_required(
    endpoints: Endpoints, *, base_url: str, two_legged: bool = False
) -> Callable[[StarletteRequest], Awaitable[Access]]:
    """A FastAPI dependency: the :class:`~oauth2.kit.Access` of a request verified by ``endpoints.protect_async``.

    ``access: Access = Depends(oauth_required(kit, base_url=...))``; it is on
    ``request.state.oauth`` too. A refusal raises :class:`OAuthRefused`.
    ``base_url`` and ``two_legged`` are :class:`OAuthMiddleware`'s.
    """

    async def oauth_access(request: StarletteRequest) -> Access:
        try:
            oauth_request = oauth2.Request.from_asgi(request.scope, await request.body(), base_url=base_url)
            access = await endpoints.protect_async(oauth_request, two_legged=two_legged)
        except oauth2.Error as error:
            raise OAuthRefused(error, endpoints.realm) from None
        request.state.oauth = access
        return access

    return oauth_access


def request_token_view(
    endpoints: Endpoints, *, base_url: str
) -> Callable[[StarletteRequest], Awaitable[StarletteResponse]]:
    """An endpoint answering temporary credentials requests [§2.1], for ``Route(path, ..., methods=["POST"])``."""
    return token_view(endpoints.request_token_async, endpoints.realm, base_url)


def access_token_view(
    endpoints: Endpoints, *, base_url: str
) -> Callable[[StarletteRequest], Awaitable[StarletteResponse]]:
    """An endpoint answering token credentials requests [§2.3], for ``Route(path, ..., methods=["POST"])``."""
    return token_view(endpoints.access_token_async, endpoints.realm, base_url)


def token_view(
    answer: Callable[[oauth2.Request], Awaitable[Response]], realm: str, base_url: str
) -> Callable[[StarletteRequest], Awaitable[StarletteResponse]]:
    """An endpoint answering with ``answer``, an ``*_async`` endpoint of the kit."""

    async def view(request: StarletteRequest) -> StarletteResponse:
        try:
            oauth_request = oauth2.Request.from_asgi(request.scope, await request.body(), base_url=base_url)
        except oauth2.Error as error:
            return starlette_response(Response.from_error(error, realm))
        return starlette_response(await answer(oauth_request))

    return view
