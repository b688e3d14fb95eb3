"""Three-legged OAuth 1.0a from the command line: get a user's token, then call an API with it.

The PIN ("out of band") flow: the script obtains a request token, prints the
URL where the user approves the application, reads the PIN the provider
shows them, exchanges it for the user's access token and calls a protected
resource with it::

    export OAUTH_CONSUMER_KEY=... OAUTH_CONSUMER_SECRET=...   # or --consumer-key/--consumer-secret
    python examples/three_legged.py \\
        --request-token-url https://api.example.com/oauth/request_token \\
        --authorize-url https://api.example.com/oauth/authorize \\
        --access-token-url https://api.example.com/oauth/access_token \\
        --resource-url https://api.example.com/1.1/account/verify_credentials.json

Standard library, oauth2 and its httplib2 only. The access token it prints signs every
later request of that user: keep it as safe as a password.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional

import httplib2

import oauth2 as oauth


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    """The command line; the consumer credentials may come from the environment instead."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consumer-key", default=os.environ.get("OAUTH_CONSUMER_KEY"))
    parser.add_argument("--consumer-secret", default=os.environ.get("OAUTH_CONSUMER_SECRET"))
    parser.add_argument("--request-token-url", required=True)
    parser.add_argument("--authorize-url", required=True)
    parser.add_argument("--access-token-url", required=True)
    parser.add_argument("--resource-url", required=True)
    args = parser.parse_args(argv)
    if not args.consumer_key or args.consumer_secret is None:
        parser.error("give the consumer credentials: --consumer-key and --consumer-secret, "
                     "or OAUTH_CONSUMER_KEY and OAUTH_CONSUMER_SECRET")
    return args


def read_pin() -> str:
    """The PIN the user types, asked again after an empty line (EOFError at the end of the input)."""
    while True:
        pin = input("PIN: ").strip()
        if pin:
            return pin
        print("Type the PIN the provider showed once you approved (Ctrl-D to give up).")


def run(args: argparse.Namespace) -> int:
    """The flow, then one call to the protected resource; returns the exit status."""
    client = oauth.Client(oauth.Consumer(args.consumer_key, args.consumer_secret), timeout=30)
    try:
        client.fetch_request_token(args.request_token_url, callback="oob")
        print("Open this URL, approve the application, and come back with the PIN:")
        print(client.authorization_url(args.authorize_url))
        access_token = client.fetch_access_token(args.access_token_url, read_pin())
    except oauth.ProviderError as e:
        print(f"The provider refused: {e}", file=sys.stderr)
        return 1
    print(f"Access token: {access_token.key} (user: {access_token.extra.get('screen_name', 'unknown')})")

    response, content = client.request(args.resource_url)
    print(f"HTTP {response.status}")
    print(content.decode("utf-8", "replace"))
    return 0 if response.status < 400 else 1


def main(argv: Optional[List[str]] = None) -> int:
    """Run the flow; returns the exit status (1 if the provider refuses a step or cannot be reached)."""
    args = parse_args(argv)
    try:
        return run(args)
    except (OSError, httplib2.HttpLib2Error) as e:  # refused, unknown host, timed out, TLS
        print(f"Cannot reach the provider: {e}", file=sys.stderr)
    except EOFError:
        print("No PIN given.", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
