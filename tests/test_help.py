"""What ``help()``, ``dir()`` and ``repr()`` tell a user at the interpreter, and when a missing extra is said."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from test_api import API_1_9

import oauth2 as oauth
import oauth2.aiohttp
import oauth2.httpx
import oauth2.requests


def test_server_init_has_a_docstring_naming_its_options() -> None:
    doc = inspect.getdoc(oauth.Server.__init__) or ""
    assert doc != inspect.getdoc(object.__init__)
    options = [p for p in inspect.signature(oauth.Server.__init__).parameters if p != "self"]
    assert [name for name in options if f"``{name}``" not in doc] == []


def test_generate_nonce_says_how_weak_it_is_and_what_to_use() -> None:
    doc = inspect.getdoc(oauth.generate_nonce) or ""
    assert "about 27 bits" in doc
    assert "``Request.make_nonce()``" in doc and hasattr(oauth.Request, "make_nonce")


def test_the_module_docstring_is_written_for_users() -> None:
    doc = oauth.__doc__ or ""
    assert "reads top to bottom" not in doc  # the code reader's map stays in a comment
    for entry in ("``sign(", "``Client(", "``Server(", "``Consumer(", "``Token(", "``oauth2.requests``",
                  "``oauth2.httpx``", "``explain(", "``oauth2.provider.Provider``", "``oauth2 --help``"):
        assert entry in doc, entry
    for name in ("sign", "Client", "Server", "Consumer", "Token", "explain", "MemoryNonceStore", "RedisNonceStore"):
        assert name in oauth.__all__


def test_dir_shows_the_public_api_only() -> None:
    listed = dir(oauth)
    assert listed == sorted([*oauth.__all__, "__version__"])
    for imported in ("re", "os", "time", "httplib2", "Optional", "Union", "urlsplit", "annotations"):
        assert imported not in listed
        assert hasattr(oauth, imported)  # still there for code that reaches for it


def test_dir_lists_every_1_9_name_and_each_is_importable() -> None:
    names_1_9 = {name.split(".")[0] for name in API_1_9} | {"OAUTH_VERSION", "HTTP_METHOD", "SIGNATURE_METHOD",
                                                             "MissingSignature", "SignatureMethod_HMAC_SHA1",
                                                             "SignatureMethod_PLAINTEXT"}
    assert sorted(names_1_9 - set(dir(oauth))) == []
    namespace: dict[str, Any] = {}
    exec(f"from oauth2 import {', '.join(sorted(names_1_9))}", namespace)  # noqa: S102 - the import under test
    assert set(names_1_9) <= set(namespace)


@pytest.mark.parametrize("auth", [oauth2.requests.OAuth1, oauth2.httpx.OAuth1, oauth2.aiohttp.OAuth1])
def test_oauth1_repr_shows_the_settings_and_no_secret(auth: Any) -> None:
    consumer, token = oauth.Consumer("ck", "consumer-s3cret"), oauth.Token("tk", "token-s3cret")
    shown = repr(auth(consumer, token, signature_method=oauth.SignatureMethod_HMAC_SHA256(), realm="photos"))
    assert shown == ("OAuth1(Consumer(key='ck', secret='***'), Token(key='tk', secret='***'), "
                     "signature_method='HMAC-SHA256', placement='header', realm='photos')")
    assert repr(auth("ck", "consumer-s3cret")) == (
        "OAuth1(Consumer(key='ck', secret='***'), None, signature_method='HMAC-SHA1', placement='header')")


def test_sessions_show_their_auth_without_secrets() -> None:
    with oauth2.requests.OAuth1Session("ck", "consumer-s3cret", resource_owner_key="tk",
                                       resource_owner_secret="token-s3cret") as session:
        assert "s3cret" not in repr(session.auth) and "tk" in repr(session.auth)


RSA_WITHOUT_CRYPTOGRAPHY = textwrap.dedent("""
    import sys
    sys.modules["cryptography"] = None  # as if the rsa extra were not installed
    import oauth2 as oauth

    for method in (oauth.SignatureMethod_RSA_SHA1, oauth.SignatureMethod_RSA_SHA256, oauth.SignatureMethod_RSA_SHA512):
        try:
            method(private_key="-----BEGIN PRIVATE KEY-----")
        except oauth.Error as error:
            print(type(error).__name__, error)
        else:
            print("constructed")
""")


def test_rsa_without_cryptography_fails_at_construction() -> None:
    result = subprocess.run([sys.executable, "-c", RSA_WITHOUT_CRYPTOGRAPHY], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Error RSA signatures need the 'cryptography' package, this library's 'rsa' extra: pip install cryptography."
    ] * 3
