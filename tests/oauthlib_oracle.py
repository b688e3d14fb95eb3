"""oauthlib's reading of a signed request: the independent computation our signatures are checked against."""

from __future__ import annotations

from typing import NamedTuple, Optional
from urllib.parse import urlsplit

import oauthlib.oauth1
from oauthlib.oauth1.rfc5849 import signature as oauthlib_signature

import oauth2 as oauth


class Steps(NamedTuple):
    """The stages of the signature base string [RFC 5849 §3.4.1], as oauthlib computes them."""

    params: list[tuple[str, str]]
    normalized: str
    uri: str
    base_string: str


def oauthlib_steps(
    method: str, url: str, authorization: Optional[str] = None, form_body: Optional[str] = None
) -> Steps:
    """How oauthlib builds the base string of a request received with this Authorization header and form body."""
    headers = {"Authorization": authorization} if authorization else {}
    params = oauthlib_signature.collect_parameters(
        uri_query=urlsplit(url).query, body=form_body or None, headers=headers
    )
    normalized = oauthlib_signature.normalize_parameters(params)
    uri = oauthlib_signature.base_string_uri(url)
    return Steps(params, normalized, uri, oauthlib_signature.signature_base_string(method, uri, normalized))


def oauthlib_hmac_sha1(base_string: str, consumer: oauth.Consumer, token: Optional[oauth.Token]) -> str:
    """oauthlib's HMAC-SHA1 signature of ``base_string`` with the consumer's and token's secrets."""
    signer = oauthlib.oauth1.Client("unused", client_secret=consumer.secret,
                                    resource_owner_secret=token.secret if token else None)
    return oauthlib_signature.sign_hmac_sha1_with_client(base_string, signer)
