"""Throw-away keys and certificates: RSA signing keys in every PEM form, and TLS for servers on 127.0.0.1.

The TLS certificate is self-signed and names both ``localhost`` and
``127.0.0.1``, so clients can keep hostname checking switched on while
connecting to the loopback address.
"""

from __future__ import annotations

import datetime
import functools
import ipaddress
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def self_signed_certificate(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, common_name: str) -> bytes:
    """A PEM X.509 certificate for ``key``, signed by itself (for signing keys, not for TLS)."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


@functools.cache
def rsa_key() -> rsa.RSAPrivateKey:
    """A 2048-bit RSA key, made once per test process (generating one takes a noticeable fraction of a second)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def rsa_pems(key: rsa.RSAPrivateKey, password: str | None = None) -> dict[str, bytes]:
    """``key`` in every PEM form the RSA signature methods accept; ``encrypted_pkcs8`` only with a ``password``."""
    private, public = key.private_bytes, key.public_key().public_bytes
    pem, no_encryption = serialization.Encoding.PEM, serialization.NoEncryption()
    pems = {
        "pkcs1": private(pem, serialization.PrivateFormat.TraditionalOpenSSL, no_encryption),
        "pkcs8": private(pem, serialization.PrivateFormat.PKCS8, no_encryption),
        "spki": public(pem, serialization.PublicFormat.SubjectPublicKeyInfo),
        "pkcs1_public": public(pem, serialization.PublicFormat.PKCS1),
        "certificate": self_signed_certificate(key, "consumer.example"),
    }
    if password is not None:
        encryption = serialization.BestAvailableEncryption(password.encode("utf-8"))
        pems["encrypted_pkcs8"] = private(pem, serialization.PrivateFormat.PKCS8, encryption)
    return pems


def write_self_signed_cert(directory: Path | str) -> tuple[Path, Path]:
    """Write a self-signed certificate for localhost/127.0.0.1 and its key.

    Returns ``(cert_path, key_path)``, both PEM files inside ``directory``.
    """
    directory = Path(directory)
    # EC keys are generated in microseconds, unlike RSA keys.
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    public_key = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        # Backdated so that a clock slightly behind the test's cannot reject it.
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        # The certificate is its own trust anchor, so it must be a valid CA
        # too; OpenSSL's strict mode (default in newer Pythons) checks this
        # along with the key identifiers.
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "cert.pem"
    key_path = directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def client_context(cert_path: Path | str) -> ssl.SSLContext:
    """Return a client context that trusts only ``cert_path`` (hostname checks on)."""
    context = ssl.create_default_context(cafile=str(cert_path))
    return context


def server_context(cert_path: Path | str, key_path: Path | str) -> ssl.SSLContext:
    """Return a server context presenting the certificate at ``cert_path``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert_path), str(key_path))
    return context
