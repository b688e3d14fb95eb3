"""python-oauth2 1.9's README examples, ported to Python 3, for the tests to run against providers."""

# The examples keep their %-formatting: they are ported, not rewritten.
# ruff: noqa: UP031

from __future__ import annotations

import re
import urllib.parse
from typing import Callable, List

import oauth2 as oauth


def twitter_three_legged(consumer_key: str, consumer_secret: str, request_token_url: str,
                         access_token_url: str, authorize_url: str) -> dict[str, str]:
    """python-oauth2 1.9's README "Twitter Three-legged OAuth Example", ported to Python 3.

    Only the Python 3 changes are made (print(), input(), parse_qsl on decoded
    content), plus ``callback='oob'`` in step 1: the original relied on the
    provider's registered callback, as OAuth 1.0 allowed, but RFC 5849
    §2.1 (1.0a) makes ``oauth_callback`` required, and the embedded Provider
    enforces it.
    """
    consumer = oauth.Consumer(consumer_key, consumer_secret)
    client = oauth.Client(consumer)

    # Step 1: Get a request token. This is a temporary token that is used for
    # having the user authorize an access token and to sign the request to obtain
    # said access token.

    resp, content = client.request(request_token_url, "GET", callback="oob")
    if resp['status'] != '200':
        raise Exception("Invalid response %s." % resp['status'])

    request_token = dict(urllib.parse.parse_qsl(content.decode()))

    print("Request Token:")
    print("    - oauth_token        = %s" % request_token['oauth_token'])
    print("    - oauth_token_secret = %s" % request_token['oauth_token_secret'])
    print()

    # Step 2: Redirect to the provider. Since this is a CLI script we do not
    # redirect. In a web application you would redirect the user to the URL
    # below.

    print("Go to the following link in your browser:")
    print("%s?oauth_token=%s" % (authorize_url, request_token['oauth_token']))
    print()

    # After the user has granted access to you, the consumer, the provider will
    # redirect you to whatever URL you have told them to redirect to. You can
    # usually define this in the oauth_callback argument as well.
    accepted = 'n'
    while accepted.lower() == 'n':
        accepted = input('Have you authorized me? (y/n) ')
    oauth_verifier = input('What is the PIN? ')

    # Step 3: Once the consumer has redirected the user back to the oauth_callback
    # URL you can request the access token the user has approved. You use the
    # request token to sign this request. After this is done you throw away the
    # request token and use the access token returned. You should store this
    # access token somewhere safe, like a database, for future use.
    token = oauth.Token(request_token['oauth_token'],
                        request_token['oauth_token_secret'])
    token.set_verifier(oauth_verifier)
    client = oauth.Client(consumer, token)

    resp, content = client.request(access_token_url, "POST")
    access_token = dict(urllib.parse.parse_qsl(content.decode()))

    print("Access Token:")
    print("    - oauth_token        = %s" % access_token['oauth_token'])
    print("    - oauth_token_secret = %s" % access_token['oauth_token_secret'])
    print()
    print("You may now access protected resources using the access tokens above.")
    print()
    return access_token


class TerminalUser:
    """The person at the terminal of the Twitter example: opens the printed link, allows, types the PIN.

    ``approve(url)`` stands for the browser: it returns the PIN the provider's
    page shows. The first "Have you authorized me?" is answered with
    ``not_yet`` so that the script must ask again.
    """

    def __init__(self, read_output: Callable[[], str], approve: Callable[[str], str], not_yet: str = "n") -> None:
        self.read_output, self.approve, self.not_yet = read_output, approve, not_yet
        self.prompts: List[str] = []
        self.pins: List[str] = []

    def __call__(self, prompt: str = "") -> str:
        self.prompts.append(prompt)
        if prompt.startswith("Have you authorized me?"):
            if len(self.prompts) == 1:
                return self.not_yet
            printed = self.read_output()
            link = re.search(r"^(http://\S+/authorize\?oauth_token=\S+)$", printed, re.MULTILINE)
            assert link, printed
            self.pins.append(self.approve(link.group(1)))
            return "y"
        assert prompt == "What is the PIN? "
        return self.pins[0]
