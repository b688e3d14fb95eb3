"""What python-oauth2 1.9's private ``oauth2._compat`` module offered, for Python 3 only.

1.9's own test suite (test_oauth_1_9.py) imports its helpers from ``oauth2._compat``. This package has
no such module and must not grow one, so conftest.py registers this file under that name in
``sys.modules`` for the vendored tests only. The definitions are the Python 3 branches of 1.9's
``_compat.py`` (MIT, python-oauth2 authors).
"""

from urllib.parse import (  # noqa: F401  (re-exported, as 1.9's _compat did)
    parse_qs,
    parse_qsl,
    quote,
    unquote,
    unquote_to_bytes,
    urlencode,
    urlparse,
    urlsplit,
    urlunparse,
    urlunsplit,
)

PY3 = True
TEXT = str
STRING_TYPES = (str, bytes)


def b(x, encoding="ascii"):
    return bytes(x, encoding)


def u(x, encoding="ascii"):
    if isinstance(x, TEXT):
        return x
    try:
        return x.decode(encoding)
    except AttributeError:
        raise ValueError(f"WTF: {x}") from None
