"""Django glue for the provider kit: the ``oauth_required`` decorator and the token endpoints' views.

Needs Django (this library's ``django`` extra). The verified request's
:class:`~oauth2.kit.Access` is ``request.oauth``; a refusal is answered with
its status, ``oauth_problem`` body and ``WWW-Authenticate`` [RFC 5849 §3.2].
Under ASGI, an ``async def`` view is verified with the kit's ``*_async``
endpoints.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar, cast

try:
    from asgiref.sync import iscoroutinefunction
    from django.http import HttpRequest, HttpResponse
except ImportError as exc:  # pragma: no cover - exercised in a subprocess without Django
    raise ImportError(
        "oauth2.kit.django needs Django, this library's 'django' extra: pip install 'oauth2[django]'."
    ) from exc

import oauth2
from oauth2.kit.endpoints import Endpoints, Response
from oauth2.kit.wsgi import request_from_wsgi

__all__ = ["oauth_required", "request_token_view", "access_token_view"]

View = TypeVar("View", bound=Callable[..., Any])


def exempt_from_csrf(view: View) -> View:
    """Mark ``view`` exempt from Django's CSRF check, as ``csrf_exempt`` does, without wrapping it: Django
    4.2's ``csrf_exempt`` wraps an ``async def`` view in a plain function, which Django then calls as a
    sync view (and gets a coroutine back)."""
    view.csrf_exempt = True  # type: ignore[attr-defined]
    return view


def received_request(request: HttpRequest, base_url: str) -> oauth2.Request:
    """Django's ``request`` as the client signed it; its body stays readable (``request.POST``, ``.body``).

    From the ASGI scope under ASGI (``META`` holds the path decoded there), else from the WSGI environ.
    """
    body = request.body
    scope = getattr(request, "scope", None)
    if scope is not None:
        return oauth2.Request.from_asgi(scope, body, base_url=base_url)
    return request_from_wsgi(request.META, body, base_url=base_url)


def django_response(response: Response) -> HttpResponse:
    """The kit's :class:`~oauth2.kit.Response` as Django's."""
    return HttpResponse(response.body, status=response.status, headers=dict(response.headers))


def oauth_required(endpoints: Endpoints, *, base_url: str, two_legged: bool = False) -> Callable[[View], View]:
    """Decorate a view: it runs only for a request verified by ``endpoints.protect`` [§3].

    ``base_url`` is the public origin clients sign for (``https://api.example``):
    the Host header is not trusted. With ``two_legged``, a request signed by a
    consumer alone is accepted too (``request.oauth.token`` and ``.user`` are
    None). The view is exempt from Django's CSRF check: a signed request
    carries its own credentials, not the browser's cookies.
    """

    def decorate(view: View) -> View:
        if iscoroutinefunction(view):  # as Django tells an async view

            @functools.wraps(view)
            async def verified_async(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                try:
                    oauth_request = received_request(request, base_url)
                    request.oauth = await endpoints.protect_async(oauth_request, two_legged=two_legged)
                except oauth2.Error as error:
                    return django_response(Response.from_error(error, endpoints.realm))
                return await view(request, *args, **kwargs)

            return cast(View, exempt_from_csrf(verified_async))

        @functools.wraps(view)
        def verified(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            try:
                request.oauth = endpoints.protect(received_request(request, base_url), two_legged=two_legged)
            except oauth2.Error as error:
                return django_response(Response.from_error(error, endpoints.realm))
            return view(request, *args, **kwargs)

        return cast(View, exempt_from_csrf(verified))

    return decorate


def request_token_view(endpoints: Endpoints, *, base_url: str) -> Callable[[HttpRequest], HttpResponse]:
    """A view answering temporary credentials requests [§2.1] (POST), for ``path("oauth/request_token", ...)``."""
    return token_view(endpoints.request_token, endpoints.realm, base_url)


def access_token_view(endpoints: Endpoints, *, base_url: str) -> Callable[[HttpRequest], HttpResponse]:
    """A view answering token credentials requests [§2.3] (POST), for ``path("oauth/access_token", ...)``."""
    return token_view(endpoints.access_token, endpoints.realm, base_url)


def token_view(
    answer: Callable[[oauth2.Request], Response], realm: str, base_url: str
) -> Callable[[HttpRequest], HttpResponse]:
    """A CSRF-exempt view answering with ``answer``, an endpoint of the kit."""

    def view(request: HttpRequest) -> HttpResponse:
        try:
            oauth_request = received_request(request, base_url)
        except oauth2.Error as error:
            return django_response(Response.from_error(error, realm))
        return django_response(answer(oauth_request))

    return cast(Callable[[HttpRequest], HttpResponse], exempt_from_csrf(view))
