"""Mutual TLS over real gRPC servers on 127.0.0.1: who gets in, who is refused, and what
the certificates say.

The certificates are issued relative to the real clock, because gRPC's TLS checks their
validity against it; nothing here sleeps.
"""

from __future__ import annotations

import datetime
import ipaddress
import stat
from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from timebank import pki
from timebank.errors import ConfigError, VerificationError

WHO_METHOD = "/timebank.test.Who/Who"
DEADLINE_SECONDS = 5


def real_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@pytest.fixture
def authority(tmp_path: Path) -> pki.CityAuthority:
    return pki.create_city_authority(tmp_path / "authority", city_name="Hangzhou", now=real_now())


@pytest.fixture
def clearinghouse(authority: pki.CityAuthority, tmp_path: Path) -> pki.PartyCertificate:
    return pki.issue_party_certificate(authority, "clearinghouse", tmp_path / "clearinghouse", now=real_now())


@pytest.fixture
def shiqi(authority: pki.CityAuthority, tmp_path: Path) -> pki.PartyCertificate:
    return pki.issue_party_certificate(authority, "shiqi", tmp_path / "shiqi", now=real_now())


def answer_peer_party(request: bytes, context: grpc.ServicerContext) -> bytes:
    try:
        return pki.peer_party(context).encode()
    except VerificationError as error:
        context.abort(grpc.StatusCode.UNAUTHENTICATED, str(error))


@contextmanager
def who_server(credentials: grpc.ServerCredentials | None) -> Iterator[int]:
    """A server answering WHO_METHOD with the caller's party id; plaintext when credentials is None."""
    handler = grpc.method_handlers_generic_handler(
        "timebank.test.Who", {"Who": grpc.unary_unary_rpc_method_handler(answer_peer_party)}
    )
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2), handlers=[handler])
    try:
        if credentials is None:
            port = server.add_insecure_port("127.0.0.1:0")
        else:
            port = server.add_secure_port("127.0.0.1:0", credentials)
        assert port != 0
        server.start()
        yield port
    finally:
        server.stop(None).wait(DEADLINE_SECONDS)


@pytest.fixture
def clearinghouse_port(clearinghouse: pki.PartyCertificate) -> Iterator[int]:
    credentials = pki.server_credentials(
        clearinghouse.certificate_path, clearinghouse.key_path, clearinghouse.authority_certificate_path
    )
    with who_server(credentials) as port:
        yield port


def ask_who(port: int, credentials: grpc.ChannelCredentials, options: list[tuple[str, str]]) -> bytes:
    with grpc.secure_channel(f"127.0.0.1:{port}", credentials, options=options) as channel:
        return channel.unary_unary(WHO_METHOD)(b"", timeout=DEADLINE_SECONDS)


def party_channel_credentials(party: pki.PartyCertificate, ca_path: Path | None = None) -> grpc.ChannelCredentials:
    ca_path = ca_path or party.authority_certificate_path
    return pki.channel_credentials(ca_path, party.certificate_path, party.key_path)


def assert_refused(port: int, credentials: grpc.ChannelCredentials, options: list[tuple[str, str]]) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        ask_who(port, credentials, options)
    assert raised.value.code() == grpc.StatusCode.UNAVAILABLE


def test_a_party_of_the_city_connects_and_the_server_sees_its_party_id(
    clearinghouse_port: int, shiqi: pki.PartyCertificate
) -> None:
    answer = ask_who(clearinghouse_port, party_channel_credentials(shiqi), pki.channel_options("clearinghouse"))
    assert answer == b"shiqi"


def test_a_client_dialing_the_address_alone_verifies_the_server_by_its_ip_address(
    clearinghouse_port: int, shiqi: pki.PartyCertificate
) -> None:
    assert ask_who(clearinghouse_port, party_channel_credentials(shiqi), []) == b"shiqi"


def test_a_client_without_a_certificate_is_refused_at_the_handshake(
    clearinghouse_port: int, authority: pki.CityAuthority
) -> None:
    credentials = grpc.ssl_channel_credentials(root_certificates=authority.certificate_path.read_bytes())
    assert_refused(clearinghouse_port, credentials, pki.channel_options("clearinghouse"))


def test_a_client_certified_by_another_authority_is_refused(
    clearinghouse_port: int, authority: pki.CityAuthority, tmp_path: Path
) -> None:
    other = pki.create_city_authority(tmp_path / "other-authority", city_name="Hangzhou", now=real_now())
    stranger = pki.issue_party_certificate(other, "shiqi", tmp_path / "stranger", now=real_now())
    credentials = party_channel_credentials(stranger, ca_path=authority.certificate_path)
    assert_refused(clearinghouse_port, credentials, pki.channel_options("clearinghouse"))


def test_a_server_certified_by_another_authority_is_refused(shiqi: pki.PartyCertificate, tmp_path: Path) -> None:
    other = pki.create_city_authority(tmp_path / "other-authority", city_name="Hangzhou", now=real_now())
    impostor = pki.issue_party_certificate(other, "clearinghouse", tmp_path / "impostor", now=real_now())
    credentials = pki.server_credentials(impostor.certificate_path, impostor.key_path, shiqi.authority_certificate_path)
    with who_server(credentials) as port:
        assert_refused(port, party_channel_credentials(shiqi), pki.channel_options("clearinghouse"))


def test_a_client_expecting_another_server_party_is_refused(
    clearinghouse_port: int, shiqi: pki.PartyCertificate
) -> None:
    assert_refused(clearinghouse_port, party_channel_credentials(shiqi), pki.channel_options("node-b"))


def test_an_expired_client_certificate_is_refused(
    clearinghouse_port: int, authority: pki.CityAuthority, tmp_path: Path
) -> None:
    ten_days_ago = real_now() - datetime.timedelta(days=10)
    expired = pki.issue_party_certificate(authority, "shiqi", tmp_path / "expired", now=ten_days_ago, validity_days=1)
    assert_refused(clearinghouse_port, party_channel_credentials(expired), pki.channel_options("clearinghouse"))


def test_peer_party_raises_on_a_plaintext_channel() -> None:
    with who_server(None) as port, grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        with pytest.raises(grpc.RpcError) as raised:
            channel.unary_unary(WHO_METHOD)(b"", timeout=DEADLINE_SECONDS)
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert raised.value.details() == "TLS: no client certificate"


def test_key_files_are_owner_only_and_never_overwritten(
    authority: pki.CityAuthority, shiqi: pki.PartyCertificate, tmp_path: Path
) -> None:
    authority_key = authority.certificate_path.parent / pki.AUTHORITY_KEY_FILE
    for key_path in (authority_key, shiqi.key_path):
        assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    before = (shiqi.certificate_path.read_bytes(), shiqi.key_path.read_bytes())
    with pytest.raises(ConfigError, match="already exists"):
        pki.issue_party_certificate(authority, "shiqi", shiqi.key_path.parent, now=real_now())
    assert (shiqi.certificate_path.read_bytes(), shiqi.key_path.read_bytes()) == before
    with pytest.raises(ConfigError, match="already exists"):
        pki.create_city_authority(authority_key.parent, city_name="Hangzhou", now=real_now())


def test_the_authority_loads_back_from_its_folder(authority: pki.CityAuthority) -> None:
    loaded = pki.load_city_authority(authority.certificate_path.parent)
    assert loaded.certificate == authority.certificate
    assert loaded.private_key.public_key() == authority.private_key.public_key()
    assert loaded.city_name == "Hangzhou"


@pytest.mark.parametrize("party_id", ["", "Shiqi", "node_01", "-node", "node-", "a" * 64, "shiqi.timebank"])
def test_a_malformed_party_id_is_refused(authority: pki.CityAuthority, tmp_path: Path, party_id: str) -> None:
    with pytest.raises(ConfigError, match="party id"):
        pki.issue_party_certificate(authority, party_id, tmp_path / "party", now=real_now())
    assert not (tmp_path / "party").exists()


def test_a_party_certificate_names_its_party_and_serves_both_ways(shiqi: pki.PartyCertificate) -> None:
    certificate = x509.load_pem_x509_certificate(shiqi.certificate_path.read_bytes())
    extensions = certificate.extensions
    names = extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.UniformResourceIdentifier) == ["timebank:party:shiqi"]
    assert names.get_values_for_type(x509.DNSName) == ["shiqi.timebank", "localhost"]
    assert names.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    assert list(extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.SERVER_AUTH,
        ExtendedKeyUsageOID.CLIENT_AUTH,
    ]
    usage = extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and not usage.value.key_cert_sign
    assert extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    ca = x509.load_pem_x509_certificate(shiqi.authority_certificate_path.read_bytes())
    certificate.verify_directly_issued_by(ca)


def test_the_authority_certificate_may_sign_parties_only(authority: pki.CityAuthority) -> None:
    extensions = authority.certificate.extensions
    constraints = extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca and constraints.value.path_length == 0
    usage = extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
    assert not usage.value.digital_signature
    assert authority.certificate.subject == authority.certificate.issuer
