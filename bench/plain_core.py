"""oauth2 against oauthlib through the public seams, on inputs that change every call (issue 23).

    python bench/plain_core.py [--rounds N]

Sign: ``oauth2.sign()`` given a URL (a GET, a GET with 40 query parameters)
or a urlencoded form body (a POST), against oauthlib's ``Client.sign`` on the
same inputs. Verify: ``Request.from_request`` + ``Server.verify_request``
against oauthlib's ``SignatureOnlyEndpoint.validate_request``, on GETs that
oauthlib signed. Each call gets a URL of its own (and a fresh nonce);
rounds alternate the two libraries, and the best round of each is kept.
"""

from __future__ import annotations

import argparse
import itertools
import time
from typing import Callable, Dict, List, Optional, Tuple
from urllib.parse import urlencode

import oauthlib.oauth1
from oauthlib.oauth1 import RequestValidator, SignatureOnlyEndpoint

import oauth2

CK, CS, TK, TS = "consumer-key", "consumer-secret", "token-key", "token-secret"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
OPS = 2000


def get_url(i: int) -> str:
    return f"https://api.example.com/1.1/statuses/show.json?id={i}&include_entities=true"


def forty_url(i: int) -> str:
    return "https://api.example.com/search?" + urlencode([(f"p{n:02d}", f"value {n} {i}") for n in range(40)])


def form_body(i: int) -> str:
    return urlencode({"status": f"Hello world number {i}!", "in_reply_to_status_id": str(i)})


def ours_sign(kind: str) -> Callable[[int], object]:
    consumer, token = oauth2.Consumer(CK, CS), oauth2.Token(TK, TS)
    if kind == "post":
        return lambda i: oauth2.sign("POST", "https://api.example.com/1.1/statuses/update.json", consumer, token,
                                     headers=FORM, body=form_body(i))
    url = get_url if kind == "get" else forty_url
    return lambda i: oauth2.sign("GET", url(i), consumer, token)


def oauthlib_sign(kind: str) -> Callable[[int], object]:
    client = oauthlib.oauth1.Client(CK, client_secret=CS, resource_owner_key=TK, resource_owner_secret=TS)
    if kind == "post":
        return lambda i: client.sign("https://api.example.com/1.1/statuses/update.json", "POST",
                                     body=form_body(i), headers=FORM)
    url = get_url if kind == "get" else forty_url
    return lambda i: client.sign(url(i), "GET")


class _Validator(RequestValidator):
    """What a provider gives oauthlib: secrets, and a nonce store in memory."""

    def __init__(self) -> None:
        super().__init__()
        self.nonces: set = set()

    @property
    def enforce_ssl(self) -> bool:
        return False

    def check_client_key(self, client_key: str) -> bool:
        return True

    def check_access_token(self, request_token: str) -> bool:
        return True

    def check_nonce(self, nonce: str) -> bool:
        return True

    def validate_client_key(self, client_key: str, request: object) -> bool:
        return client_key == CK

    def get_client_secret(self, client_key: str, request: object) -> str:
        return CS

    def validate_access_token(self, client_key: str, token: str, request: object) -> bool:
        return token == TK

    def get_access_token_secret(self, client_key: str, token: str, request: object) -> str:
        return TS

    def validate_timestamp_and_nonce(self, client_key: str, timestamp: str, nonce: str, request: object,
                                     request_token: Optional[str] = None, access_token: Optional[str] = None) -> bool:
        key = (client_key, timestamp, nonce, access_token)
        if key in self.nonces:
            return False
        self.nonces.add(key)
        return True


Received = List[Tuple[str, Dict[str, str]]]


def received(start: int) -> Received:
    client = oauthlib.oauth1.Client(CK, client_secret=CS, resource_owner_key=TK, resource_owner_secret=TS)
    return [client.sign(get_url(start + i))[0:2] for i in range(OPS)]  # type: ignore[misc]


def ours_verify(requests: Received) -> Callable[[int], object]:
    server = oauth2.Server([oauth2.SignatureMethod_HMAC_SHA1()])
    consumer, token = oauth2.Consumer(CK, CS), oauth2.Token(TK, TS)

    def verify(i: int) -> object:
        url, headers = requests[i % OPS]
        return server.verify_request(oauth2.Request.from_request("GET", url, headers), consumer, token)

    return verify


def oauthlib_verify(requests: Received) -> Callable[[int], object]:
    endpoint = SignatureOnlyEndpoint(_Validator())

    def verify(i: int) -> object:
        url, headers = requests[i % OPS]
        valid, _ = endpoint.validate_request(url, "GET", None, headers)
        assert valid
        return valid

    return verify


def rate(call: Callable[[int], object], start: int) -> float:
    began = time.perf_counter()
    for i in range(start, start + OPS):
        call(i)
    return OPS / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    rounds = parser.parse_args().rounds
    counter = itertools.count(0, OPS)
    print(f"oauth2 {oauth2.__version__} ({oauth2.__file__}), oauthlib {oauthlib.__version__}; best of {rounds} rounds")
    for name in ("get", "post", "forty", "verify"):
        best = {"oauth2": 0.0, "oauthlib": 0.0}
        for _ in range(rounds):
            if name == "verify":
                pair = {"oauth2": ours_verify(received(next(counter))),
                        "oauthlib": oauthlib_verify(received(next(counter)))}
            else:
                pair = {"oauth2": ours_sign(name), "oauthlib": oauthlib_sign(name)}
            for impl, call in pair.items():
                best[impl] = max(best[impl], rate(call, next(counter)))
        print(f"{name:7s} oauth2 {best['oauth2']:9.0f}/s  oauthlib {best['oauthlib']:8.0f}/s  "
              f"ratio {best['oauth2'] / best['oauthlib']:.2f}x")


if __name__ == "__main__":
    main()
