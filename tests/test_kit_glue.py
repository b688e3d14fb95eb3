"""The provider kit's framework glue (oauth2.kit.starlette, .flask, .django) on real servers on 127.0.0.1:
uvicorn for Starlette, FastAPI and Django's ASGI handler, wsgiref for Flask and Django's WSGI handler, with this
library's Client signing. Each app pins its public origin to the address it is served on."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any
from urllib.parse import parse_qs

import flask
import glue_django
import loopback
import pytest
from django.http import JsonResponse
from django.urls import path
from fastapi import Depends, FastAPI
from fastapi import Request as FastAPIRequest
from kit_apps import CALLBACK, USER
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import JSONResponse
from starlette.routing import Route

import oauth2 as oauth
from oauth2.kit import Access, ConsumerRecord, Endpoints, MemoryStore
from oauth2.kit import django as kit_django
from oauth2.kit import flask as kit_flask
from oauth2.kit import starlette as kit_starlette

CONSUMER = oauth.Consumer("consumer-key", "consumer-secret")
REALM = "glue-tests"
PUBLIC = "https://api.example"
FORM = {"Content-Type": oauth.FORM_CONTENT_TYPE}

def described(access: Access, form_tags: list[str]) -> dict[str, Any]:
    """What a protected view answers: what the glue put on the request, and the body as the view reads it."""
    return {
        "user": access.user,
        "consumer": access.consumer.key,
        "token": access.token.key if access.token else None,
        "form_tags": form_tags,
        "signed_tags": access.parameters.get("tag"),
    }


# ------------------------------------------------------------------ one app per framework, the same routes
# POST /oauth/request_token and /oauth/access_token; /api/me three-legged only; /api/any two-legged too.


def flask_app(kit: Endpoints, base_url: str) -> Any:
    app = flask.Flask("kit_glue")
    app.add_url_rule("/oauth/request_token", view_func=kit_flask.request_token_view(kit, base_url=base_url),
                     methods=["POST"])
    app.add_url_rule("/oauth/access_token", view_func=kit_flask.access_token_view(kit, base_url=base_url),
                     methods=["POST"])

    @app.route("/api/me", methods=["GET", "POST"])
    @kit_flask.oauth_required(kit, base_url=base_url)
    def me() -> Any:
        return described(flask.g.oauth, flask.request.form.getlist("tag"))

    @app.route("/api/any", methods=["GET", "POST"])
    @kit_flask.oauth_required(kit, base_url=base_url, two_legged=True)
    async def anyone() -> Any:  # an async view, which Flask runs in its own event loop
        return described(flask.g.oauth, flask.request.form.getlist("tag"))

    return app


def django_routes(kit: Endpoints, base_url: str, asynchronous: bool) -> None:
    def me(request: Any) -> JsonResponse:
        return JsonResponse(described(request.oauth, request.POST.getlist("tag")))

    async def me_async(request: Any) -> JsonResponse:
        return JsonResponse(described(request.oauth, request.POST.getlist("tag")))

    view = me_async if asynchronous else me
    glue_django.route([
        path("oauth/request_token", kit_django.request_token_view(kit, base_url=base_url)),
        path("oauth/access_token", kit_django.access_token_view(kit, base_url=base_url)),
        path("api/me", kit_django.oauth_required(kit, base_url=base_url)(view)),
        path("api/any", kit_django.oauth_required(kit, base_url=base_url, two_legged=True)(view)),
    ])


def django_wsgi_app(kit: Endpoints, base_url: str) -> Any:
    from django.core.handlers.wsgi import WSGIHandler

    django_routes(kit, base_url, asynchronous=False)
    return WSGIHandler()


def django_asgi_app(kit: Endpoints, base_url: str) -> Any:
    from django.core.handlers.asgi import ASGIHandler

    django_routes(kit, base_url, asynchronous=True)
    return ASGIHandler()


def starlette_app(kit: Endpoints, base_url: str) -> Any:
    async def me(request: Any) -> JSONResponse:
        form_tags = parse_qs((await request.body()).decode()).get("tag", [])
        return JSONResponse(described(request.state.oauth, form_tags))

    return Starlette(
        routes=[
            Route("/oauth/request_token", kit_starlette.request_token_view(kit, base_url=base_url), methods=["POST"]),
            Route("/oauth/access_token", kit_starlette.access_token_view(kit, base_url=base_url), methods=["POST"]),
            Route("/api/me", me, methods=["GET", "POST"]),
            Route("/api/any", me, methods=["GET", "POST"]),
        ],
        middleware=[
            Middleware(kit_starlette.OAuthMiddleware, kit, base_url=base_url, paths=["/api/me"]),
            Middleware(kit_starlette.OAuthMiddleware, kit, base_url=base_url, paths=["/api/any"], two_legged=True),
        ],
    )


def fastapi_app(kit: Endpoints, base_url: str) -> Any:
    app = FastAPI(exception_handlers={kit_starlette.OAuthRefused: kit_starlette.refusal_response})
    app.add_route("/oauth/request_token", kit_starlette.request_token_view(kit, base_url=base_url), methods=["POST"])
    app.add_route("/oauth/access_token", kit_starlette.access_token_view(kit, base_url=base_url), methods=["POST"])
    three_legged = kit_starlette.oauth_required(kit, base_url=base_url)
    two_legged = kit_starlette.oauth_required(kit, base_url=base_url, two_legged=True)

    @app.api_route("/api/me", methods=["GET", "POST"])
    async def me(request: FastAPIRequest, access: Access = Depends(three_legged)) -> Any:  # noqa: B008
        assert request.state.oauth is access
        return described(access, parse_qs((await request.body()).decode()).get("tag", []))

    @app.api_route("/api/any", methods=["GET", "POST"])
    async def anyone(request: FastAPIRequest, access: Access = Depends(two_legged)) -> Any:  # noqa: B008
        return described(access, parse_qs((await request.body()).decode()).get("tag", []))

    return app


FRAMEWORKS: dict[str, tuple[Callable[[Endpoints, str], Any], Callable[[Any], AbstractContextManager[str]]]] = {
    "flask": (flask_app, loopback.serving),
    "django": (django_wsgi_app, loopback.serving),
    "django-async": (django_asgi_app, loopback.serving_asgi),
    "starlette": (starlette_app, loopback.serving_asgi),
    "fastapi": (fastapi_app, loopback.serving_asgi),
}


@pytest.fixture
def kit() -> Endpoints:
    store = MemoryStore()
    store.add_consumer(ConsumerRecord(key=CONSUMER.key, secret=CONSUMER.secret, callbacks=(CALLBACK,)))
    return Endpoints(store, realm=REALM)


@pytest.fixture(params=list(FRAMEWORKS))
def base_url(request: pytest.FixtureRequest, kit: Endpoints) -> Iterator[str]:
    """The framework's app served on 127.0.0.1, its public origin pinned to the address it is served at."""
    make_app, serving = FRAMEWORKS[request.param]
    apps: list[Any] = []

    def wsgi(environ: Any, start_response: Any) -> Any:
        return apps[0](environ, start_response)

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        await apps[0](scope, receive, send)

    with serving(wsgi if serving is loopback.serving else asgi) as url:
        apps.append(make_app(kit, url))
        yield url


def authorized_client(base_url: str, kit: Endpoints) -> oauth.Client:
    """A client through the three-legged flow: the glue's token endpoints, the user's consent in between."""
    client = oauth.Client(CONSUMER)
    temporary = client.fetch_request_token(base_url + "/oauth/request_token", callback=CALLBACK)
    decision = kit.authorize(temporary.key, USER)
    client.fetch_access_token(base_url + "/oauth/access_token", decision.verifier)
    return client


def get_json(client: oauth.Client, url: str, **options: Any) -> dict[str, Any]:
    response, body = client.request(url, **options)
    assert response.status == 200, body
    return dict(flask.json.loads(body))


def refused(reply: loopback.Reply) -> tuple[int, str | None, str | None]:
    """The status, the body's oauth_problem and the WWW-Authenticate header's."""
    problem = parse_qs(reply.body.decode()).get("oauth_problem", [None])[0]
    return reply.status, problem, reply.oauth_problem


# ------------------------------------------------------------------ tests


def test_three_legged_flow_puts_consumer_token_and_user_on_the_request(base_url: str, kit: Endpoints) -> None:
    client = authorized_client(base_url, kit)
    assert client.token is not None
    assert get_json(client, base_url + "/api/me") == {
        "user": USER, "consumer": CONSUMER.key, "token": client.token.key, "form_tags": [], "signed_tags": None,
    }
    assert get_json(client, base_url + "/api/any")["user"] == USER


def test_repeated_form_fields_reach_the_signature_and_the_view(base_url: str, kit: Endpoints) -> None:
    client = authorized_client(base_url, kit)
    seen = get_json(client, base_url + "/api/me", method="POST", body="tag=a&tag=b&note=x", headers=FORM)
    assert seen["form_tags"] == ["a", "b"]
    assert seen["signed_tags"] == ["a", "b"]


def test_two_legged_request_is_accepted_only_where_allowed(base_url: str) -> None:
    consumer_only = oauth.Client(CONSUMER)
    assert get_json(consumer_only, base_url + "/api/any", method="POST", body="tag=x&tag=y", headers=FORM) == {
        "user": None, "consumer": CONSUMER.key, "token": None, "form_tags": ["x", "y"], "signed_tags": ["x", "y"],
    }
    signed = oauth.sign("GET", base_url + "/api/me", CONSUMER)
    assert refused(loopback.send("GET", signed.uri, signed.headers))[:2] == (400, "parameter_absent")


def test_refusals_carry_status_problem_and_www_authenticate(base_url: str, kit: Endpoints) -> None:
    wrong = oauth.sign("GET", base_url + "/api/any", oauth.Consumer(CONSUMER.key, "wrong-secret"))
    reply = loopback.send("GET", wrong.uri, wrong.headers)
    assert refused(reply) == (401, "signature_invalid", "signature_invalid")
    assert f'realm="{REALM}"' in reply.headers["WWW-Authenticate"]

    stranger = oauth.sign("GET", base_url + "/api/any", oauth.Consumer("stranger", "secret"))
    assert refused(loopback.send("GET", stranger.uri, stranger.headers)) == (
        401, "consumer_key_unknown", "consumer_key_unknown")

    assert refused(loopback.send("GET", base_url + "/api/me"))[:2] == (400, "parameter_absent")

    client = authorized_client(base_url, kit)
    assert client.token is not None
    kit.revoke(client.token.key)
    response, body = client.request(base_url + "/api/me")
    assert (response.status, parse_qs(body.decode())["oauth_problem"]) == (401, ["token_revoked"])
    assert 'oauth_problem="token_revoked"' in response["www-authenticate"]


def test_the_host_header_is_not_trusted(base_url: str) -> None:
    """Signed for the Host it claims, not for the pinned origin: refused."""
    signed = oauth.sign("GET", "http://api.evil.example/api/any", CONSUMER)
    reply = loopback.send("GET", base_url + "/api/any", {**signed.headers, "Host": "api.evil.example"})
    assert refused(reply) == (401, "signature_invalid", "signature_invalid")


def test_token_endpoints_refuse_with_the_kit_answer(base_url: str) -> None:
    stranger = oauth.sign("POST", base_url + "/oauth/request_token", oauth.Consumer("stranger", "secret"),
                          parameters={"oauth_callback": "oob"})
    reply = loopback.send("POST", stranger.uri, stranger.headers, stranger.body)
    assert refused(reply) == (401, "consumer_key_unknown", "consumer_key_unknown")
    reply = loopback.send("POST", base_url + "/oauth/access_token", FORM, "oauth_token=x&oauth_token=y")
    assert refused(reply)[:2] == (400, "parameter_rejected")


@pytest.mark.parametrize("module, extra", [("starlette", "starlette"), ("flask", "flask"), ("django", "django")])
def test_a_missing_framework_names_its_extra(monkeypatch: pytest.MonkeyPatch, module: str, extra: str) -> None:
    glue = f"oauth2.kit.{module}"
    monkeypatch.setitem(sys.modules, module, None)  # as if not installed
    for name in [name for name in sys.modules if name.startswith(f"{module}.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.delitem(sys.modules, glue)
    with pytest.raises(ImportError, match=rf"pip install 'oauth2\[{extra}\]'"):
        importlib.import_module(glue)


def test_the_middleware_covers_its_paths_at_a_slash(kit: Endpoints) -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("not called")

    middleware = kit_starlette.OAuthMiddleware(app, kit, base_url="https://api.example", paths=["/api", "/v2/"])
    assert [middleware.covers(p) for p in ("/api", "/api/", "/api/me", "/v2", "/v2/x")] == [True] * 5
    assert [middleware.covers(p) for p in ("/apix", "/", "/oauth/request_token", "/v20")] == [False] * 4
    assert kit_starlette.OAuthMiddleware(app, kit, base_url="https://api.example").covers("/anything")
    with pytest.raises(TypeError, match="not one string"):
        kit_starlette.OAuthMiddleware(app, kit, base_url="https://api.example", paths="/api")


def test_fastapi_without_the_handler_keeps_status_and_www_authenticate(kit: Endpoints) -> None:
    """OAuthRefused is an HTTPException: FastAPI's own handler sends its status, header and advice as JSON."""
    app = FastAPI()

    @app.get("/api/me")
    async def me(access: Access = Depends(kit_starlette.oauth_required(kit, base_url=PUBLIC, two_legged=True))) -> Any:  # noqa: B008
        return {"user": access.user}

    with loopback.serving_asgi(app) as base:
        wrong = oauth.sign("GET", PUBLIC + "/api/me", oauth.Consumer(CONSUMER.key, "wrong-secret"))
        reply = loopback.send("GET", base + "/api/me", wrong.headers)
    assert (reply.status, reply.oauth_problem) == (401, "signature_invalid"), reply.body
    assert list(reply.json()) == ["detail"]
    assert "signature" in reply.json()["detail"]
