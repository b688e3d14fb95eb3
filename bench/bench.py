"""Benchmark: oauth2 against oauthlib, on the raw inputs users have, interleaved round by round.

    python bench/bench.py                # 11 rounds of 1,000 operations
    python bench/bench.py --rounds 21 --ops 2000
    python bench/bench.py --quick        # 3 rounds of 300: a smoke run, not a measurement

Every implementation gets the same raw request: a URL with its query and, for
a form POST, the urlencoded body with ``Content-Type:
application/x-www-form-urlencoded``. Signing is ``oauth2.sign(...)`` against
``oauthlib.oauth1.Client(...).sign(...)``; verifying is
``oauth2.Request.from_request(...)`` + ``Server.verify_request(...)`` against
oauthlib's ``ResourceEndpoint.validate_protected_resource_request(...)``.
Both servers check the timestamp and the signature; their nonce stores accept
everything, so that no store is measured. A third column is a plain-stdlib
signer and verifier (no caching across calls): the floor of what Python can do.

Each call takes a new input from a seeded pool of distinct URLs, bodies or
signed requests, each used once per implementation. Each round runs every
implementation on the same inputs, one after the other, so that a slow moment
of the machine hits all of them; the table gives the median ops/s and the
median of the per-round ratios. Not a test: tests never time anything.
"""

from __future__ import annotations

import argparse
import hmac
import random
import re
import secrets
import statistics
import sys
import time
from binascii import b2a_base64
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import oauthlib.oauth1
from oauthlib.oauth1 import RequestValidator, ResourceEndpoint

import oauth2

CK, CS, TK, TS = "xvz1evFS4wEEPTGEFPHBog", "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw", \
    "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb", "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"
FORM_URL = "https://api.example.com/1.1/statuses/update.json"
FORM = "application/x-www-form-urlencoded"
FORM_HEADERS = {"Content-Type": FORM}

Workload = Callable[[], object]
Trio = Tuple[Workload, ...]  # oauth2, oauthlib, stdlib reference
# A workload's three implementations for one round, given the round's number and size.
Maker = Callable[[int, int], Trio]
Call = Callable[..., object]
IMPLS = ("oauth2", "oauthlib", "stdlib")

# ------------------------------------------------------------------ signing


def oauth2_signer(method: str, headers: Dict[str, str]) -> Call:
    consumer, token = oauth2.Consumer(CK, CS), oauth2.Token(TK, TS)

    def sign(url: str, body: Optional[str] = None) -> str:
        return oauth2.sign(method, url, consumer, token, headers=headers, body=body).headers["Authorization"]

    return sign


def oauthlib_signer(method: str, headers: Dict[str, str]) -> Call:
    client = oauthlib.oauth1.Client(CK, client_secret=CS, resource_owner_key=TK, resource_owner_secret=TS)
    return lambda url, body=None: client.sign(url, method, body, headers)[1]["Authorization"]


def stdlib_signer(method: str, headers: Dict[str, str]) -> Call:
    return lambda url, body=None: stdlib_sign(method, url, body, headers)


def signers(method: str = "GET") -> Tuple[Call, Call, Call]:
    """The three implementations' signers of ``method`` requests (form bodies for POST), in IMPLS order."""
    headers = FORM_HEADERS if method == "POST" else {}
    return oauth2_signer(method, headers), oauthlib_signer(method, headers), stdlib_signer(method, headers)


def dict_signer_1_9(method: str) -> Call:
    """python-oauth2 1.9's way: the caller hands over the form as a parsed dict, no body to parse."""
    consumer, token = oauth2.Consumer(CK, CS), oauth2.Token(TK, TS)
    sha1 = oauth2.SignatureMethod_HMAC_SHA1()

    def sign(url: str, params: Dict[str, str]) -> str:
        request = oauth2.Request.from_consumer_and_token(
            consumer, token, method, url, parameters=params, is_form_encoded=True
        )
        request.sign_request(sha1, consumer, token)
        return request.to_header()["Authorization"]

    return sign


# ---------------------------------------------------------------- verifying

Received = List[Tuple[str, Dict[str, str]]]


def signed(urls: Iterable[str]) -> Received:
    """GET requests to ``urls`` as a provider receives them (URL and headers), each with its own nonce."""
    client = oauthlib.oauth1.Client(CK, client_secret=CS, resource_owner_key=TK, resource_owner_secret=TS)
    return [client.sign(url)[0:2] for url in urls]


class AcceptAll(oauth2.NonceStore):
    """A nonce store that takes every nonce: the benchmark measures the server, not a store."""

    def add(self, consumer_key: str, token: Optional[str], timestamp: int, nonce: str, ttl: int) -> bool:
        return True


def oauth2_verifier() -> Call:
    server = oauth2.Server([oauth2.SignatureMethod_HMAC_SHA1()], nonce_store=AcceptAll())
    consumer, token = oauth2.Consumer(CK, CS), oauth2.Token(TK, TS)

    def verify(url: str, headers: Dict[str, str]) -> object:
        return server.verify_request(oauth2.Request.from_request("GET", url, headers), consumer, token)

    return verify


class _Validator(RequestValidator):
    """What a provider gives oauthlib: the secrets, and a nonce store that accepts everything."""

    def check_access_token(self, request_token: str) -> bool:
        return True  # oauthlib's default wants 20-30 characters; Twitter's tokens have 50

    def validate_timestamp_and_nonce(self, client_key: str, timestamp: str, nonce: str, request: object,
                                     request_token: Optional[str] = None, access_token: Optional[str] = None) -> bool:
        return True

    def validate_client_key(self, client_key: str, request: object) -> bool:
        return client_key == CK

    def get_client_secret(self, client_key: str, request: object) -> str:
        return CS

    def validate_access_token(self, client_key: str, token: str, request: object) -> bool:
        return token == TK

    def get_access_token_secret(self, client_key: str, token: str, request: object) -> str:
        return TS

    def validate_realms(self, *args: Any, **kwargs: Any) -> bool:
        return True


def oauthlib_verifier() -> Call:
    endpoint = ResourceEndpoint(_Validator())

    def verify(url: str, headers: Dict[str, str]) -> bool:
        valid, _ = endpoint.validate_protected_resource_request(url, "GET", None, headers)
        assert valid
        return valid

    return verify


def stdlib_verifier() -> Call:
    def verify(url: str, headers: Dict[str, str]) -> bool:
        valid = stdlib_verify("GET", url, headers)
        assert valid
        return valid

    return verify


# ----------------------------------------------------- plain-stdlib reference

# What a careful author writes with the standard library alone, without
# caching anything across calls: the floor the library is measured against.
_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]*")
_DEFAULT_PORT = {"http": ":80", "https": ":443"}
_HEADER_PAIR = re.compile(r'([^\s=,]+)="([^"]*)"')


def _enc(s: str) -> str:
    return s if _UNRESERVED.fullmatch(s) else quote(s, safe="~")


def stdlib_base_string(method: str, url: str, pairs: Iterable[Tuple[str, str]]) -> str:
    scheme, netloc, path, query, _ = urlsplit(url)
    scheme = scheme.lower()
    netloc = netloc.lower().removesuffix(_DEFAULT_PORT.get(scheme, "\0"))
    encoded = sorted((_enc(k), _enc(v)) for k, v in [*parse_qsl(query, keep_blank_values=True), *pairs])
    # Encoded already: only "%", "&" and "=" are left to encode.
    params = "&".join(f"{k}={v}" for k, v in encoded).replace("%", "%25").replace("&", "%26").replace("=", "%3D")
    uri = f"{scheme}://{netloc}{path or '/'}"
    return f"{method}&{_enc(uri)}&{params}"


def stdlib_signature(base_string: str) -> str:
    mac = hmac.new(f"{_enc(CS)}&{_enc(TS)}".encode(), base_string.encode(), "sha1")
    return b2a_base64(mac.digest(), newline=False).decode()


def stdlib_sign(method: str, url: str, body: Optional[str], headers: Dict[str, str]) -> str:
    is_form = headers.get("Content-Type", "").partition(";")[0].strip().lower() == FORM
    form = parse_qsl(body, keep_blank_values=True) if body and is_form else []
    oauth = [("oauth_consumer_key", CK), ("oauth_nonce", secrets.token_hex(12)),
             ("oauth_signature_method", "HMAC-SHA1"), ("oauth_timestamp", str(int(time.time()))),
             ("oauth_token", TK), ("oauth_version", "1.0")]
    oauth.append(("oauth_signature", stdlib_signature(stdlib_base_string(method, url, [*oauth, *form]))))
    return "OAuth " + ", ".join(f'{k}="{_enc(v)}"' for k, v in oauth)


def stdlib_verify(method: str, url: str, headers: Dict[str, str]) -> bool:
    oauth = {k: unquote(v) for k, v in _HEADER_PAIR.findall(headers["Authorization"]) if k != "realm"}
    signature = oauth.pop("oauth_signature")
    if oauth["oauth_consumer_key"] != CK or oauth["oauth_token"] != TK:
        return False
    if abs(int(oauth["oauth_timestamp"]) - time.time()) > 300:
        return False
    return hmac.compare_digest(stdlib_signature(stdlib_base_string(method, url, oauth.items())), signature)


# ---------------------------------------------------------------- workloads

WORDS = ["the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "café", "naïve", "rôle",
         "50%", "off!", "&", "~", "(draft)", "#oauth", "@user", "+1"]


def status_urls(rng: random.Random, size: int) -> List[str]:
    ids = rng.sample(range(10**17, 10**18), size)
    flags = rng.choices(("true", "false"), k=size)
    return [f"https://api.example.com/1.1/statuses/show/{i}.json?id={i}&include_entities={x}"
            for i, x in zip(ids, flags)]


def status_forms(rng: random.Random, size: int) -> List[Dict[str, str]]:
    return [{"status": f"{' '.join(rng.choices(WORDS, k=10))} #{n}", "include_entities": "true",
             "lat": f"{rng.uniform(-90, 90):.10f}", "long": f"{rng.uniform(-180, 180):.10f}",
             "place_id": f"{rng.getrandbits(64):016x}", "display_coordinates": "true"} for n in range(size)]


def search_urls(rng: random.Random, size: int) -> List[str]:
    return ["https://api.example.com/search?" + urlencode([(f"p{i:02d}", f"{rng.choice(WORDS)} {n}.{i}")
                                                             for i in range(40)]) for n in range(size)]


def each(inputs: Sequence[Tuple[Any, ...]], call: Call) -> Workload:
    """A workload that calls ``call`` with the next input's arguments on every call."""
    feed = iter(inputs)
    return lambda: call(*next(feed))


def pool_slice(pool: Sequence[Any], round_no: int, ops: int) -> List[Any]:
    """The inputs of one round: the next ``ops`` of the pool, wrapping around."""
    start = round_no * ops
    return [pool[(start + i) % len(pool)] for i in range(ops)]


def run_each(calls: Sequence[Call], pools: Sequence[Sequence[Tuple[Any, ...]]]) -> Maker:
    """Each implementation on the next inputs of its pool (the same raw inputs but in the 1.9 row)."""
    return lambda r, n: tuple(each(pool_slice(pool, r, n), call) for call, pool in zip(calls, pools))


def workloads(size: int) -> Dict[str, Tuple[Maker, float]]:
    """V1-V4 and the 1.9 row: a new input on every call, from seeded pools of ``size`` distinct inputs."""
    rng = random.Random(14)
    gets = [(url,) for url in status_urls(rng, size)]
    forms = status_forms(rng, size)
    posts = [(FORM_URL, urlencode(form)) for form in forms]
    searches = [(url,) for url in search_urls(rng, size)]
    to_verify = status_urls(rng, size)
    verifiers = (oauth2_verifier(), oauthlib_verifier(), stdlib_verifier())
    return {
        "V1 sign GET, new status id": (run_each(signers(), [gets] * 3), 1),
        "V2 sign form POST from its body, 6 params": (run_each(signers("POST"), [posts] * 3), 1),
        "V3 sign GET, 40 params, new values": (run_each(signers(), [searches] * 3), 0.5),
        "V4 verify GET, new URL and nonce": (
            lambda r, n: tuple(each(signed(pool_slice(to_verify, r, n)), v) for v in verifiers), 0.5),
        "(1.9 dict API) V2, oauth2 handed the parsed form; not a like-for-like ratio": (
            run_each((dict_signer_1_9("POST"), *signers("POST")[1:]),
                     [[(FORM_URL, form) for form in forms], posts, posts]), 1),
    }


# ---------------------------------------------------------------- measuring


def timed(run: Workload, ops: int) -> float:
    start = time.perf_counter()
    for _ in range(ops):
        run()
    return ops / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=11, help="rounds; the table gives their medians")
    parser.add_argument("--ops", type=int, default=1000, help="operations per implementation per round (V1)")
    parser.add_argument("--quick", action="store_true", help="3 rounds of 300 operations")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.ops = 3, 300

    # Each input once per implementation; batches of 150 or more outrun urlsplit's 128-entry cache, so that
    # the implementation run second on a batch finds none of the first one's URLs there.
    found = workloads(args.rounds * max(args.ops, 150))
    rates: Dict[str, Dict[str, List[float]]] = {name: {impl: [] for impl in IMPLS} for name in found}
    for round_no in range(args.rounds):
        for name, (make, scale) in found.items():
            ops = max(int(args.ops * scale), 150)
            for impl, run in zip(IMPLS, make(round_no, ops)):
                rates[name][impl].append(timed(run, ops))

    print(f"oauth2 {oauth2.__version__}, oauthlib {oauthlib.__version__}, Python {sys.version.split()[0]}; "
          f"{args.rounds} rounds of {args.ops:,} operations (V3, V4: half), medians\n")
    print("| workload | oauth2 ops/s | oauthlib ops/s | ratio to oauthlib | stdlib reference ops/s |")
    print("|---|---|---|---|---|")
    for name, by_impl in rates.items():
        ours, theirs = by_impl["oauth2"], by_impl["oauthlib"]
        ratio = statistics.median(o / t for o, t in zip(ours, theirs))
        print(f"| {name} | {statistics.median(ours):,.0f} | {statistics.median(theirs):,.0f} | {ratio:.1f}x |"
              f" {statistics.median(by_impl['stdlib']):,.0f} |")


if __name__ == "__main__":
    main()
