"""The example scripts when things go wrong: a server that is not there, a PIN left empty."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

from docs_support import browse_pin
from loopback import HOST, TIMEOUT
from test_examples import EXAMPLES, child_env

from oauth2.provider import Provider


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (it was free a moment ago)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
    return port


def assert_one_clear_line(done: subprocess.CompletedProcess[str], start: str) -> None:
    assert done.returncode == 1, done
    assert "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert done.stderr.startswith(start), done.stderr


def three_legged_command(base_url: str) -> list[str]:
    return [sys.executable, str(EXAMPLES / "three_legged.py"), "--request-token-url", base_url + "/request_token",
            "--authorize-url", base_url + "/authorize", "--access-token-url", base_url + "/access_token",
            "--resource-url", base_url + "/resource"]


def test_three_legged_says_when_the_provider_cannot_be_reached(tmp_path: Path) -> None:
    env = child_env(OAUTH_CONSUMER_KEY="k", OAUTH_CONSUMER_SECRET="s")
    done = subprocess.run(three_legged_command(f"http://{HOST}:{closed_port()}"), capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    assert_one_clear_line(done, "Cannot reach the provider: ")
    assert done.stdout == ""


def test_gmail_xoauth2_says_when_the_server_cannot_be_reached(tmp_path: Path) -> None:
    port = closed_port()
    command = [sys.executable, str(EXAMPLES / "gmail_xoauth2.py"), "you@example.com", "--host", HOST,
               "--port", str(port)]
    done = subprocess.run(command, capture_output=True, text=True, env=child_env(XOAUTH2_ACCESS_TOKEN="ya29.x"),
                          cwd=tmp_path, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    assert_one_clear_line(done, f"Cannot connect to {HOST}:{port}: ")
    assert done.stdout == ""


def run_with_answers(provider: Provider, tmp_path: Path, answers: list[str]) -> tuple[int, str, str]:
    """Run three_legged.py, answering each PIN prompt with the next answer ("PIN" is the real one)."""
    assert provider.consumer.key and provider.consumer.secret
    env = child_env(OAUTH_CONSUMER_KEY=provider.consumer.key, OAUTH_CONSUMER_SECRET=provider.consumer.secret)
    with subprocess.Popen(three_legged_command(provider.base_url), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path) as child:
        assert child.stdin is not None and child.stdout is not None and child.stderr is not None
        shown = ""
        for answer in answers:
            while not shown.endswith("PIN: "):  # the prompt ends without a newline: read characters
                chunk = child.stdout.read(1)
                assert chunk, (shown, child.stderr.read())
                shown += chunk
            if answer == "PIN":
                [url] = [line for line in shown.splitlines() if line.startswith(provider.authorize_url)]
                answer = browse_pin(url)
            child.stdin.write(answer + "\n")
            child.stdin.flush()
            shown += "\n"  # what the terminal would echo
        child.stdin.close()
        out = shown + child.stdout.read()
        return child.wait(timeout=TIMEOUT), out, child.stderr.read()


def test_three_legged_asks_again_after_an_empty_pin(tmp_path: Path) -> None:
    with Provider() as provider:
        status, out, err = run_with_answers(provider, tmp_path, ["", "   ", "PIN"])
        verdicts = [entry.error for entry in provider.log]
    assert status == 0, err
    assert out.count("PIN: ") == 3
    assert out.count("Type the PIN the provider showed once you approved (Ctrl-D to give up).") == 2
    assert json.loads(out.splitlines()[-1])["user"] == "alice"
    assert verdicts == [None, None, None]  # no access-token request with an empty verifier


def test_three_legged_without_a_pin_says_so(tmp_path: Path) -> None:
    with Provider() as provider:
        status, out, err = run_with_answers(provider, tmp_path, [""])  # then the input ends
        verdicts = [entry.error for entry in provider.log]
    assert (status, err) == (1, "No PIN given.\n")
    assert verdicts == [None]  # the request token only
