"""Benchmark: oauth2 against oauthlib (and python-oauth2 1.9), interleaved round by round.

    python bench/bench.py                      # W1-W4 (repeated inputs), V1-V4 (varying inputs)
    python bench/bench.py --rounds 21 --ops 2000
    python bench/bench.py --oauth2-19 /path/to/venv-with-oauth2-1.9/bin/python

W1-W4 sign or verify the same request again and again. V1-V4 take a new input
on every call from a seeded pool of 20,000 distinct URLs, bodies or requests,
larger than every memo of the library, as real traffic does. A third column is
a plain-stdlib signer (no caching across calls): the floor of what Python can do.

Each round runs every implementation on the same workload, one after the
other, so that a slow moment of the machine hits all of them; the table gives
the median ops/s and the median of the per-round ratios. Peak memory is
tracemalloc's peak over one batch. Not a test: tests never time anything.
"""

from __future__ import annotations

import argparse
import functools
import hmac
import json
import random
import re
import secrets
import statistics
import subprocess
import sys
import time
import tracemalloc
from binascii import b2a_base64
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, TypeVar
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import oauthlib.oauth1
from oauthlib.oauth1 import RequestValidator, SignatureOnlyEndpoint

import oauth2

CK, CS, TK, TS = "xvz1evFS4wEEPTGEFPHBog", "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw", \
    "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb", "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"
W1_URL = "https://api.example.com/1.1/statuses/home_timeline.json?count=200&include_entities=true"
W2_URL = "https://api.example.com/1.1/statuses/update.json"
W2_PARAMS = {
    "status": "Hello Ladies + Gentlemen, a signed OAuth request!",
    "include_entities": "true",
    "lat": "37.7821120598956",
    "long": "-122.400612831116",
    "place_id": "df51dec6f4ee2b2c",
    "display_coordinates": "true",
    "in_reply_to_status_id": "1234567890",
    "name": "Zoë Brontë-Ångström",
    "tags": "café,naïve;rôle/(draft)*",
    "note": "50% off! ~ *now* & [forever]?",
}

Workload = Callable[[], object]
T = TypeVar("T")

# --------------------------------------------------------------- workloads


def w3_url(count: int) -> str:
    return "https://api.example.com/search?" + urlencode([(f"p{i:04d}", f"value {i}") for i in range(count)])


Signer = Callable[[str, Optional[Dict[str, str]]], str]


def ours_signer(method: str = "GET") -> Signer:
    consumer, token = oauth2.Consumer(CK, CS), oauth2.Token(TK, TS)
    sha1 = oauth2.SignatureMethod_HMAC_SHA1()

    def sign(url: str, params: Optional[Dict[str, str]] = None) -> str:
        request = oauth2.Request.from_consumer_and_token(
            consumer, token, method, url, parameters=params, is_form_encoded=params is not None
        )
        request.sign_request(sha1, consumer, token)
        return request.to_header()["Authorization"]

    return sign


def oauthlib_signer(method: str = "GET") -> Signer:
    client = oauthlib.oauth1.Client(CK, client_secret=CS, resource_owner_key=TK, resource_owner_secret=TS)
    form_headers = {"Content-Type": "application/x-www-form-urlencoded"}

    def sign(url: str, params: Optional[Dict[str, str]] = None) -> str:
        if params is None:
            return client.sign(url, method)[1]["Authorization"]
        return client.sign(url, method, body=urlencode(params), headers=form_headers)[1]["Authorization"]

    return sign


def stdlib_signer(method: str = "GET") -> Signer:
    return lambda url, params=None: stdlib_sign(url, method, list(params.items()) if params else ())


def signers(method: str = "GET") -> Tuple[Signer, Signer, Signer]:
    """The three implementations' signers, in IMPLS order."""
    return ours_signer(method), oauthlib_signer(method), stdlib_signer(method)


def fixed(signer: Signer, url: str, params: Optional[Dict[str, str]] = None) -> Workload:
    return lambda: signer(url, params)


Received = List[Tuple[str, Dict[str, str]]]


def signed(urls: Iterable[str]) -> Received:
    """GET requests to ``urls`` as a provider receives them (URL and headers), each with its own nonce."""
    client = oauthlib.oauth1.Client(CK, client_secret=CS, resource_owner_key=TK, resource_owner_secret=TS)
    return [client.sign(url)[0:2] for url in urls]  # type: ignore[misc]


def ours_verify(requests: Received) -> Workload:
    server = oauth2.Server([oauth2.SignatureMethod_HMAC_SHA1()])
    consumer, token = oauth2.Consumer(CK, CS), oauth2.Token(TK, TS)

    def verify(request: Tuple[str, Dict[str, str]]) -> object:
        url, headers = request
        return server.verify_request(oauth2.Request.from_request("GET", url, headers), consumer, token)

    return each(requests, verify)


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


def oauthlib_verify(requests: Received) -> Workload:
    endpoint = SignatureOnlyEndpoint(_Validator())

    def verify(request: Tuple[str, Dict[str, str]]) -> object:
        url, headers = request
        valid, _ = endpoint.validate_request(url, "GET", None, headers)
        assert valid
        return valid

    return each(requests, verify)


def stdlib_verifier(requests: Received) -> Workload:
    seen: set = set()

    def verify(request: Tuple[str, Dict[str, str]]) -> bool:
        url, headers = request
        valid = stdlib_verify(url, headers, seen)
        assert valid
        return valid

    return each(requests, verify)


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


def stdlib_sign(url: str, method: str = "GET", form: Sequence[Tuple[str, str]] = ()) -> str:
    oauth = [("oauth_consumer_key", CK), ("oauth_nonce", secrets.token_hex(12)),
             ("oauth_signature_method", "HMAC-SHA1"), ("oauth_timestamp", str(int(time.time()))),
             ("oauth_token", TK), ("oauth_version", "1.0")]
    oauth.append(("oauth_signature", stdlib_signature(stdlib_base_string(method, url, [*oauth, *form]))))
    return "OAuth " + ", ".join(f'{k}="{_enc(v)}"' for k, v in oauth)


def stdlib_verify(url: str, headers: Dict[str, str], seen: set) -> bool:
    oauth = {k: unquote(v) for k, v in _HEADER_PAIR.findall(headers["Authorization"]) if k != "realm"}
    signature = oauth.pop("oauth_signature")
    if oauth["oauth_consumer_key"] != CK or oauth["oauth_token"] != TK:
        return False
    if abs(int(oauth["oauth_timestamp"]) - time.time()) > 300:
        return False
    if not hmac.compare_digest(stdlib_signature(stdlib_base_string("GET", url, oauth.items())), signature):
        return False
    nonce = (CK, TK, oauth["oauth_timestamp"], oauth["oauth_nonce"])
    if nonce in seen:
        return False
    seen.add(nonce)
    return True


# ------------------------------------------------------- varying inputs (V1-V4)

POOL = 20_000  # distinct inputs per workload: more than any memo of the library holds
WORDS = ["the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "café", "naïve", "rôle",
         "50%", "off!", "&", "~", "(draft)", "#oauth", "@user", "+1"]


def v1_urls(rng: random.Random) -> List[str]:
    ids = rng.sample(range(10**17, 10**18), POOL)
    flags = rng.choices(("true", "false"), k=POOL)
    return [f"https://api.example.com/1.1/statuses/show/{i}.json?id={i}&include_entities={x}"
            for i, x in zip(ids, flags)]


def v2_forms(rng: random.Random) -> List[Dict[str, str]]:
    return [{"status": f"{' '.join(rng.choices(WORDS, k=10))} #{n}", "include_entities": "true",
             "lat": f"{rng.uniform(-90, 90):.10f}", "long": f"{rng.uniform(-180, 180):.10f}",
             "place_id": f"{rng.getrandbits(64):016x}", "display_coordinates": "true"} for n in range(POOL)]


def v3_urls(rng: random.Random) -> List[str]:
    return ["https://api.example.com/search?" + urlencode([(f"p{i:02d}", f"{rng.choice(WORDS)} {n}.{i}")
                                                             for i in range(40)]) for n in range(POOL)]


def each(inputs: Sequence[T], call: Callable[[T], object]) -> Workload:
    """A workload that takes the next input on every call."""
    feed = iter(inputs)
    return lambda: call(next(feed))


def pool_slice(pool: Sequence[object], round_no: int, ops: int) -> List[object]:
    """The inputs of one round: the next ``ops`` of the pool, wrapping around."""
    start = round_no * ops
    return [pool[(start + i) % len(pool)] for i in range(ops)]


# ------------------------------------------------------------- measuring


def timed(run: Workload, ops: int) -> float:
    start = time.perf_counter()
    for _ in range(ops):
        run()
    return ops / (time.perf_counter() - start)


def peak_kib(run: Workload, ops: int) -> float:
    tracemalloc.start()
    for _ in range(ops):
        run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1024


class OldLibrary:
    """python-oauth2 1.9 in its own interpreter, answering 'run W ops' on a pipe."""

    SCRIPT = r"""
import json, sys, time
import oauth2
CK, CS, TK, TS, urls, params = json.loads(sys.stdin.readline())
consumer, token = oauth2.Consumer(CK, CS), oauth2.Token(TK, TS)
sha1 = oauth2.SignatureMethod_HMAC_SHA1()
def sign(url, method="GET", p=None):
    r = oauth2.Request.from_consumer_and_token(consumer, token, method, url, parameters=p,
                                               is_form_encoded=p is not None)
    r.sign_request(sha1, consumer, token)
    return r.to_header()["Authorization"]
work = {name: (lambda u=u: sign(u)) for name, u in urls.items()}
work["W2"] = lambda: sign(urls["W2"], "POST", dict(params))
print(json.dumps({"version": str(oauth2.__version__)}), flush=True)
for line in sys.stdin:
    name, ops = json.loads(line)
    run = work[name]
    start = time.perf_counter()
    for _ in range(ops):
        run()
    print(json.dumps(ops / (time.perf_counter() - start)), flush=True)
"""

    def __init__(self, python: str, urls: Dict[str, str]) -> None:
        # -I: with plain -c the working directory comes first on sys.path, and
        # from a checkout this library would be measured in place of 1.9.
        self.process = subprocess.Popen([python, "-I", "-c", self.SCRIPT], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        self._send([CK, CS, TK, TS, urls, W2_PARAMS])
        self.version = json.loads(self._read())["version"]

    def _send(self, value: object) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(value) + "\n")
        self.process.stdin.flush()

    def _read(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the python-oauth2 1.9 interpreter stopped")
        return line

    def rate(self, name: str, ops: int) -> float:
        self._send([name, ops])
        return float(json.loads(self._read()))

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait()


Trio = Tuple[Workload, Workload, Workload]  # oauth2, oauthlib, stdlib reference
# A workload's three implementations for one round, given the round's number and size.
Maker = Callable[[int, int], Trio]
IMPLS = ("ours", "oauthlib", "stdlib", "1.9")


def repeated_workloads(sizes: Sequence[int]) -> Dict[str, Tuple[Maker, float]]:
    """W1-W4: the same request every time (W4: the same URL, a new nonce each time)."""
    get, post = signers(), signers("POST")
    found: Dict[str, Tuple[Maker, float]] = {
        "W1 sign GET": (lambda r, n: tuple(fixed(s, W1_URL) for s in get), 1),  # type: ignore[misc]
        "W2 sign form POST, 10 params": (lambda r, n: tuple(fixed(s, W2_URL, W2_PARAMS) for s in post), 1),  # type: ignore[misc]
    }
    for size in sizes:
        url = w3_url(size)
        found[f"W3 sign GET, {size} params"] = (
            lambda r, n, url=url: tuple(fixed(s, url) for s in get), 20 / size)  # type: ignore[misc]
    found["W4 verify GET"] = (lambda r, n: verifiers(signed([W1_URL] * n)), 0.5)
    return found


def varying_workloads() -> Dict[str, Tuple[Maker, float]]:
    """V1-V4: a new input on every call, from seeded pools of ``POOL`` distinct inputs."""
    rng = random.Random(14)
    v1, v2, v3, v4 = v1_urls(rng), v2_forms(rng), v3_urls(rng), v1_urls(rng)
    get, post = signers(), signers("POST")

    def sign_each(trio: Tuple[Signer, ...], pool: Sequence[Any], url: Optional[str] = None) -> Maker:
        """Each signer on the next input of ``pool``: a URL, or the form parameters to post to ``url``."""
        def make(round_no: int, ops: int) -> Trio:
            inputs = pool_slice(pool, round_no, ops)
            return tuple(each(inputs, s if url is None else functools.partial(s, url)) for s in trio)  # type: ignore[arg-type, return-value]
        return make

    return {
        "V1 sign GET, new status id": (sign_each(get, v1), 1),
        "V2 sign form POST, 6 params, new status text": (sign_each(post, v2, url=W2_URL), 1),
        "V3 sign GET, 40 params, new values": (sign_each(get, v3), 0.5),
        "V4 verify V1-style GET, new URL and nonce": (
            lambda r, n: verifiers(signed(pool_slice(v4, r, n))), 0.5),  # type: ignore[arg-type]
    }


def verifiers(requests: Received) -> Trio:
    return ours_verify(requests), oauthlib_verify(requests), stdlib_verifier(requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--ops", type=int, default=1000, help="operations per implementation per round (W1)")
    parser.add_argument("--oauth2-19", metavar="PYTHON", help="an interpreter that has python-oauth2 1.9")
    parser.add_argument("--only", default="WV", help="W (repeated inputs), V (varying inputs) or WV")
    args = parser.parse_args()

    sizes = (20, 200, 2000)
    workloads: Dict[str, Tuple[Maker, float]] = {}
    if "W" in args.only:
        workloads.update(repeated_workloads(sizes))
    if "V" in args.only:
        workloads.update(varying_workloads())
    old_names = {"W1 sign GET": "W1", "W2 sign form POST, 10 params": "W2",
                 **{f"W3 sign GET, {n} params": f"W3/{n}" for n in sizes}}
    urls = {"W1": W1_URL, "W2": W2_URL, **{f"W3/{n}": w3_url(n) for n in sizes}}
    old = OldLibrary(args.oauth2_19, urls) if args.oauth2_19 and "W" in args.only else None

    rates: Dict[str, Dict[str, List[float]]] = {name: {impl: [] for impl in IMPLS} for name in workloads}
    for round_no in range(args.rounds):
        for name, (make, scale) in workloads.items():
            ops = max(int(args.ops * scale), 5)
            for impl, run in zip(IMPLS, make(round_no, ops)):
                rates[name][impl].append(timed(run, ops))
            if old and name in old_names:
                rates[name]["1.9"].append(old.rate(old_names[name], ops))
    if old:
        old.close()

    # Memory after the timed rounds, on inputs none of them has seen.
    memory = {}
    for name, (make, _) in workloads.items():
        trio = make(args.rounds + 1, 200)
        memory[name] = (peak_kib(trio[0], 200), peak_kib(trio[1], 200))

    print(f"oauth2 {oauth2.__version__}, oauthlib {oauthlib.__version__}"
          + (f", python-oauth2 {old.version}" if old else "")
          + f", Python {sys.version.split()[0]}; {args.rounds} rounds, medians\n")
    header = "| workload | oauth2 ops/s | oauthlib ops/s | ratio to oauthlib | stdlib reference ops/s |"
    header += " python-oauth2 1.9 ops/s |" if old else ""
    header += " peak KiB oauth2 / oauthlib |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for name, by_impl in rates.items():
        ours, theirs = by_impl["ours"], by_impl["oauthlib"]
        ratio = statistics.median(o / t for o, t in zip(ours, theirs))
        row = f"| {name} | {statistics.median(ours):,.0f} | {statistics.median(theirs):,.0f} | {ratio:.1f}x |"
        row += f" {statistics.median(by_impl['stdlib']):,.0f} |"
        if old:
            row += f" {statistics.median(by_impl['1.9']):,.0f} |" if by_impl["1.9"] else " n/a |"
        row += f" {memory[name][0]:,.0f} / {memory[name][1]:,.0f} |"
        print(row)


if __name__ == "__main__":
    main()
