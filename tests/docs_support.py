"""What the tests of the docs share: README's text, the user's PIN and an IMAP server process.

* ``README_TEXT``, ``section_text`` and ``marked_block`` read README.md.
* ``browse_pin`` is the user approving an authorization at the embedded
  Provider (over ``loopback.send``).
* ``imap_server_process`` runs the IMAP test servers (``imap_server.py``) in
  a child process: Twisted's reactor runs once per process, and
  ``test_imap.py`` may already own it in this pytest worker. The child,
  ``python docs_support.py CERT KEY ACCOUNT_JSON``, prints its listeners'
  ports as one JSON line, serves until its standard input is closed, then
  prints the errors the servers logged as a second JSON line.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from loopback import HOST, TIMEOUT, send
from xoauth_verifier import Account

# ----------------------------------------------------------------------- README

README_TEXT = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def section_text(heading: str) -> str:
    """The README text under ``## heading``, up to the next heading of level 2 or above
    (a ``# comment`` line inside a code block is not a heading)."""
    lines: list[str] = []
    inside = in_code = False
    for line in README_TEXT.splitlines(keepends=True):
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and re.match(r"#{1,2} ", line):
            if inside:
                break
            inside = line.rstrip("\n") == f"## {heading}"
            continue
        if inside:
            lines.append(line)
    assert inside, f"README.md has no section '## {heading}'"
    return "".join(lines)


def marked_block(marker: str) -> str:
    """The content of the code block between ``<!-- marker -->`` and ``<!-- /marker -->``."""
    match = re.search(rf"^<!-- {marker} -->\n```[^\n]*\n(.*?)```\n<!-- /{marker} -->$", README_TEXT,
                      re.MULTILINE | re.DOTALL)
    assert match, f"README.md has no code block between <!-- {marker} --> markers"
    return match.group(1)


# ------------------------------------------------------------------------- HTTP


def browse_pin(url: str) -> str:
    """What the user does: open the authorization URL and read the PIN on the embedded Provider's page."""
    page = send("GET", url)
    assert page.status == 200, page
    match = re.search(r"Your PIN: (\S+)", page.body.decode())
    assert match, page.body
    return match.group(1)


# ------------------------------------------------------------------------- IMAP


@dataclass(frozen=True)
class IMAPEndpoints:
    """Where the child's listeners are (see ``imap_server.IMAPServers``)."""

    account: Account
    implicit_tls_port: int
    starttls_port: int
    xoauth2_only_port: int
    host: str = HOST


@contextmanager
def imap_server_process(cert_path: Path, key_path: Path, account: Account) -> Iterator[IMAPEndpoints]:
    """Run the IMAP test servers in a child process for the ``with`` block.

    On the way out, fails if the servers logged an unexpected error.
    """
    child = subprocess.Popen(
        [sys.executable, __file__, str(cert_path), str(key_path), json.dumps(dataclasses.asdict(account))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent,
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        ready = child.stdout.readline()
        if not ready:
            raise RuntimeError(f"the IMAP server process exited with status {child.wait()} before listening")
        yield IMAPEndpoints(account=account, **json.loads(ready))
    finally:
        child.stdin.close()
        errors = child.stdout.read()
        child.wait(timeout=TIMEOUT)
    assert child.returncode == 0, f"the IMAP server process exited with status {child.returncode}"
    assert json.loads(errors) == [], errors


def main(argv: list[str]) -> None:
    """Serve until standard input closes (the child's side of ``imap_server_process``)."""
    from imap_server import running_imap_servers

    cert_path, key_path, account_json = argv
    account = Account(**json.loads(account_json))
    with running_imap_servers(Path(cert_path), Path(key_path), account) as servers:
        ports = {
            "implicit_tls_port": servers.implicit_tls_port,
            "starttls_port": servers.starttls_port,
            "xoauth2_only_port": servers.xoauth2_only_port,
        }
        print(json.dumps(ports), flush=True)
        sys.stdin.read()
        errors = list(servers.errors)
    print(json.dumps(errors), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
