"""What the WSGI framework glue (:mod:`oauth2.kit.flask`, :mod:`oauth2.kit.django`) shares."""

from __future__ import annotations

import io
from typing import Any, Mapping

import oauth2

__all__ = ["request_from_wsgi"]


def request_from_wsgi(environ: Mapping[str, Any], body: bytes, *, base_url: str) -> oauth2.Request:
    """The request of ``environ`` whose ``body`` the framework already read, as the client signed it.

    A framework that parsed the body (Flask's ``get_data()``, Django's
    ``request.body``) left ``wsgi.input`` at its end: the body it read is
    handed to :meth:`oauth2.Request.from_wsgi` instead, with ``environ``
    left as it is, and the public origin pinned to ``base_url``.
    """
    if type(body) is not bytes:
        raise TypeError(f"body must be bytes, not {type(body).__name__}")
    replayed = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
    return oauth2.Request.from_wsgi(replayed, base_url=base_url)
