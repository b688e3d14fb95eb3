"""The Client's three-legged flow helpers over real HTTP on 127.0.0.1.

The flow runs against two providers that share no verification code: the
embedded :class:`oauth2.provider.Provider` (our ``Server``) and
``tests/oauthlib_provider.py`` (every verdict from oauthlib). Refusals and
OAuth 1.0 quirks come from a canned stdlib endpoint.
"""

# The 1.9 README example below keeps its %-formatting: it is ported, not rewritten.
# ruff: noqa: UP031

from __future__ import annotations

import builtins
import json
import re
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from loopback import Reply, send
from oauthlib_oracle import oauthlib_hmac_sha1, oauthlib_steps
from oauthlib_provider import CONSUMER_KEY, CONSUMER_SECRET, USER_CREDENTIALS, OAuthlibProvider
from readme_1_9 import TerminalUser, twitter_three_legged

import oauth2 as oauth
from oauth2.provider import Provider

CALLBACK = "http://127.0.0.1:9/callback?state=x"


def pin_of_embedded(page: Reply) -> str:
    """The PIN the embedded provider shows on its consent page."""
    match = re.search(r"Your PIN: (\S+)", page.body.decode())
    assert match, page.body
    return match.group(1)


def pin_of_oauthlib(page: Reply) -> str:
    """The verifier oauthlib's authorization endpoint answers for ``oob``."""
    return dict(urllib.parse.parse_qsl(page.body.decode()))["oauth_verifier"]


def params_of_base_string(base_string: str) -> dict[str, str]:
    """The parameters a provider signed, read back from its signature base string."""
    normalized = urllib.parse.unquote(base_string.split("&")[2])
    return dict(urllib.parse.parse_qsl(normalized, keep_blank_values=True))


@dataclass
class Endpoints:
    """One provider as the flow tests see it."""

    name: str
    consumer: oauth.Consumer
    request_token_url: str
    authorize_url: str
    access_token_url: str
    resource_url: str
    pin_of: Callable[[Reply], str]
    last_signed_params: Callable[[], dict[str, str]]
    user_extra: dict[str, str]
    echoed_params: Callable[[bytes], dict[str, str]]
    wrong_verifier_problem: str | None


@pytest.fixture(params=["embedded", "oauthlib"])
def endpoints(request: pytest.FixtureRequest) -> Iterator[Endpoints]:
    """Each provider in turn, started on an ephemeral port."""
    if request.param == "embedded":
        with Provider() as p:
            yield Endpoints(
                "embedded", p.consumer, p.request_token_url, p.authorize_url, p.access_token_url,
                p.resource_url, pin_of_embedded, lambda: params_of_base_string(p.log[-1].base_string),
                {"user_id": "1", "screen_name": p.user}, lambda content: json.loads(content)["parameters"],
                "token_rejected",
            )
    else:
        with OAuthlibProvider() as q:
            yield Endpoints(
                "oauthlib", oauth.Consumer(CONSUMER_KEY, CONSUMER_SECRET), q.url("/request_token"),
                q.url("/authorize"), q.url("/access_token"), q.url("/resource/me"), pin_of_oauthlib,
                # oauthlib also reports the (empty) realms the user authorized.
                lambda: dict(q.requests[-1].oauth_params or {}), {**USER_CREDENTIALS, "oauth_authorized_realms": ""},
                lambda content: dict(urllib.parse.parse_qsl(json.loads(content)["query"])),
                None,  # oauthlib answers its 401 with an empty body
            )


@pytest.fixture
def embedded() -> Iterator[Provider]:
    """The embedded provider alone, for what only it reports (oauth_problem, its log)."""
    with Provider() as p:
        yield p


class Canned:
    """A stdlib HTTP endpoint on 127.0.0.1 that answers every request with one fixed response.

    It stands for providers we cannot run: OAuth 1.0 ones that never confirm
    the callback, or broken ones. ``requests`` records what arrived.
    """

    def __init__(self, status: int, body: bytes, content_type: str = "application/x-www-form-urlencoded",
                 headers: dict[str, str] | None = None) -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []  # header names lower-cased
        canned = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                canned.requests.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # A short poll interval only bounds how long shutdown() waits for the loop.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True)

    @property
    def url(self) -> str:
        """Any path on the endpoint gets the canned response."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/oauth/request_token"

    def __enter__(self) -> Canned:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def authorized_client(e: Endpoints) -> tuple[oauth.Client, oauth.Token]:
    """Run the whole PIN flow with the helpers; return the client and its token credentials."""
    client = oauth.Client(e.consumer)
    client.fetch_request_token(e.request_token_url)
    page = send("GET", client.authorization_url(e.authorize_url))
    return client, client.fetch_access_token(e.access_token_url, e.pin_of(page))


# ------------------------------------------------------------------ request token


def test_fetch_request_token_sends_oob_by_default(endpoints: Endpoints) -> None:
    client = oauth.Client(endpoints.consumer)
    token = client.fetch_request_token(endpoints.request_token_url)
    assert client.token is token
    assert token.key and token.secret
    assert token.callback_confirmed == "true"
    assert endpoints.last_signed_params()["oauth_callback"] == "oob"
    # An oob token gets a PIN page, not a redirect.
    assert send("GET", client.authorization_url(endpoints.authorize_url)).status == 200


def test_custom_callback_is_where_the_user_is_sent_back(endpoints: Endpoints) -> None:
    client = oauth.Client(endpoints.consumer)
    request_token = client.fetch_request_token(endpoints.request_token_url, callback=CALLBACK)
    assert endpoints.last_signed_params()["oauth_callback"] == CALLBACK

    page = send("GET", client.authorization_url(endpoints.authorize_url))
    assert page.status == 302
    location = urllib.parse.urlsplit(page.headers["Location"])
    assert (location.scheme, location.netloc, location.path) == ("http", "127.0.0.1:9", "/callback")
    back = dict(urllib.parse.parse_qsl(location.query))
    assert back["state"] == "x" and back["oauth_token"] == request_token.key

    access = client.fetch_access_token(endpoints.access_token_url, back["oauth_verifier"])
    assert endpoints.last_signed_params()["oauth_verifier"] == back["oauth_verifier"]
    assert access.key != request_token.key


def test_unconfirmed_callback_is_refused_unless_allowed() -> None:
    with Canned(200, b"oauth_token=a&oauth_token_secret=b") as provider_10:
        client = oauth.Client(oauth.Consumer("key", "secret"))
        with pytest.raises(oauth.Error, match="require_callback_confirmed=False") as refused:
            client.fetch_request_token(provider_10.url)
        assert not isinstance(refused.value, oauth.ProviderError)
        assert client.token is None

        token = client.fetch_request_token(provider_10.url, require_callback_confirmed=False)
        assert (token.key, token.secret, token.callback_confirmed) == ("a", "b", None)
        assert client.token is token
        method, path, headers = provider_10.requests[-1]
        assert (method, path) == ("POST", "/oauth/request_token")
        assert 'oauth_callback="oob"' in headers["authorization"]


def test_extra_parameters_are_sent_not_only_signed(endpoints: Endpoints) -> None:
    """A non-``oauth_`` parameter (Twitter's ``x_auth_access_type``) must reach the provider, not only the signature."""
    client = oauth.Client(endpoints.consumer)
    token = client.fetch_request_token(endpoints.request_token_url, parameters={"x_auth_access_type": "read"})
    assert token.callback_confirmed == "true"


# ------------------------------------------------------------- authorization URL


def test_authorization_url() -> None:
    client = oauth.Client(oauth.Consumer("key", "secret"))
    with pytest.raises(oauth.Error, match="fetch_request_token"):
        client.authorization_url("https://api.example.com/oauth/authorize")

    client.token = oauth.Token("req/tok+1", "s")
    assert (
        client.authorization_url("https://api.example.com/oauth/authorize")
        == "https://api.example.com/oauth/authorize?oauth_token=req%2Ftok%2B1"
    )
    other = oauth.Token("other", "s")
    url = client.authorization_url("https://api.example.com/authorize?lang=fr", other,
                                   force_login="true", screen_name="Zoë M")
    assert url == "https://api.example.com/authorize?lang=fr&oauth_token=other&force_login=true&screen_name=Zo%C3%AB%20M"
    assert urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query) == [
        ("lang", "fr"), ("oauth_token", "other"), ("force_login", "true"), ("screen_name", "Zoë M")
    ]


# ------------------------------------------------------------------ access token


def test_whole_flow_then_protected_resource(endpoints: Endpoints) -> None:
    client, access = authorized_client(endpoints)
    assert client.token is access
    assert access.extra == endpoints.user_extra
    assert access.callback_confirmed is None

    response, content = client.request(endpoints.resource_url + "?count=2", "GET")
    assert response.status == 200, content
    assert endpoints.last_signed_params()["oauth_token"] == access.key
    assert endpoints.echoed_params(content) == {"count": "2"}


def test_wrong_verifier_raises_provider_error(endpoints: Endpoints) -> None:
    client = oauth.Client(endpoints.consumer)
    request_token = client.fetch_request_token(endpoints.request_token_url)
    send("GET", client.authorization_url(endpoints.authorize_url))
    with pytest.raises(oauth.ProviderError) as raised:
        client.fetch_access_token(endpoints.access_token_url, "not-the-pin")
    error = raised.value
    assert error.status == 401
    assert error.oauth_problem == endpoints.wrong_verifier_problem
    assert client.token is request_token  # kept, so the caller can retry with the right PIN


def test_provider_error_names_the_problem(embedded: Provider) -> None:
    client = oauth.Client(oauth.Consumer(embedded.consumer.key or "", "not-the-secret"))
    with pytest.raises(oauth.ProviderError) as raised:
        client.fetch_request_token(embedded.request_token_url)
    error = raised.value
    assert (error.status, error.oauth_problem) == (401, "signature_invalid")
    assert error.body.startswith("oauth_problem=signature_invalid&detail=")
    assert "(signature_invalid)" in str(error)
    assert "not-the-secret" not in str(error) and "not-the-secret" not in error.body
    assert client.token is None


def test_provider_error_keeps_only_the_start_of_a_long_body() -> None:
    with Canned(500, b"<html>" + b"x" * 5000 + b"</html>", "text/html") as broken, \
            pytest.raises(oauth.ProviderError) as raised:
        oauth.Client(oauth.Consumer("key", "secret")).fetch_request_token(broken.url)
    error = raised.value
    assert (error.status, error.oauth_problem) == (500, None)
    assert error.body == "<html>" + "x" * 294
    assert len(str(error)) < 200 and "\n" not in str(error)


def test_provider_error_reads_the_problem_from_www_authenticate() -> None:
    """OAuth Problem Reporting allows the problem in WWW-Authenticate alone (Yahoo! did so)."""
    authenticate = 'OAuth realm="yahooapis.com", oauth_problem="consumer_key_rejected"'
    with Canned(401, b"<html>Unauthorized</html>", "text/html", {"WWW-Authenticate": authenticate}) as yahoo, \
            pytest.raises(oauth.ProviderError) as raised:
        oauth.Client(oauth.Consumer("key", "secret")).fetch_request_token(yahoo.url)
    assert raised.value.status == 401
    assert raised.value.oauth_problem == "consumer_key_rejected"


def test_success_status_without_credentials_is_a_provider_error() -> None:
    with Canned(200, b"<html>Welcome!</html>", "text/html") as portal:
        client = oauth.Client(oauth.Consumer("key", "secret"))
        with pytest.raises(oauth.ProviderError) as raised:
            client.fetch_request_token(portal.url)
    assert (raised.value.status, raised.value.body) == (200, "<html>Welcome!</html>")
    assert client.token is None


# -------------------------------------------------------------------- OAuth Echo


def test_echo_headers_verify_with_server_oauthlib_and_provider(endpoints: Endpoints) -> None:
    client, access = authorized_client(endpoints)
    url = endpoints.resource_url + "?include_entities=true"
    echo = client.echo_headers(url)
    assert echo["X-Auth-Service-Provider"] == url
    authorization = echo["X-Verify-Credentials-Authorization"]

    rebuilt = oauth.Request.from_request("GET", url, headers={"Authorization": authorization})
    server = oauth.Server([oauth.SignatureMethod_HMAC_SHA1()])
    assert server.verify_request(rebuilt, endpoints.consumer, access) == {"include_entities": "true"}

    sent = dict(oauth.parse_authorization_header(authorization)[0])
    assert sent["oauth_token"] == access.key
    base_string = oauthlib_steps("GET", url, authorization).base_string
    assert oauthlib_hmac_sha1(base_string, endpoints.consumer, access) == sent["oauth_signature"]

    # The delegate forwards the header to the service provider, which accepts it once.
    page = send("GET", url, {"Authorization": authorization})
    assert page.status == 200, page.body
    assert send("GET", url, {"Authorization": authorization}).status == 401


def test_echo_headers_realm() -> None:
    client = oauth.Client(oauth.Consumer("key", "secret"), oauth.Token("tok", "tsecret"), realm="http://api.example/")
    authorization = client.echo_headers("https://api.example/1.1/account/verify_credentials.json")[
        "X-Verify-Credentials-Authorization"
    ]
    assert authorization.startswith('OAuth realm="http://api.example/", ')
    assert oauth.parse_authorization_header(authorization)[1] == "http://api.example/"
    explicit = client.echo_headers("https://api.example/x", realm="Photos")["X-Verify-Credentials-Authorization"]
    assert explicit.startswith('OAuth realm="Photos", ')


# --------------------------------------------- the 1.9 README's Twitter example


def test_readme_twitter_example(embedded: Provider, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    # "N": the script compares case-insensitively.
    user = TerminalUser(lambda: capsys.readouterr().out, lambda url: pin_of_embedded(send("GET", url)), not_yet="N")
    monkeypatch.setattr(builtins, "input", user)
    access_token = twitter_three_legged(embedded.consumer.key or "", embedded.consumer.secret or "",
                                        embedded.request_token_url, embedded.access_token_url,
                                        embedded.authorize_url)

    assert user.prompts == ["Have you authorized me? (y/n) "] * 2 + ["What is the PIN? "]
    assert access_token["screen_name"] == embedded.user
    assert f"oauth_token        = {access_token['oauth_token']}" in capsys.readouterr().out
    assert [entry.error for entry in embedded.log] == [None, None]
    assert params_of_base_string(embedded.log[1].base_string)["oauth_verifier"] == user.pins[0]

    client = oauth.Client(embedded.consumer, oauth.Token(access_token["oauth_token"],
                                                         access_token["oauth_token_secret"]))
    response, content = client.request(embedded.resource_url, "GET")
    assert response.status == 200, content
