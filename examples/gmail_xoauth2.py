"""Log in to Gmail over IMAP with XOAUTH2 (an OAuth 2.0 access token) and count the INBOX.

Get an access token for the scope ``https://mail.google.com/`` from Google's
OAuth 2.0 flow (oauth2 does not do that part: it is OAuth 2, not 1.0a),
then::

    export XOAUTH2_ACCESS_TOKEN=ya29....      # or --token, but the environment keeps it out of `ps`
    python examples/gmail_xoauth2.py you@gmail.com

It connects with TLS to imap.gmail.com:993, checking the certificate against
the system's CAs (``--cafile`` trusts another CA instead, ``--host`` and
``--port`` pick another server, such as Outlook's outlook.office365.com),
logs in and prints how many messages the INBOX holds. A refused login, or a
server it cannot reach, is one line on stderr with the explanation, and exit
status 1.
Standard library and oauth2 only.
"""

from __future__ import annotations

import argparse
import os
import ssl
import sys
from typing import List, Optional

import oauth2.clients.imap as imaplib


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    """The command line; the token may come from XOAUTH2_ACCESS_TOKEN instead of --token."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("user", help="the mailbox's e-mail address")
    parser.add_argument("--token", default=os.environ.get("XOAUTH2_ACCESS_TOKEN"),
                        help="the OAuth 2.0 access token (default: $XOAUTH2_ACCESS_TOKEN)")
    parser.add_argument("--host", default="imap.gmail.com")
    parser.add_argument("--port", type=int, default=993)
    parser.add_argument("--cafile", help="trust this PEM CA file instead of the system's CAs")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("give the access token: --token or XOAUTH2_ACCESS_TOKEN")
    return args


def main(argv: Optional[List[str]] = None) -> int:
    """Log in, count the INBOX, log out; returns the exit status."""
    args = parse_args(argv)
    try:
        return count_inbox(args)
    except OSError as e:  # refused, unknown host, timed out, a certificate that does not check out
        print(f"Cannot connect to {args.host}:{args.port}: {e}", file=sys.stderr)
        return 1


def count_inbox(args: argparse.Namespace) -> int:
    """Log in, count the INBOX, log out; returns the exit status."""
    # create_default_context checks the certificate and the host name.
    context = ssl.create_default_context(cafile=args.cafile)
    with imaplib.IMAP4_SSL(args.host, args.port, ssl_context=context, timeout=30) as conn:
        try:
            conn.authenticate_xoauth2(args.user, args.token)
        except imaplib.IMAP4.error as e:
            print(f"Login refused: {e}", file=sys.stderr)
            return 1
        typ, data = conn.select("INBOX", readonly=True)
        if typ != "OK":
            print(f"Cannot open the INBOX: {data[0]!r}", file=sys.stderr)
            return 1
        print(f"{args.user}: {int(data[0] or 0)} messages in INBOX")
    return 0


if __name__ == "__main__":
    sys.exit(main())
