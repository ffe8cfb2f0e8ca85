"""The city's certificate authority and mutual TLS for gRPC between the parties.

Owns: the city authority (an ECDSA P-256 key and a self-signed CA certificate), the
certificates it issues to parties (the clearinghouse and every ledger node), the gRPC
credentials built from them, and reading the authenticated party id of a TLS peer.

Files, each folder holding one identity:

    <authority folder>/ca.pem        the city authority's certificate (give it to every party)
    <authority folder>/ca-key.pem    its private key, owner-only (0600); stays with the city
    <party folder>/tls.pem           a party's certificate, signed by the city authority
    <party folder>/tls-key.pem       the party's private key, owner-only (0600)

Every party certificate names its party three ways: the subject common name is the party
id, the subject alternative names hold the URI `timebank:party:<id>` (what `peer_party`
reads) and the DNS name `<id>.timebank` (what a client checks the server against through
`channel_options`), and it is good for both serverAuth and clientAuth, since every party
both serves and calls. Both sides of every connection present and verify a certificate.

Invariants: a key file is written once, readable by its owner only, and never overwritten;
time is an argument (`now`), this module never reads the clock. It does not provide
plaintext: an unencrypted channel is only for an explicit --insecure mode, which belongs to
the entry points, not here; on such a channel `peer_party` raises VerificationError.
"""

from __future__ import annotations

import datetime
import functools
import ipaddress
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from timebank.errors import ConfigError, NotPermitted, VerificationError
from timebank.quoting import quoted

__all__ = [
    "AUTHORITY_CERTIFICATE_FILE",
    "AUTHORITY_KEY_FILE",
    "certificate_party_uris",
    "channel_credentials",
    "channel_options",
    "checked_party_id",
    "CityAuthority",
    "create_city_authority",
    "issue_party_certificate",
    "key_usage",
    "load_city_authority",
    "party_alternative_names",
    "PARTY_CERTIFICATE_FILE",
    "party_host_name",
    "PARTY_KEY_FILE",
    "party_name",
    "party_uri",
    "PartyCertificate",
    "peer_party",
    "read_bytes",
    "read_certificate",
    "read_private_key",
    "refuse_existing",
    "require_peer",
    "server_credentials",
    "validity_window",
    "write_identity",
    "write_new_file",
]

AUTHORITY_CERTIFICATE_FILE = "ca.pem"
AUTHORITY_KEY_FILE = "ca-key.pem"
PARTY_CERTIFICATE_FILE = "tls.pem"
PARTY_KEY_FILE = "tls-key.pem"

PARTY_URI_PREFIX = "timebank:party:"
PARTY_HOST_SUFFIX = ".timebank"
PARTY_ID_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
# A fresh certificate is valid from a little before `now`, so a party whose clock runs
# somewhat behind the issuer's still accepts it.
CLOCK_SKEW_SECONDS_MAX = 300


@dataclass(frozen=True)
class CityAuthority:
    city_name: str
    certificate: x509.Certificate
    private_key: ec.EllipticCurvePrivateKey
    certificate_path: Path


@dataclass(frozen=True)
class PartyCertificate:
    party_id: str
    certificate: x509.Certificate
    certificate_path: Path
    key_path: Path
    authority_certificate_path: Path


def party_uri(party_id: str) -> str:
    return PARTY_URI_PREFIX + party_id


def party_host_name(party_id: str) -> str:
    return party_id + PARTY_HOST_SUFFIX


def create_city_authority(
    directory: Path, *, city_name: str, now: datetime.datetime, validity_days: int = 3650
) -> CityAuthority:
    """Creates the city's CA key and self-signed certificate in `directory`; refuses to overwrite."""
    certificate_path, key_path = directory / AUTHORITY_CERTIFICATE_FILE, directory / AUTHORITY_KEY_FILE
    refuse_existing(certificate_path, key_path)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, city_name),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{city_name} timebank city authority"),
        ]
    )
    not_before, not_after = validity_window(now, validity_days)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    write_identity(certificate_path, key_path, certificate, key)
    return CityAuthority(city_name, certificate, key, certificate_path)


def load_city_authority(directory: Path) -> CityAuthority:
    """Reads the authority written by create_city_authority; ConfigError if anything is off."""
    certificate_path = directory / AUTHORITY_CERTIFICATE_FILE
    certificate = read_certificate(certificate_path)
    key = read_private_key(directory / AUTHORITY_KEY_FILE)
    if key.public_key() != certificate.public_key():
        raise ConfigError(f"pki: {directory / AUTHORITY_KEY_FILE} is not the key of {certificate_path}")
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        constraints = None
    if constraints is None or not constraints.ca:
        raise ConfigError(f"pki: {certificate_path} is not a CA certificate")
    organizations = certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    city_name = str(organizations[0].value) if organizations else ""
    return CityAuthority(city_name, certificate, key, certificate_path)


def issue_party_certificate(
    authority: CityAuthority,
    party_id: str,
    directory: Path,
    *,
    now: datetime.datetime,
    validity_days: int = 825,
    hosts: Sequence[str] = ("127.0.0.1", "localhost"),
) -> PartyCertificate:
    """Issues a party its key and certificate (server and client) in `directory`; refuses to overwrite."""
    if not PARTY_ID_PATTERN.fullmatch(party_id):
        raise ConfigError(f"pki: party id: got {party_id!r}, want 1 to 63 of a-z, 0-9 and '-'")
    certificate_path, key_path = directory / PARTY_CERTIFICATE_FILE, directory / PARTY_KEY_FILE
    refuse_existing(certificate_path, key_path)
    not_before, not_after = validity_window(now, validity_days)
    if not_after > authority.certificate.not_valid_after_utc:
        raise ConfigError(
            f"pki: validity_days: {party_id}'s certificate would outlive the city authority "
            f"(until {authority.certificate.not_valid_after_utc.isoformat()})"
        )
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(party_name(authority, party_id))
        .issuer_name(authority.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(key_usage(digital_signature=True), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
        .add_extension(x509.SubjectAlternativeName(party_alternative_names(party_id, hosts)), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.private_key.public_key()),
            critical=False,
        )
        .sign(authority.private_key, hashes.SHA256())
    )
    write_identity(certificate_path, key_path, certificate, key)
    return PartyCertificate(party_id, certificate, certificate_path, key_path, authority.certificate_path)


def server_credentials(certificate_path: Path, key_path: Path, ca_path: Path) -> grpc.ServerCredentials:
    """Server side of mutual TLS: presents the party's certificate, requires and verifies the client's."""
    return grpc.ssl_server_credentials(
        [(read_bytes(key_path), read_bytes(certificate_path))],
        root_certificates=read_bytes(ca_path),
        require_client_auth=True,
    )


def channel_credentials(ca_path: Path, certificate_path: Path, key_path: Path) -> grpc.ChannelCredentials:
    """Client side of mutual TLS: trusts only the city authority and presents the party's certificate."""
    return grpc.ssl_channel_credentials(
        root_certificates=read_bytes(ca_path),
        private_key=read_bytes(key_path),
        certificate_chain=read_bytes(certificate_path),
    )


def channel_options(expected_server_party: str) -> list[tuple[str, str]]:
    """Channel options so the server's certificate is checked against the party expected there,
    whatever address (127.0.0.1, a host name) the channel dials."""
    return [("grpc.ssl_target_name_override", party_host_name(expected_server_party))]


def require_peer(context: grpc.ServicerContext, allowed: Sequence[str]) -> str:
    """The TLS peer's party, when it is one of allowed; NotPermitted naming both otherwise."""
    party = peer_party(context)
    if party not in allowed:
        raise NotPermitted(f"peer: {quoted(party)} may not call this; want one of {', '.join(allowed)}")
    return party


def peer_party(context: grpc.ServicerContext) -> str:
    """The party id of the TLS peer, from its verified certificate's `timebank:party:` URI,
    else its common name. VerificationError when the peer presented no certificate."""
    properties = context.auth_context()
    pem_certificates = [bytes(value) for value in properties.get("x509_pem_cert", [])]
    if pem_certificates:
        party_id = _certificate_party(pem_certificates[0])
        if party_id:
            return party_id
    common_names = [bytes(value) for value in properties.get("x509_common_name", [])]
    if common_names:
        return checked_party_id(common_names[0].decode("utf-8", errors="replace"))
    raise VerificationError("TLS: no client certificate")


@functools.lru_cache(maxsize=256)
def _certificate_party(pem_certificate: bytes) -> str:
    """The party a verified certificate names by URI ("" when none): parsed once per certificate,
    not once per call."""
    party_ids = certificate_party_uris(x509.load_pem_x509_certificate(pem_certificate))
    if len(party_ids) > 1:
        raise VerificationError(f"TLS: the client certificate names {len(party_ids)} parties")
    return checked_party_id(party_ids[0]) if party_ids else ""


def certificate_party_uris(certificate: x509.Certificate) -> list[str]:
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    uris = names.get_values_for_type(x509.UniformResourceIdentifier)
    return [uri.removeprefix(PARTY_URI_PREFIX) for uri in uris if uri.startswith(PARTY_URI_PREFIX)]


def checked_party_id(party_id: str) -> str:
    if not PARTY_ID_PATTERN.fullmatch(party_id):
        raise VerificationError(f"TLS: the client certificate names no valid party id: {quoted(party_id)}")
    return party_id


def party_name(authority: CityAuthority, party_id: str) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, party_id)]
    if authority.city_name:
        attributes.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, authority.city_name))
    return x509.Name(attributes)


def party_alternative_names(party_id: str, hosts: Sequence[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = [
        x509.UniformResourceIdentifier(party_uri(party_id)),
        x509.DNSName(party_host_name(party_id)),
    ]
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def key_usage(*, digital_signature: bool = False, key_cert_sign: bool = False, crl_sign: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


def validity_window(now: datetime.datetime, validity_days: int) -> tuple[datetime.datetime, datetime.datetime]:
    if now.tzinfo is None:
        raise ValueError("pki: now must be timezone-aware")
    if validity_days < 1:
        raise ConfigError(f"pki: validity_days: got {validity_days}, want >= 1")
    start = now - datetime.timedelta(seconds=CLOCK_SKEW_SECONDS_MAX)
    return start, now + datetime.timedelta(days=validity_days)


def refuse_existing(*paths: Path) -> None:
    for path in paths:
        if path.exists():
            raise ConfigError(f"pki: {path} already exists; refusing to overwrite it")


def write_identity(
    certificate_path: Path, key_path: Path, certificate: x509.Certificate, key: ec.EllipticCurvePrivateKey
) -> None:
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    write_new_file(key_path, key_pem, 0o600)
    write_new_file(certificate_path, certificate.public_bytes(serialization.Encoding.PEM), 0o644)


def write_new_file(path: Path, data: bytes, mode: int) -> None:
    """Creates `path` with `mode` (before the umask); refuses to overwrite an existing file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise ConfigError(f"pki: {path} already exists; refusing to overwrite it") from None
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def read_bytes(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise ConfigError(f"pki: cannot read {path}: {error.strerror}") from None


def read_certificate(path: Path) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(read_bytes(path))
    except ValueError as error:
        raise ConfigError(f"pki: {path} is not a PEM certificate: {error}") from None


def read_private_key(path: Path) -> ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(read_bytes(path), password=None)
    except ValueError as error:
        raise ConfigError(f"pki: {path} is not a PEM private key: {error}") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ConfigError(f"pki: {path} holds a {type(key).__name__}, want an ECDSA P-256 key")
    return key
