"""Flask glue for the provider kit: the ``oauth_required`` decorator and the token endpoints' views.

Needs Flask (this library's ``flask`` extra). The verified request's
:class:`~oauth2.kit.Access` is ``flask.g.oauth``; a refusal is answered with
its status, ``oauth_problem`` body and ``WWW-Authenticate`` [RFC 5849 §3.2].
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Optional, TypeVar, cast

try:
    import flask
except ImportError as exc:  # pragma: no cover - exercised in a subprocess without Flask
    raise ImportError(
        "oauth2.kit.flask needs Flask, this library's 'flask' extra: pip install 'oauth2[flask]'."
    ) from exc

import oauth2
from oauth2.kit.endpoints import Endpoints, Response
from oauth2.kit.wsgi import request_from_wsgi

__all__ = ["oauth_required", "request_token_view", "access_token_view"]

View = TypeVar("View", bound=Callable[..., Any])


def received_request(base_url: str) -> oauth2.Request:
    """Flask's current request as the client signed it; its body stays readable (``request.form``, ``get_data()``)."""
    return request_from_wsgi(flask.request.environ, flask.request.get_data(cache=True), base_url=base_url)


def flask_response(response: Response) -> flask.Response:
    """The kit's :class:`~oauth2.kit.Response` as Flask's."""
    return flask.Response(response.body, response.status, list(response.headers))


def oauth_required(endpoints: Endpoints, *, base_url: str, two_legged: bool = False) -> Callable[[View], View]:
    """Decorate a view: it runs only for a request verified by ``endpoints.protect`` [§3].

    ``base_url`` is the public origin clients sign for (``https://api.example``):
    the Host header is not trusted. With ``two_legged``, a request signed by a
    consumer alone is accepted too (``g.oauth.token`` and ``.user`` are None).
    """

    def refusal() -> Optional[flask.Response]:
        """None once ``flask.g.oauth`` holds the verified access; else the answer to send."""
        try:
            flask.g.oauth = endpoints.protect(received_request(base_url), two_legged=two_legged)
        except oauth2.Error as error:
            return flask_response(Response.from_error(error, endpoints.realm))
        return None

    def decorate(view: View) -> View:
        if inspect.iscoroutinefunction(view):
            # Flask runs an async view in its own event loop (the flask[async] extra): the store is called blocking.
            @functools.wraps(view)
            async def verified_async(*args: Any, **kwargs: Any) -> Any:
                refused = refusal()
                return refused if refused is not None else await view(*args, **kwargs)

            return cast(View, verified_async)

        @functools.wraps(view)
        def verified(*args: Any, **kwargs: Any) -> Any:
            refused = refusal()
            return refused if refused is not None else view(*args, **kwargs)

        return cast(View, verified)

    return decorate


def request_token_view(endpoints: Endpoints, *, base_url: str) -> Callable[[], flask.Response]:
    """A view answering temporary credentials requests [§2.1], for ``app.add_url_rule(..., methods=["POST"])``."""
    return token_view(endpoints.request_token, endpoints.realm, base_url, "oauth_request_token")


def access_token_view(endpoints: Endpoints, *, base_url: str) -> Callable[[], flask.Response]:
    """A view answering token credentials requests [§2.3], for ``app.add_url_rule(..., methods=["POST"])``."""
    return token_view(endpoints.access_token, endpoints.realm, base_url, "oauth_access_token")


def token_view(
    answer: Callable[[oauth2.Request], Response], realm: str, base_url: str, name: str
) -> Callable[[], flask.Response]:
    """A view answering with ``answer`` (an endpoint of the kit); ``name`` is its Flask endpoint name."""

    def view() -> flask.Response:
        try:
            request = received_request(base_url)
        except oauth2.Error as error:
            return flask_response(Response.from_error(error, realm))
        return flask_response(answer(request))

    view.__name__ = view.__qualname__ = name
    return view
