"""The public API: every name of python-oauth2 1.9 with its call signature, and docstrings everywhere."""

from __future__ import annotations

import inspect
import subprocess
import sys
from typing import Any, Callable, Dict, List, Tuple

import httplib2
import pytest

import oauth2 as oauth
import oauth2.cli
import oauth2.clients.imap
import oauth2.clients.smtp
import oauth2.provider

EMPTY = inspect.Parameter.empty

# Each callable of 1.9 with its parameters: (name, default) in order, EMPTY for none.
API_1_9: Dict[str, List[Tuple[str, Any]]] = {
    "escape": [("s", EMPTY)],
    "generate_timestamp": [],
    "generate_nonce": [("length", 8)],
    "generate_verifier": [("length", 8)],
    "build_authenticate_header": [("realm", "")],
    "build_xoauth_string": [("url", EMPTY), ("consumer", EMPTY), ("token", None)],
    "to_unicode": [("s", EMPTY)],
    "to_utf8": [("s", EMPTY)],
    "to_unicode_if_string": [("s", EMPTY)],
    "to_utf8_if_string": [("s", EMPTY)],
    "to_unicode_optional_iterator": [("x", EMPTY)],
    "to_utf8_optional_iterator": [("x", EMPTY)],
    "setter": [("attr", EMPTY)],
    "Error": [("message", "OAuth error occurred.")],
    "Consumer": [("key", EMPTY), ("secret", EMPTY)],
    "Token": [("key", EMPTY), ("secret", EMPTY)],
    "Token.set_callback": [("callback", EMPTY)],
    "Token.set_verifier": [("verifier", None)],
    "Token.get_callback_url": [],
    "Token.to_string": [],
    "Token.from_string": [("s", EMPTY)],
    "Request": [("method", "GET"), ("url", None), ("parameters", None), ("body", b""), ("is_form_encoded", False)],
    "Request.get_parameter": [("parameter", EMPTY)],
    "Request.get_nonoauth_parameters": [],
    "Request.to_header": [("realm", "")],
    "Request.to_postdata": [],
    "Request.to_url": [],
    "Request.get_normalized_parameters": [],
    "Request.sign_request": [("signature_method", EMPTY), ("consumer", EMPTY), ("token", EMPTY)],
    "Request.make_timestamp": [],
    "Request.make_nonce": [],
    "Request.from_request": [("http_method", EMPTY), ("http_url", EMPTY), ("headers", None), ("parameters", None),
                             ("query_string", None)],
    "Request.from_consumer_and_token": [("consumer", EMPTY), ("token", None), ("http_method", "GET"),
                                        ("http_url", None), ("parameters", None), ("body", b""),
                                        ("is_form_encoded", False)],
    "Request.from_token_and_callback": [("token", EMPTY), ("callback", None), ("http_method", "GET"),
                                        ("http_url", None), ("parameters", None)],
    "SignatureMethod.signing_base": [("request", EMPTY), ("consumer", EMPTY), ("token", EMPTY)],
    "SignatureMethod.sign": [("request", EMPTY), ("consumer", EMPTY), ("token", EMPTY)],
    "SignatureMethod.check": [("request", EMPTY), ("consumer", EMPTY), ("token", EMPTY), ("signature", EMPTY)],
    "Server": [("signature_methods", None)],
    "Server.add_signature_method": [("signature_method", EMPTY)],
    "Server.verify_request": [("request", EMPTY), ("consumer", EMPTY), ("token", EMPTY)],
    "Server.build_authenticate_header": [("realm", "")],
    "Client": [("consumer", EMPTY), ("token", None)],
    "Client.set_signature_method": [("method", EMPTY)],
    "Client.request": [("uri", EMPTY), ("method", "GET"), ("body", b""), ("headers", None),
                       ("redirections", httplib2.DEFAULT_MAX_REDIRECTS), ("connection_type", None)],
}


def resolve(dotted: str) -> Callable[..., Any]:
    target: Any = oauth
    for part in dotted.split("."):
        target = getattr(target, part)
    return target  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", sorted(API_1_9))
def test_1_9_call_signatures_are_kept(name: str) -> None:
    """1.9's positional parameters, in order and with their defaults; anything new is optional."""
    parameters = [p for p in inspect.signature(resolve(name)).parameters.values() if p.name not in ("self", "cls")]
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    expected = API_1_9[name]
    assert [(p.name, p.default) for p in positional[: len(expected)]] == expected
    added = positional[len(expected):] + [p for p in parameters if p not in positional]
    assert all(p.default is not EMPTY or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL) for p in added), added


def test_1_9_classes_and_constants() -> None:
    assert (oauth.OAUTH_VERSION, oauth.HTTP_METHOD, oauth.SIGNATURE_METHOD) == ("1.0", "GET", "PLAINTEXT")
    assert isinstance(oauth.__version__, str)
    assert issubclass(oauth.MissingSignature, oauth.Error)
    assert issubclass(oauth.Error, RuntimeError)
    assert issubclass(oauth.Request, dict)
    assert issubclass(oauth.Client, httplib2.Http)
    for cls in (oauth.SignatureMethod_HMAC_SHA1, oauth.SignatureMethod_PLAINTEXT):
        assert issubclass(cls, oauth.SignatureMethod)
    assert oauth.Error("boom").message == "boom"
    assert oauth.Server.timestamp_threshold == 300
    client = oauth.Client(oauth.Consumer("k", "s"), oauth.Token("t", "u"), timeout=3)
    assert (client.consumer.key, client.token.key, client.timeout) == ("k", "t", 3)
    assert isinstance(client.method, oauth.SignatureMethod_HMAC_SHA1)


def test_factories_honour_subclasses() -> None:
    class MyRequest(oauth.Request):
        pass

    consumer, token = oauth.Consumer("k", "s"), oauth.Token("t", "u")
    assert type(MyRequest.from_consumer_and_token(consumer, token, "GET", "http://e.com/")) is MyRequest
    assert type(MyRequest.from_token_and_callback(token, "oob", "GET", "http://e.com/")) is MyRequest
    assert type(MyRequest.from_request("GET", "http://e.com/?a=1")) is MyRequest


def public_callables() -> List[Tuple[str, Any]]:
    """Every public function, class and method of the package's modules."""
    found = []
    for module in (oauth, oauth2.clients.imap, oauth2.clients.smtp, oauth2.provider, oauth2.cli):
        for name, value in vars(module).items():
            if name.startswith("_") or getattr(value, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(value) or inspect.isclass(value):
                found.append((f"{module.__name__}.{name}", value))
            if inspect.isclass(value):
                for attr, member in vars(value).items():
                    if not attr.startswith("_") and (inspect.isfunction(member) or isinstance(member, classmethod)):
                        found.append((f"{module.__name__}.{name}.{attr}", member))
    return found


@pytest.mark.parametrize(("name", "value"), public_callables(), ids=lambda v: v if isinstance(v, str) else "")
def test_public_names_have_a_docstring(name: str, value: Any) -> None:
    """One line first, ending with a full stop (PEP 257)."""
    doc = inspect.getdoc(value.__func__ if isinstance(value, classmethod) else value)
    assert doc, f"{name} has no docstring"
    assert doc.splitlines()[0].rstrip().endswith((".", ":")), f"{name}: {doc.splitlines()[0]!r}"


def test_import_needs_only_httplib2() -> None:
    """Neither cryptography, redis, oauthlib nor distutils is imported with oauth2."""
    code = (
        "import sys, warnings; warnings.simplefilter('error'); import oauth2; "
        "print(sorted(m for m in ('cryptography', 'redis', 'oauthlib', 'distutils', 'pyutil') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_client_pickles_as_httplib2_http_does() -> None:
    import pickle

    client = oauth.Client(oauth.Consumer("k", "s"), oauth.Token("t", "u"), timeout=5, realm="r")
    copy = pickle.loads(pickle.dumps(client))
    assert (copy.consumer.key, copy.token.key, copy.timeout, copy.realm) == ("k", "t", 5, "r")


MODULES = [oauth, oauth2.provider, oauth2.clients.imap, oauth2.clients.smtp]


@pytest.mark.parametrize("module", MODULES)
def test_star_import_gives_exactly_all(module: Any) -> None:
    """``__all__`` names only what exists, and ``from module import *`` gives just that."""
    assert len(set(module.__all__)) == len(module.__all__)
    assert [name for name in module.__all__ if not hasattr(module, name)] == []
    namespace: Dict[str, Any] = {}
    exec(f"from {module.__name__} import *", namespace)  # noqa: S102 - the statement under test
    namespace.pop("__builtins__")
    assert sorted(namespace) == sorted(module.__all__)


@pytest.mark.parametrize("module", MODULES)
def test_all_holds_every_public_class_and_function(module: Any) -> None:
    """Nothing public defined in the module is left out of ``help()`` and ``import *``."""
    defined = {name for name, value in vars(module).items() if not name.startswith("_") and callable(value)
               and getattr(value, "__module__", None) == module.__name__}
    assert sorted(defined - set(module.__all__)) == []


def test_all_holds_every_1_9_name() -> None:
    names_1_9 = {name.split(".")[0] for name in API_1_9} | {"OAUTH_VERSION", "HTTP_METHOD", "SIGNATURE_METHOD",
                                                             "MissingSignature", "SignatureMethod_HMAC_SHA1",
                                                             "SignatureMethod_PLAINTEXT"}
    assert sorted(names_1_9 - set(oauth.__all__)) == []


def keyword_options(function: Callable[..., Any]) -> List[str]:
    """The named parameters of ``function``, but ``self`` and ``**kwargs``."""
    return [p.name for p in inspect.signature(function).parameters.values()
            if p.name != "self" and p.kind != p.VAR_KEYWORD]


def test_client_init_has_its_own_docstring_naming_every_option() -> None:
    doc = inspect.getdoc(oauth.Client.__init__) or ""
    assert doc != inspect.getdoc(httplib2.Http.__init__)
    assert [name for name in keyword_options(oauth.Client.__init__) if f"``{name}``" not in doc] == []
    assert "httplib2.Http" in doc and "``timeout``" in doc


def test_server_docstring_names_every_option() -> None:
    doc = inspect.getdoc(oauth.Server) or ""
    assert [name for name in keyword_options(oauth.Server.__init__) if f"``{name}``" not in doc] == []


def test_request_docstring_says_when_body_and_is_form_encoded_are_used() -> None:
    doc = inspect.getdoc(oauth.Request) or ""
    assert "``body`` and ``is_form_encoded``" in doc and "``oauth_body_hash``" in doc


@pytest.mark.parametrize("cls", [oauth.SignatureMethod_RSA_SHA1, oauth.SignatureMethod_RSA_SHA256,
                                 oauth.SignatureMethod_RSA_SHA512])
def test_rsa_docstrings_name_the_key_forms(cls: type) -> None:
    doc = inspect.getdoc(cls) or ""
    for form in ("PKCS#1", "PKCS#8", "``password=``", "X.509 certificate", "``public_key_for(consumer)``"):
        assert form in doc, form
