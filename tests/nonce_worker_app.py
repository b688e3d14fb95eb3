"""A Starlette provider that tests/test_workers.py serves with a real uvicorn, in one process or several.

``OAUTH2_TEST_NONCE_DB`` names the SQLite file of a ``SQLiteNonceStore`` the
processes share; without it, each process keeps its own nonces in memory
(``Server``'s default). A verified request answers 200 with the pid of the
process that verified it; a refused one, its status and its error's name.
"""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import PlainTextResponse
from starlette.routing import Route

import oauth2 as oauth

CONSUMER = oauth.Consumer("worker-key", "worker-secret")
_DB = os.environ.get("OAUTH2_TEST_NONCE_DB")
server = oauth.Server([oauth.SignatureMethod_HMAC_SHA1()], nonce_store=oauth.SQLiteNonceStore(_DB) if _DB else None)


async def verify(request: StarletteRequest) -> PlainTextResponse:
    """Verify the request against CONSUMER."""
    body = await request.body()
    try:
        server.verify_request(oauth.Request.from_asgi(request.scope, body), CONSUMER, None)
    except oauth.Error as e:
        return PlainTextResponse(type(e).__name__, status_code=e.status)
    return PlainTextResponse(str(os.getpid()))


app = Starlette(routes=[Route("/verify", verify, methods=["GET"])])
