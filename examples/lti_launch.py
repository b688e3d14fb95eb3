"""An LTI 1.1 tool provider's launch check: verify the signed form POST a learning platform sends.

When a learner opens the tool in Moodle, Canvas, Blackboard or another LMS,
their browser POSTs a form to the tool's launch URL, signed by the LMS with
OAuth 1.0a HMAC-SHA1 (two-legged: the consumer key and secret the tool and
the LMS share, no token). The tool verifies the signature, the timestamp
and the nonce, checks the LTI parameters, and greets the learner; a launch
that fails the OAuth check gets its status (401 for a bad signature or a
replay) and the ``oauth_problem``.

Run it on http://127.0.0.1:8000/launch (standard library and oauth2 only)::

    python examples/lti_launch.py            # or: python examples/lti_launch.py 8080

and register that URL in the LMS with the consumer key ``lti-key`` and the
secret ``lti-secret`` (set ``LTI_CONSUMER_KEY`` and ``LTI_CONSUMER_SECRET``
to choose others). In your
own code, ``make_app(consumers)`` gives the WSGI app. Behind a reverse proxy
that terminates TLS, use ``Request.from_wsgi(environ, trust_forwarded=True)``
so that the URL you verify is the one the LMS signed.
"""

from __future__ import annotations

import contextlib
import html
import os
import sys
from http import HTTPStatus
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple
from wsgiref.simple_server import make_server

import oauth2 as oauth

StartResponse = Callable[[str, List[Tuple[str, str]]], Any]
WSGIApp = Callable[[Dict[str, Any], StartResponse], Iterable[bytes]]

REALM = "lti-tool"

#: The launch parameters LTI 1.1 requires, with the value each must have (None: any value).
REQUIRED = {
    "lti_message_type": "basic-lti-launch-request",
    "lti_version": "LTI-1p0",
    "resource_link_id": None,
}


def make_app(consumers: Mapping[str, str]) -> WSGIApp:
    """The WSGI app of the launch URL; ``consumers`` maps each LMS's consumer key to its secret."""
    known = {key: oauth.Consumer(key, secret) for key, secret in consumers.items()}
    # LTI 1.1 launches are signed with HMAC-SHA1 only. The Server lives as
    # long as the app, so that it remembers nonces and refuses replays.
    server = oauth.Server([oauth.SignatureMethod_HMAC_SHA1()])

    def app(environ: Dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Verify the launch's signature and LTI parameters, then greet the learner."""
        if environ.get("REQUEST_METHOD") != "POST":
            return page(start_response, 405, "An LTI launch is a form POST.", {"Allow": "POST"})
        try:
            request = oauth.Request.from_wsgi(environ)
            consumer = known.get(str(request.get("oauth_consumer_key", "")))
            if consumer is None:
                raise oauth.ConsumerKeyRejected("Unknown consumer key.")
            params = server.verify_request(request, consumer, None)
        except oauth.Error as e:
            message = f"Launch refused: oauth_problem={e.oauth_problem} ({e})"
            return page(start_response, e.status, message, e.authenticate_header(REALM))
        for name, expected in REQUIRED.items():
            value = params.get(name)
            if not value or (expected is not None and value != expected):
                return page(start_response, 400, f"Not an LTI 1.1 launch: {name} must be {expected or 'set'}.")
        learner = params.get("lis_person_name_full") or "there"
        return page(start_response, 200, f"Hello {learner}!", title="Welcome")

    return app


def page(
    start_response: StartResponse,
    status: int,
    text: str,
    headers: Optional[Mapping[str, str]] = None,
    title: str = "LTI launch",
) -> List[bytes]:
    """Answer a small HTML page saying ``text`` (escaped: it may hold what the LMS sent)."""
    body = (
        f"<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title></head>\n"
        f"<body><p>{html.escape(text)}</p></body></html>\n"
    ).encode()
    start_response(
        f"{status} {HTTPStatus(status).phrase}",
        [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body))), *(headers or {}).items()],
    )
    return [body]


def main(argv: List[str]) -> None:
    """Serve the launch URL on 127.0.0.1, on the port given as the first argument (8000 by default)."""
    port = int(argv[0]) if argv else 8000
    key = os.environ.get("LTI_CONSUMER_KEY", "lti-key")
    secret = os.environ.get("LTI_CONSUMER_SECRET", "lti-secret")
    with make_server("127.0.0.1", port, make_app({key: secret})) as httpd:
        url = f"http://127.0.0.1:{httpd.server_port}/launch"
        print(f"Launch URL {url}, consumer key {key!r}; Ctrl-C stops.", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            httpd.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
