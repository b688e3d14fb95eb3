"""A small OAuth 1.0a provider: a JSON API that only answers requests signed by a known consumer.

Two-legged OAuth: each request is signed with a consumer's key and secret
(no user token), as LTI tools, webhooks and server-to-server APIs do. The
consumers live in a dict; ``oauth.Server`` checks the signature, the
timestamp and the nonce, and a failure is answered with its HTTP status and
a ``WWW-Authenticate`` header naming the ``oauth_problem``.

Run it (standard library and oauth2 only) on http://127.0.0.1:8000/::

    python examples/provider.py            # or: python examples/provider.py 8080

and call it with the consumer it prints, for instance with the oauth2 command line::

    OAUTH_CONSUMER_KEY=demo-key OAUTH_CONSUMER_SECRET=demo-secret \\
        python -m oauth2 request GET 'http://127.0.0.1:8000/photos?size=large'

Set ``OAUTH_CONSUMER_KEY`` and ``OAUTH_CONSUMER_SECRET`` to serve another
consumer. In your own code, ``make_app(consumers)`` gives the WSGI app to
mount in any WSGI server.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from http import HTTPStatus
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple
from wsgiref.simple_server import make_server

import oauth2 as oauth

StartResponse = Callable[[str, List[Tuple[str, str]]], Any]
WSGIApp = Callable[[Dict[str, Any], StartResponse], Iterable[bytes]]

REALM = "photos-api"

PHOTOS = [
    {"id": 1, "title": "Lighthouse at dawn"},
    {"id": 2, "title": "Harbour in the rain"},
]


def make_app(consumers: Mapping[str, str]) -> WSGIApp:
    """The WSGI app of the API; ``consumers`` maps each consumer key to its secret."""
    known = {key: oauth.Consumer(key, secret) for key, secret in consumers.items()}
    # One Server for the app's lifetime: it remembers the nonces it has seen,
    # which is what refuses a replayed request.
    server = oauth.Server([oauth.SignatureMethod_HMAC_SHA1(), oauth.SignatureMethod_HMAC_SHA256()])

    def app(environ: Dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Verify the request's signature, then answer it."""
        try:
            request = oauth.Request.from_wsgi(environ)
            consumer = known.get(str(request.get("oauth_consumer_key", "")))
            if consumer is None:
                raise oauth.ConsumerKeyRejected("Unknown consumer.")
            params = server.verify_request(request, consumer, None)
        except oauth.Error as e:
            body = {"error": e.oauth_problem, "detail": str(e)}
            return respond(start_response, e.status, body, e.authenticate_header(REALM))
        if environ.get("PATH_INFO") != "/photos":
            return respond(start_response, 404, {"error": "not_found"})
        return respond(start_response, 200, {"consumer": consumer.key, "parameters": params, "photos": PHOTOS})

    return app


def respond(
    start_response: StartResponse, status: int, body: object, headers: Optional[Mapping[str, str]] = None
) -> List[bytes]:
    """Answer ``body`` as JSON with ``status`` and any extra ``headers``."""
    data = json.dumps(body).encode()
    start_response(
        f"{status} {HTTPStatus(status).phrase}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(data))), *(headers or {}).items()],
    )
    return [data]


def main(argv: List[str]) -> None:
    """Serve the API on 127.0.0.1, on the port given as the first argument (8000 by default)."""
    port = int(argv[0]) if argv else 8000
    key = os.environ.get("OAUTH_CONSUMER_KEY", "demo-key")
    secret = os.environ.get("OAUTH_CONSUMER_SECRET", "demo-secret")
    with make_server("127.0.0.1", port, make_app({key: secret})) as httpd:
        print(f"Serving http://127.0.0.1:{httpd.server_port}/photos for consumer {key!r}; Ctrl-C stops.", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            httpd.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
