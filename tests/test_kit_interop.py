"""Interoperability over https on 127.0.0.1, both ways.

* Other libraries' clients against the kit: requests-oauthlib's ``OAuth1Session``,
  Authlib's ``OAuth1Session`` (requests) and ``OAuth1Client`` (httpx) run the whole
  three-legged flow (temporary credentials with a callback, the user's consent,
  token credentials, a protected resource) against a Starlette app on the kit's
  public API, served by uvicorn over TLS.
* The library's own clients (``oauth2.Client``, ``oauth2.requests.OAuth1Session``,
  ``oauth2.httpx.OAuth1Client``) run the same flow against oauthlib's endpoints
  (tests/oauthlib_provider.py), over TLS too.

Each with HMAC-SHA1, HMAC-SHA256, RSA-SHA1 and PLAINTEXT, where the client
library can sign with it.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import loopback
import pytest
import requests
from kit_apps import CALLBACK, USER, asgi_app
from oauthlib_provider import CONSUMER_KEY, CONSUMER_SECRET, OAuthlibProvider
from tls_certs import client_context, rsa_key, rsa_pems, server_context, write_self_signed_cert

import oauth2 as oauth
import oauth2.httpx
import oauth2.requests
from oauth2.kit import ConsumerRecord, Endpoints, SQLiteStore

KEY, SECRET = "interop-consumer", "interop-consumer-secret"
METHODS = ["HMAC-SHA1", "HMAC-SHA256", "RSA-SHA1", "PLAINTEXT"]
# Authlib's OAuth1 client (authlib.oauth1.rfc5849.client_auth.ClientAuth.SIGNATURE_METHODS)
# signs with HMAC-SHA1, RSA-SHA1 and PLAINTEXT only.
AUTHLIB_LACKS = {"HMAC-SHA256": "Authlib's OAuth1 client cannot sign HMAC-SHA256 (only HMAC-SHA1, RSA-SHA1, PLAINTEXT)"}


def private_pem() -> str:
    return rsa_pems(rsa_key())["pkcs8"].decode("ascii")


def public_pem() -> str:
    return rsa_pems(rsa_key())["spki"].decode("ascii")


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key."""
    return write_self_signed_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def trust(tls: tuple[Path, Path]) -> ssl.SSLContext:
    """A client context trusting only the test certificate, hostname checks on."""
    return client_context(tls[0])


@pytest.fixture(scope="module")
def kit_url(tls: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The kit over TLS: a Starlette app on uvicorn, a SQLite store, one consumer allowed every method here."""
    store = SQLiteStore(tmp_path_factory.mktemp("store") / "provider.sqlite3")
    store.add_consumer(ConsumerRecord(key=KEY, secret=SECRET, rsa_public_key=public_pem(), callbacks=(CALLBACK,)))
    kit = Endpoints(store, signature_methods=METHODS)
    try:
        with loopback.serving_asgi(asgi_app(kit), certfile=str(tls[0]), keyfile=str(tls[1])) as url:
            yield url
    finally:
        store.close()


def consent(kit_url: str, oauth_token: str, trust: ssl.SSLContext) -> str:
    """The user allows access on the kit's consent form; returns where the browser is sent (the callback)."""
    response = httpx.post(f"{kit_url}/authorize", data={"oauth_token": oauth_token}, verify=trust)
    assert response.status_code == 303, response.text
    location = response.headers["Location"]
    assert location.startswith(CALLBACK + "?")
    return location


def three_legged_against_kit(client: Any, kit_url: str, trust: ssl.SSLContext) -> None:
    """Run the flow with ``client`` (requests-oauthlib's and Authlib's share its methods), then check the result.

    The kit grants the protected resource to the user who consented, with new
    token credentials, and refuses the resource request sent again byte for byte.
    """
    temporary = client.fetch_request_token(f"{kit_url}/request_token")
    assert temporary["oauth_callback_confirmed"] == "true"
    client.parse_authorization_response(consent(kit_url, temporary["oauth_token"], trust))
    access = client.fetch_access_token(f"{kit_url}/access_token")
    assert access["oauth_token"] and access["oauth_token"] != temporary["oauth_token"]
    response = client.get(f"{kit_url}/resource")
    assert response.status_code == 200, response.text
    assert response.json() == {"user": USER, "consumer": KEY}
    sent = response.request
    again = httpx.request(sent.method, str(sent.url), headers=dict(sent.headers), verify=trust)
    assert again.status_code == 401, again.text
    assert parse_qs(again.text)["oauth_problem"] == ["nonce_used"]


# --------------------------------------------------------------------------- other clients against the kit


@pytest.mark.parametrize("method", METHODS)
def test_requests_oauthlib_against_kit(kit_url: str, tls: tuple[Path, Path], trust: ssl.SSLContext,
                                       method: str) -> None:
    from requests_oauthlib import OAuth1Session

    rsa = {"rsa_key": private_pem()} if method.startswith("RSA") else {}
    with OAuth1Session(KEY, client_secret=SECRET, callback_uri=CALLBACK, signature_method=method, **rsa) as session:
        session.verify = str(tls[0])
        session.trust_env = False  # else REQUESTS_CA_BUNDLE overrides session.verify (requests' merge order)
        three_legged_against_kit(session, kit_url, trust)


def authlib_session(method: str, tls: tuple[Path, Path], trust: ssl.SSLContext) -> Any:
    from authlib.integrations.requests_client import OAuth1Session

    session = OAuth1Session(KEY, SECRET, redirect_uri=CALLBACK, signature_method=method,
                            rsa_key=private_pem() if method.startswith("RSA") else None)
    session.verify = str(tls[0])
    session.trust_env = False  # else REQUESTS_CA_BUNDLE overrides session.verify (requests' merge order)
    return session


def authlib_httpx_client(method: str, tls: tuple[Path, Path], trust: ssl.SSLContext) -> Any:
    from authlib.integrations.httpx_client import OAuth1Client

    return OAuth1Client(KEY, SECRET, redirect_uri=CALLBACK, signature_method=method,
                        rsa_key=private_pem() if method.startswith("RSA") else None, verify=trust)


# Authlib 1.9 steers httpx users to its httpx2 integration; the httpx one still works, and is the one tested.
@pytest.mark.filterwarnings("ignore:The httpx module is deprecated")
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("make_client", [authlib_session, authlib_httpx_client])
def test_authlib_against_kit(kit_url: str, tls: tuple[Path, Path], trust: ssl.SSLContext, method: str,
                             make_client: Callable[..., Any]) -> None:
    if method in AUTHLIB_LACKS:
        pytest.skip(AUTHLIB_LACKS[method])
    with make_client(method, tls, trust) as client:
        three_legged_against_kit(client, kit_url, trust)


# --------------------------------------------------------------------------- the library's clients against oauthlib


@pytest.fixture
def oauthlib_tls(tls: tuple[Path, Path]) -> Iterator[OAuthlibProvider]:
    """oauthlib's endpoints over TLS, the consumer's RSA public key registered."""
    with OAuthlibProvider(tls=server_context(*tls)) as provider:
        provider.rsa_keys[CONSUMER_KEY] = public_pem()
        yield provider


def signature_method(name: str) -> oauth.SignatureMethod:
    methods: dict[str, Callable[[], oauth.SignatureMethod]] = {
        "HMAC-SHA1": oauth.SignatureMethod_HMAC_SHA1,
        "HMAC-SHA256": oauth.SignatureMethod_HMAC_SHA256,
        "RSA-SHA1": lambda: oauth.SignatureMethod_RSA_SHA1(private_pem()),
        "PLAINTEXT": oauth.SignatureMethod_PLAINTEXT,
    }
    return methods[name]()


def user_allows(provider: OAuthlibProvider, oauth_token: str, trust: ssl.SSLContext) -> str:
    """The user visits oauthlib's authorization endpoint, which allows at once; returns the callback URL."""
    response = httpx.get(provider.url(f"/authorize?oauth_token={oauth_token}"), verify=trust)
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def check_oauthlib_flow(provider: OAuthlibProvider, method: str, access_token: str, body: bytes) -> None:
    """oauthlib accepted all four requests, each signed with ``method``, and served the resource."""
    assert [(r.endpoint, r.valid) for r in provider.requests] == [
        ("request_token", True), ("authorize", True), ("access_token", True), ("resource", True)]
    signed = [r for r in provider.requests if r.endpoint != "authorize"]
    assert {r.oauth_params["oauth_signature_method"] for r in signed} == {method}  # type: ignore[index]
    assert json.loads(body)["oauth_params"]["oauth_token"] == access_token
    assert urlsplit(provider.base_url).scheme == "https"


@pytest.mark.parametrize("method", METHODS)
def test_oauth2_client_against_oauthlib(oauthlib_tls: OAuthlibProvider, tls: tuple[Path, Path],
                                        trust: ssl.SSLContext, method: str) -> None:
    client = oauth.Client(oauth.Consumer(CONSUMER_KEY, CONSUMER_SECRET), ca_certs=str(tls[0]))
    client.set_signature_method(signature_method(method))
    temporary = client.fetch_request_token(oauthlib_tls.url("/request_token"), callback=CALLBACK)
    callback = parse_qs(urlsplit(user_allows(oauthlib_tls, temporary.key, trust)).query)
    assert callback["oauth_token"] == [temporary.key]
    access = client.fetch_access_token(oauthlib_tls.url("/access_token"), callback["oauth_verifier"][0])
    assert access.extra["screen_name"] == "alice"
    response, content = client.request(oauthlib_tls.url("/resource/me"))
    client.close()  # httplib2 keeps its connections open otherwise
    assert response.status == 200, content
    check_oauthlib_flow(oauthlib_tls, method, access.key, content)


@pytest.mark.parametrize("method", METHODS)
def test_oauth2_requests_session_against_oauthlib(oauthlib_tls: OAuthlibProvider, tls: tuple[Path, Path],
                                                  trust: ssl.SSLContext, method: str) -> None:
    consumer = oauth.Consumer(CONSUMER_KEY, CONSUMER_SECRET)
    with oauth2.requests.OAuth1Session(consumer, signature_method=signature_method(method)) as session:
        session.verify = str(tls[0])
        session.trust_env = False  # else REQUESTS_CA_BUNDLE overrides session.verify (requests' merge order)
        temporary = session.fetch_request_token(oauthlib_tls.url("/request_token"), callback=CALLBACK)
        session.parse_authorization_response(user_allows(oauthlib_tls, temporary.key, trust))
        access = session.fetch_access_token(oauthlib_tls.url("/access_token"))
        response: requests.Response = session.get(oauthlib_tls.url("/resource/me"))
    assert response.status_code == 200, response.text
    check_oauthlib_flow(oauthlib_tls, method, access.key, response.content)


@pytest.mark.parametrize("method", METHODS)
def test_oauth2_httpx_client_against_oauthlib(oauthlib_tls: OAuthlibProvider, trust: ssl.SSLContext,
                                              method: str) -> None:
    consumer = oauth.Consumer(CONSUMER_KEY, CONSUMER_SECRET)
    with oauth2.httpx.OAuth1Client(consumer, signature_method=signature_method(method), verify=trust) as client:
        temporary = client.fetch_request_token(oauthlib_tls.url("/request_token"), callback=CALLBACK)
        client.parse_authorization_response(user_allows(oauthlib_tls, temporary.key, trust))
        access = client.fetch_access_token(oauthlib_tls.url("/access_token"))
        response = client.get(oauthlib_tls.url("/resource/me"))
    assert response.status_code == 200, response.text
    check_oauthlib_flow(oauthlib_tls, method, access.key, response.content)
