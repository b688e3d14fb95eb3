"""Benchmark: oauth2 against oauthlib (and python-oauth2 1.9), interleaved round by round.

    python bench/bench.py                      # W1-W4, W3 at 20/200/2000 parameters
    python bench/bench.py --rounds 21 --ops 2000
    python bench/bench.py --oauth2-19 /path/to/venv-with-oauth2-1.9/bin/python

Each round runs every implementation on the same workload, one after the
other, so that a slow moment of the machine hits all of them; the table gives
the median ops/s and the median of the per-round ratios. Peak memory is
tracemalloc's peak over one batch. Not a test: tests never time anything.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import tracemalloc
from typing import Callable, Dict, List, Optional, Tuple
from urllib.parse import urlencode

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
W2_BODY = urlencode(W2_PARAMS)

Workload = Callable[[], object]

# --------------------------------------------------------------- workloads


def w3_url(count: int) -> str:
    return "https://api.example.com/search?" + urlencode([(f"p{i:04d}", f"value {i}") for i in range(count)])


def ours_sign(url: str, method: str = "GET", params: Optional[Dict[str, str]] = None) -> Workload:
    consumer, token = oauth2.Consumer(CK, CS), oauth2.Token(TK, TS)
    sha1 = oauth2.SignatureMethod_HMAC_SHA1()

    def run() -> str:
        request = oauth2.Request.from_consumer_and_token(
            consumer, token, method, url, parameters=params, is_form_encoded=params is not None
        )
        request.sign_request(sha1, consumer, token)
        return request.to_header()["Authorization"]

    return run


def oauthlib_sign(url: str, method: str = "GET", body: Optional[str] = None) -> Workload:
    client = oauthlib.oauth1.Client(CK, client_secret=CS, resource_owner_key=TK, resource_owner_secret=TS)
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else None

    def run() -> str:
        return client.sign(url, method, body=body, headers=headers)[1]["Authorization"]

    return run


def signed_w1(count: int) -> List[Tuple[str, Dict[str, str]]]:
    """``count`` distinct W1 requests as a provider receives them (URL and headers)."""
    client = oauthlib.oauth1.Client(CK, client_secret=CS, resource_owner_key=TK, resource_owner_secret=TS)
    return [client.sign(W1_URL)[0:2] for _ in range(count)]  # type: ignore[misc]


def ours_verify(requests: List[Tuple[str, Dict[str, str]]]) -> Workload:
    server = oauth2.Server([oauth2.SignatureMethod_HMAC_SHA1()])
    consumer, token = oauth2.Consumer(CK, CS), oauth2.Token(TK, TS)
    feed = iter(requests)

    def run() -> object:
        url, headers = next(feed)
        return server.verify_request(oauth2.Request.from_request("GET", url, headers), consumer, token)

    return run


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


def oauthlib_verify(requests: List[Tuple[str, Dict[str, str]]]) -> Workload:
    endpoint = SignatureOnlyEndpoint(_Validator())
    feed = iter(requests)

    def run() -> object:
        url, headers = next(feed)
        valid, _ = endpoint.validate_request(url, "GET", None, headers)
        assert valid
        return valid

    return run


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--ops", type=int, default=1000, help="operations per implementation per round (W1)")
    parser.add_argument("--oauth2-19", metavar="PYTHON", help="an interpreter that has python-oauth2 1.9")
    args = parser.parse_args()

    sizes = (20, 200, 2000)
    urls = {"W1": W1_URL, "W2": W2_URL, **{f"W3/{n}": w3_url(n) for n in sizes}}
    workloads: Dict[str, Tuple[Workload, Workload, int]] = {
        "W1 sign GET": (ours_sign(W1_URL), oauthlib_sign(W1_URL), args.ops),
        "W2 sign form POST, 10 params": (ours_sign(W2_URL, "POST", W2_PARAMS),
                                         oauthlib_sign(W2_URL, "POST", W2_BODY), args.ops),
    }
    for n in sizes:
        ops = max(args.ops * 20 // n, 5)
        workloads[f"W3 sign GET, {n} params"] = (ours_sign(w3_url(n)), oauthlib_sign(w3_url(n)), ops)
    old_names = {"W1 sign GET": "W1", "W2 sign form POST, 10 params": "W2",
                 **{f"W3 sign GET, {n} params": f"W3/{n}" for n in sizes}}
    old = OldLibrary(args.oauth2_19, urls) if args.oauth2_19 else None

    rates: Dict[str, Dict[str, List[float]]] = {name: {"ours": [], "oauthlib": [], "1.9": []} for name in workloads}
    rates["W4 verify GET"] = {"ours": [], "oauthlib": [], "1.9": []}
    w4_ops = args.ops // 2
    for _ in range(args.rounds):
        for name, (ours, theirs, ops) in workloads.items():
            rates[name]["ours"].append(timed(ours, ops))
            rates[name]["oauthlib"].append(timed(theirs, ops))
            if old:
                rates[name]["1.9"].append(old.rate(old_names[name], ops))
        requests = signed_w1(w4_ops)
        rates["W4 verify GET"]["ours"].append(timed(ours_verify(requests), w4_ops))
        rates["W4 verify GET"]["oauthlib"].append(timed(oauthlib_verify(requests), w4_ops))
    if old:
        old.close()

    memory = {name: (peak_kib(ours, 200), peak_kib(theirs, 200)) for name, (ours, theirs, _) in workloads.items()}
    requests = signed_w1(400)
    memory["W4 verify GET"] = (
        peak_kib(ours_verify(requests[:200]), 200), peak_kib(oauthlib_verify(requests[200:]), 200)
    )

    print(f"oauth2 {oauth2.__version__}, oauthlib {oauthlib.__version__}"
          + (f", python-oauth2 {old.version}" if old else "")
          + f", Python {sys.version.split()[0]}; {args.rounds} rounds, medians\n")
    header = "| workload | oauth2 ops/s | oauthlib ops/s | ratio to oauthlib |"
    header += " python-oauth2 1.9 ops/s |" if old else ""
    header += " peak KiB oauth2 / oauthlib |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for name, by_impl in rates.items():
        ours, theirs = by_impl["ours"], by_impl["oauthlib"]
        ratio = statistics.median(o / t for o, t in zip(ours, theirs))
        row = f"| {name} | {statistics.median(ours):,.0f} | {statistics.median(theirs):,.0f} | {ratio:.1f}x |"
        if old:
            row += f" {statistics.median(by_impl['1.9']):,.0f} |" if by_impl["1.9"] else " n/a |"
        row += f" {memory[name][0]:,.0f} / {memory[name][1]:,.0f} |"
        print(row)


if __name__ == "__main__":
    main()
