"""A WSGI and a Starlette provider built on the kit, for tests/test_kit*.py, and the helpers they share."""

from __future__ import annotations

import time
from typing import Any, Callable, Iterable
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse
from starlette.responses import Response as StarletteResponse
from starlette.routing import Route

import oauth2 as oauth
from oauth2.kit import Endpoints, Response

USER = "alice"
CALLBACK = "https://consumer.example/oauth/callback"


def wsgi_app(kit: Endpoints) -> Callable[..., Iterable[bytes]]:
    """The provider as a WSGI app: the kit's endpoints, a consent form whose user is always alice."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ["PATH_INFO"]
        if path == "/authorize":
            form = dict(parse_qsl(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)).decode()))
            try:
                if form.get("decision") == "deny":
                    decision = kit.deny(form["oauth_token"])
                else:
                    decision = kit.authorize(form["oauth_token"], USER)
            except oauth.Error as error:
                return answer(start_response, Response.from_error(error))
            if decision.redirect_url is None:
                start_response("200 OK", [("Content-Type", "text/plain")])
                return [f"Your PIN: {decision.verifier}".encode()]
            start_response("303 See Other", [("Location", decision.redirect_url)])
            return [b""]
        request = oauth.Request.from_wsgi(environ)
        if path == "/request_token":
            return answer(start_response, kit.request_token(request))
        if path == "/access_token":
            return answer(start_response, kit.access_token(request))
        try:
            access = kit.protect(request, two_legged=path == "/two-legged")
        except oauth.Error as error:
            return answer(start_response, Response.from_error(error))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"user={access.user} consumer={access.consumer.key}".encode()]

    return app


def answer(start_response: Callable[..., Any], response: Response) -> list[bytes]:
    start_response(response.status_line, list(response.headers))
    return [response.body]


def asgi_app(kit: Endpoints) -> Starlette:
    """The same provider as a Starlette app, on the kit's ``*_async`` endpoints."""

    def reply(response: Response) -> StarletteResponse:
        return StarletteResponse(response.body, response.status, headers=dict(response.headers))

    async def request_token(request: StarletteRequest) -> StarletteResponse:
        return reply(await kit.request_token_async(oauth.Request.from_asgi(request.scope, await request.body())))

    async def access_token(request: StarletteRequest) -> StarletteResponse:
        return reply(await kit.access_token_async(oauth.Request.from_asgi(request.scope, await request.body())))

    async def authorize(request: StarletteRequest) -> StarletteResponse:
        form = dict(parse_qsl((await request.body()).decode()))
        try:
            if form.get("decision") == "deny":
                decision = await kit.deny_async(str(form["oauth_token"]))
            else:
                decision = await kit.authorize_async(str(form["oauth_token"]), USER)
        except oauth.Error as error:
            return reply(Response.from_error(error))
        if decision.redirect_url is None:
            return PlainTextResponse(f"Your PIN: {decision.verifier}" if decision.verifier else "Access denied.")
        return RedirectResponse(decision.redirect_url, status_code=303)

    async def resource(request: StarletteRequest) -> StarletteResponse:
        oauth_request = oauth.Request.from_asgi(request.scope, await request.body())
        try:
            access = await kit.protect_async(oauth_request, two_legged=request.url.path == "/two-legged")
        except oauth.Error as error:
            return reply(Response.from_error(error))
        return JSONResponse({"user": access.user, "consumer": access.consumer.key})

    return Starlette(routes=[
        Route("/request_token", request_token, methods=["POST"]),
        Route("/access_token", access_token, methods=["POST"]),
        Route("/authorize", authorize, methods=["POST"]),
        Route("/resource", resource, methods=["GET", "POST"]),
        Route("/two-legged", resource, methods=["GET", "POST"]),
    ])


def signed(
    method: str,
    url: str,
    consumer: oauth.Consumer,
    token: oauth.Token | None = None,
    signature_method: oauth.SignatureMethod | None = None,
    **parameters: str,
) -> oauth.Request:
    """A request signed as a client signs it, rebuilt as a provider receives it (parameters in the header)."""
    sent = oauth.Request.from_consumer_and_token(consumer, token, http_method=method, http_url=url,
                                                 parameters=parameters)
    sent.sign_request(signature_method or oauth.SignatureMethod_HMAC_SHA1(), consumer, token)
    return oauth.Request.from_request(method, url, headers=sent.to_header())


class Clock:
    """Real time, moved forward by the tests that expire credentials."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


def redeem_in_process(path: str, consumer: tuple[str, str], token: tuple[str, str], verifier: str,
                      barrier: Any, results: Any) -> None:
    """One worker process of a provider sharing the SQLite store at ``path``: exchange the verifier once."""
    from oauth2.kit import SQLiteStore

    kit = Endpoints(SQLiteStore(path))
    request = signed("POST", "http://127.0.0.1:9/access_token", oauth.Consumer(*consumer), oauth.Token(*token),
                     oauth_verifier=verifier)
    barrier.wait()
    response = kit.access_token(request)
    results.put((response.status, response.body.decode()))
