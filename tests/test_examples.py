"""The scripts in ``examples/``, run against real servers on 127.0.0.1.

``three_legged.py`` and ``gmail_xoauth2.py`` run as a newcomer runs them, as
child processes: one against the embedded ``oauth2.provider.Provider``, the
other against the IMAP test server. The WSGI apps of ``provider.py`` and
``lti_launch.py`` are served with wsgiref in a thread and called over HTTP
with requests signed by oauthlib (which shares no code with oauth2) and by
oauth2 itself.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, NamedTuple

import oauthlib.oauth1
import pytest
from docs_support import IMAPEndpoints, browse_pin, imap_server_process
from imap_server import INBOX_MESSAGES
from loopback import TIMEOUT, Reply, send, serving
from tls_certs import write_self_signed_cert
from xoauth_verifier import Account

import oauth2 as oauth
from oauth2.provider import Provider

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

FORM = "application/x-www-form-urlencoded"


def load_example(name: str) -> ModuleType:
    """Import ``examples/<name>.py``; the folder is not a package, as a newcomer would keep it."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def child_env(**variables: str) -> dict[str, str]:
    """The environment of an example run as a child: this checkout's oauth2 first on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OAUTH_", "XOAUTH2_", "LTI_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    env.update(variables)
    return env


class Signed(NamedTuple):
    """A signed request ready to send (and to send again, for a replay)."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None

    def send(self) -> Reply:
        """Send it (once more)."""
        return send(self.method, self.url, self.headers, self.body)


def signed_by_oauthlib(method: str, url: str, key: str, secret: str, form: Mapping[str, str] | None = None,
                       *, in_body: bool = False, signature_method: str = oauthlib.oauth1.SIGNATURE_HMAC_SHA1) -> Signed:
    """Sign with oauthlib: the OAuth parameters in the Authorization header, or in the form body."""
    client = oauthlib.oauth1.Client(
        key,
        client_secret=secret,
        signature_method=signature_method,
        signature_type=oauthlib.oauth1.SIGNATURE_TYPE_BODY if in_body else oauthlib.oauth1.SIGNATURE_TYPE_AUTH_HEADER,
    )
    headers = {"Content-Type": FORM} if form is not None else {}
    uri, signed_headers, body = client.sign(url, http_method=method, body=dict(form) if form else None,
                                            headers=headers)
    return Signed(method, uri, dict(signed_headers), body.encode() if body else None)


def signed_by_oauth2(method: str, url: str, key: str, secret: str, form: Mapping[str, str] | None = None,
                     *, in_body: bool = False) -> Signed:
    """Sign with oauth2's Request, as a client that does not use oauth.Client would."""
    consumer = oauth.Consumer(key, secret)
    request = oauth.Request.from_consumer_and_token(
        consumer, None, method, url, parameters=dict(form or {}), is_form_encoded=form is not None
    )
    request.sign_request(oauth.SignatureMethod_HMAC_SHA1(), consumer, None)
    if in_body:
        return Signed(method, url, {"Content-Type": FORM}, request.to_postdata().encode())
    headers = request.to_header()
    body = None
    if form is not None:
        headers["Content-Type"] = FORM
        body = urllib.parse.urlencode(form).encode()
    return Signed(method, url, headers, body)


SIGNERS = {"oauthlib": signed_by_oauthlib, "oauth2": signed_by_oauth2}


# ----------------------------------------------------------- three_legged.py


def run_three_legged(provider: Provider, args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    """Run three_legged.py against ``provider``, answering its PIN prompt like the user."""
    command = [
        sys.executable, str(EXAMPLES / "three_legged.py"),
        "--request-token-url", provider.request_token_url,
        "--authorize-url", provider.authorize_url,
        "--access-token-url", provider.access_token_url,
        *args,
    ]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env=env, cwd=cwd) as child:
        assert child.stdin is not None and child.stdout is not None and child.stderr is not None
        shown = ""
        while not shown.endswith("\nPIN: "):
            # The prompt ends without a newline: read what arrives, not lines.
            chunk = child.stdout.read(1)
            if not chunk:
                return child.wait(timeout=TIMEOUT), shown, child.stderr.read()
            shown += chunk
        [url] = [line for line in shown.splitlines() if line.startswith(provider.authorize_url)]
        child.stdin.write(browse_pin(url) + "\n")
        child.stdin.close()
        # Reading the stdout object, not the pipe, keeps what it has buffered.
        out = shown + child.stdout.read()
        return child.wait(timeout=TIMEOUT), out, child.stderr.read()


def test_three_legged_runs_the_pin_flow_and_prints_the_resource(tmp_path: Path) -> None:
    with Provider(user="grace") as provider:
        assert provider.consumer.key and provider.consumer.secret
        env = child_env(OAUTH_CONSUMER_KEY=provider.consumer.key, OAUTH_CONSUMER_SECRET=provider.consumer.secret)
        status, out, err = run_three_legged(
            provider, ["--resource-url", provider.resource_url + "/me?fields=name%20email"], env, tmp_path
        )
        verdicts = [entry.error for entry in provider.log]
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0] == "Open this URL, approve the application, and come back with the PIN:"
    assert re.fullmatch(r"PIN: Access token: \S+ \(user: grace\)", lines[2])
    assert lines[3] == "HTTP 200"
    assert json.loads(lines[4]) == {"user": "grace", "method": "GET", "parameters": {"fields": "name email"}}
    # request token, access token, resource: each verified by the provider.
    assert verdicts == [None, None, None]


def test_three_legged_takes_the_consumer_from_flags_and_reports_a_refusal(tmp_path: Path) -> None:
    with Provider() as provider:
        args = ["--consumer-key", provider.consumer.key or "", "--consumer-secret", "not-the-secret",
                "--resource-url", provider.resource_url]
        status, out, err = run_three_legged(provider, args, child_env(), tmp_path)
    assert (status, out) == (1, "")
    assert err.startswith("The provider refused: The provider answered 401 (signature_invalid)")


def test_three_legged_needs_consumer_credentials(tmp_path: Path) -> None:
    command = [sys.executable, str(EXAMPLES / "three_legged.py"), "--request-token-url", "http://127.0.0.1:9/r",
               "--authorize-url", "http://127.0.0.1:9/a", "--access-token-url", "http://127.0.0.1:9/t",
               "--resource-url", "http://127.0.0.1:9/x"]
    done = subprocess.run(command, capture_output=True, text=True, env=child_env(), cwd=tmp_path, timeout=TIMEOUT)
    assert done.returncode == 2
    assert "OAUTH_CONSUMER_KEY and OAUTH_CONSUMER_SECRET" in done.stderr


# --------------------------------------------------------------- provider.py

API_KEY, API_SECRET = "photo-key", "photo-secret"


@pytest.fixture
def photos_api() -> Iterator[str]:
    """provider.py's app, knowing two consumers, served on 127.0.0.1; yields its base URL."""
    app = load_example("provider").make_app({API_KEY: API_SECRET, "other-key": "other-secret"})
    with serving(app) as base_url:
        yield base_url


@pytest.mark.parametrize("signer", SIGNERS.values(), ids=SIGNERS.keys())
def test_provider_answers_a_signed_request(photos_api: str, signer: Callable[..., Signed]) -> None:
    reply = signer("GET", photos_api + "/photos?size=large&tag=caf%C3%A9", API_KEY, API_SECRET).send()
    assert (reply.status, reply.headers["Content-Type"]) == (200, "application/json")
    assert reply.json() == {
        "consumer": API_KEY,
        "parameters": {"size": "large", "tag": "café"},
        "photos": load_example("provider").PHOTOS,
    }


@pytest.mark.parametrize("signer", SIGNERS.values(), ids=SIGNERS.keys())
def test_provider_refuses_a_replay(photos_api: str, signer: Callable[..., Signed]) -> None:
    signed = signer("GET", photos_api + "/photos", API_KEY, API_SECRET)
    assert signed.send().status == 200
    replay = signed.send()
    assert (replay.status, replay.reason) == (401, "Unauthorized")
    assert replay.oauth_problem == "nonce_used"
    assert replay.json()["error"] == "nonce_used"


@pytest.mark.parametrize("signer", SIGNERS.values(), ids=SIGNERS.keys())
def test_provider_refuses_a_wrong_secret(photos_api: str, signer: Callable[..., Signed]) -> None:
    reply = signer("GET", photos_api + "/photos", API_KEY, "other-secret").send()
    assert reply.status == 401
    assert reply.oauth_problem == "signature_invalid"
    assert reply.headers["WWW-Authenticate"].startswith('OAuth realm="photos-api"')
    assert reply.json() == {"error": "signature_invalid", "detail": "Invalid signature."}


def test_provider_serves_oauth2_client(photos_api: str) -> None:
    client = oauth.Client(oauth.Consumer(API_KEY, API_SECRET))
    response, content = client.request(photos_api + "/photos?size=small")
    assert response.status == 200
    assert json.loads(content)["parameters"] == {"size": "small"}

    response, content = client.request(photos_api + "/photos", "POST", body="title=Pier&album=2024",
                                       headers={"Content-Type": FORM})
    assert response.status == 200
    assert json.loads(content)["parameters"] == {"title": "Pier", "album": "2024"}

    response, content = oauth.Client(oauth.Consumer("other-key", API_SECRET)).request(photos_api + "/photos")
    assert response.status == 401
    assert json.loads(content)["error"] == "signature_invalid"


def test_provider_refuses_unknown_consumers_and_unsigned_requests(photos_api: str) -> None:
    reply = signed_by_oauthlib("GET", photos_api + "/photos", "stranger", API_SECRET).send()
    assert (reply.status, reply.oauth_problem) == (401, "consumer_key_rejected")
    reply = send("GET", photos_api + "/photos?oauth_consumer_key=" + API_KEY)
    assert (reply.status, reply.reason, reply.oauth_problem) == (400, "Bad Request", "parameter_absent")


def test_provider_verifies_before_answering_404(photos_api: str) -> None:
    assert send("GET", photos_api + "/nothing").status == 401
    assert signed_by_oauthlib("GET", photos_api + "/nothing", API_KEY, API_SECRET).send().status == 404


def test_provider_script_serves_the_command_of_its_docstring(tmp_path: Path) -> None:
    env = child_env(OAUTH_CONSUMER_KEY="demo-key", OAUTH_CONSUMER_SECRET="demo-secret")
    with subprocess.Popen([sys.executable, str(EXAMPLES / "provider.py"), "0"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path) as server:
        assert server.stdout is not None
        banner = server.stdout.readline()
        match = re.fullmatch(r"Serving (http://127\.0\.0\.1:\d+/photos) for consumer 'demo-key'; Ctrl-C stops\.\n",
                             banner)
        try:
            assert match, banner
            # The docstring's command, with this server's port.
            done = subprocess.run(
                [sys.executable, "-m", "oauth2", "request", "GET", match.group(1) + "?size=large"],
                capture_output=True, text=True, env=env, cwd=tmp_path, timeout=TIMEOUT,
            )
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["parameters"] == {"size": "large"}
    assert server.returncode == 0


# -------------------------------------------------------------- lti_launch.py

LTI_KEY, LTI_SECRET = "lms.example.edu", "lti s3cret"

LAUNCH = {
    "lti_message_type": "basic-lti-launch-request",
    "lti_version": "LTI-1p0",
    "resource_link_id": "course-7-unit-2",
    "user_id": "292832126",
    "roles": "Learner",
    "lis_person_name_full": "Ada <Lovelace>",
    "context_id": "course-7",
}


@pytest.fixture
def launch_url() -> Iterator[str]:
    """lti_launch.py's app, knowing one LMS, served on 127.0.0.1; yields its launch URL."""
    app = load_example("lti_launch").make_app({LTI_KEY: LTI_SECRET})
    with serving(app) as base_url:
        yield base_url + "/launch"


def launch(url: str, form: Mapping[str, str] = LAUNCH, secret: str = LTI_SECRET, **options: Any) -> Signed:
    """A launch as an LMS sends it: a form POST with the OAuth parameters in the body."""
    return signed_by_oauthlib("POST", url, LTI_KEY, secret, form, in_body=True, **options)


def test_lti_launch_greets_the_learner(launch_url: str) -> None:
    signed = launch(launch_url)
    assert b"oauth_signature=" in (signed.body or b"")
    reply = signed.send()
    assert (reply.status, reply.headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    assert "<p>Hello Ada &lt;Lovelace&gt;!</p>" in reply.body.decode()


def test_lti_launch_accepts_oauth2_client_in_the_body(launch_url: str) -> None:
    client = oauth.Client(oauth.Consumer(LTI_KEY, LTI_SECRET), placement="body")
    response, content = client.request(launch_url, "POST", body=urllib.parse.urlencode(LAUNCH),
                                       headers={"Content-Type": FORM})
    assert response.status == 200
    assert "Hello Ada &lt;Lovelace&gt;!" in content.decode()


def test_lti_launch_refuses_a_replay(launch_url: str) -> None:
    signed = launch(launch_url)
    assert signed.send().status == 200
    replay = signed.send()
    assert (replay.status, replay.oauth_problem) == (401, "nonce_used")
    assert "oauth_problem=nonce_used" in replay.body.decode()


def test_lti_launch_refuses_a_wrong_secret(launch_url: str) -> None:
    reply = launch(launch_url, secret="guessed").send()
    assert (reply.status, reply.oauth_problem) == (401, "signature_invalid")
    assert "Launch refused: oauth_problem=signature_invalid" in reply.body.decode()
    assert "Hello" not in reply.body.decode()


def test_lti_launch_accepts_hmac_sha1_only(launch_url: str) -> None:
    reply = launch(launch_url, signature_method=oauthlib.oauth1.SIGNATURE_HMAC_SHA256).send()
    assert (reply.status, reply.oauth_problem) == (400, "signature_method_rejected")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"resource_link_id": ""}, "resource_link_id must be set"),
        ({"lti_version": "LTI-2p0"}, "lti_version must be LTI-1p0"),
        ({"lti_message_type": "ContentItemSelectionRequest"}, "lti_message_type must be basic-lti-launch-request"),
    ],
)
def test_lti_launch_checks_the_lti_parameters(launch_url: str, change: dict[str, str], problem: str) -> None:
    form = {k: v for k, v in {**LAUNCH, **change}.items() if v}
    reply = launch(launch_url, form).send()
    assert reply.status == 400
    assert f"Not an LTI 1.1 launch: {problem}." in reply.body.decode()


def test_lti_launch_is_a_post(launch_url: str) -> None:
    reply = send("GET", launch_url)
    assert (reply.status, reply.headers["Allow"]) == (405, "POST")


# ----------------------------------------------------------- gmail_xoauth2.py


@pytest.fixture(scope="module")
def imap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[IMAPEndpoints, Path]]:
    """The IMAP test servers in a child process, and the CA file that trusts them."""
    cert_path, key_path = write_self_signed_cert(tmp_path_factory.mktemp("examples-imap-tls"))
    with imap_server_process(cert_path, key_path, Account()) as endpoints:
        yield endpoints, cert_path


def run_gmail(imap: tuple[IMAPEndpoints, Path], token: str, *, cafile: bool = True) -> subprocess.CompletedProcess[str]:
    """Run gmail_xoauth2.py against the IMAP test server, trusting its certificate if ``cafile``."""
    endpoints, cert_path = imap
    command = [sys.executable, str(EXAMPLES / "gmail_xoauth2.py"), endpoints.account.email,
               "--host", endpoints.host, "--port", str(endpoints.implicit_tls_port)]
    if cafile:
        command += ["--cafile", str(cert_path)]
    return subprocess.run(command, capture_output=True, text=True, env=child_env(XOAUTH2_ACCESS_TOKEN=token),
                          timeout=TIMEOUT, stdin=subprocess.DEVNULL)


def test_gmail_xoauth2_counts_the_inbox(imap: tuple[IMAPEndpoints, Path]) -> None:
    done = run_gmail(imap, imap[0].account.access_token)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{imap[0].account.email}: {len(INBOX_MESSAGES)} messages in INBOX\n"


def test_gmail_xoauth2_reports_a_refused_token(imap: tuple[IMAPEndpoints, Path]) -> None:
    done = run_gmail(imap, "ya29.expired")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("Login refused: ")
    assert "invalid bearer token" in done.stderr
    # The JSON Gmail explains a refusal with, decoded by oauth2.clients.imap.
    assert '"schemes":"Bearer"' in done.stderr


def test_gmail_xoauth2_checks_the_certificate_against_the_system_cas(imap: tuple[IMAPEndpoints, Path]) -> None:
    done = run_gmail(imap, imap[0].account.access_token, cafile=False)
    assert done.returncode != 0
    assert "CERTIFICATE_VERIFY_FAILED" in done.stderr
    assert done.stdout == ""
