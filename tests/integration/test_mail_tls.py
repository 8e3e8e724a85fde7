"""The SMTP sender over real TLS: STARTTLS and implicit TLS (SMTPS) with a login, against a real
SMTP server (aiosmtpd) holding a certificate from a CA made here. A relay's certificate is
checked (a server we do not trust gets nothing, not even the password) and a refused login is a
failure the outbox retries, never a silent send in clear."""
from __future__ import annotations

import datetime as dt
import ipaddress
import ssl

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from shared.mail.senders import SmtpSender, TransientFailure, parse_smtp_url
from tests.support import free_port

pytestmark = [pytest.mark.integration,
              pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")]

USER, PASSWORD = "cpr-relay", "s3cret:with@odd/chars"
RAW = b"From: cpr@example.org\r\nTo: ceri@example-health.wales\r\nSubject: TLS\r\nMessage-ID: <t@cpr>\r\n\r\nHelo\r\n"


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A private CA and a server certificate for 127.0.0.1, as a relay inside a board would have."""
    folder = tmp_path_factory.mktemp("pki")
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("CPR test CA")).issuer_name(_name("CPR test CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name("relay.test")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "server.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "server.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                          serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))
    return folder


class _Relay:
    """Accepts mail only from a logged-in client over TLS, and records what it was told."""

    def __init__(self):
        self.messages: list[tuple[bool, str | None, bytes]] = []
        self.logins: list[tuple[str, bool]] = []

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login.decode(), auth_data.password.decode()) == (
            USER, PASSWORD)
        self.logins.append((mechanism, ok))
        return AuthResult(success=ok)

    async def handle_DATA(self, server, session, envelope):
        over_tls = server.transport.get_extra_info("ssl_object") is not None
        self.messages.append((over_tls, session.authenticated and USER, envelope.content))
        return "250 OK"


def _server_context(pki) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki / "server.pem", pki / "server.key")
    return context


@pytest.fixture
def starttls_relay(pki):
    relay = _Relay()
    port = free_port()
    controller = Controller(relay, hostname="127.0.0.1", port=port, tls_context=_server_context(pki),
                            require_starttls=True, auth_required=True, auth_require_tls=True,
                            authenticator=relay.authenticate)
    controller.start()
    yield relay, port
    controller.stop()


@pytest.fixture
def smtps_relay(pki):
    relay = _Relay()
    port = free_port()
    # aiosmtpd counts only STARTTLS as TLS when deciding to offer AUTH; the whole connection is
    # TLS here, so it is told not to require it again.
    controller = Controller(relay, hostname="127.0.0.1", port=port, ssl_context=_server_context(pki),
                            auth_required=True, auth_require_tls=False, authenticator=relay.authenticate)
    controller.start()
    yield relay, port
    controller.stop()


def _url(scheme: str, port: int, cafile, password: str = PASSWORD) -> str:
    from urllib.parse import quote

    query = f"?cafile={cafile}" if cafile else ""
    return f"{scheme}://{quote(USER, safe='')}:{quote(password, safe='')}@127.0.0.1:{port}{query}"


def _send(url: str) -> str:
    sender = SmtpSender(parse_smtp_url(url), timeout=5)
    try:
        return sender.send("cpr@example.org", "ceri@example-health.wales", RAW, commit_point=lambda: True)
    finally:
        sender.close()


def test_starttls_with_login_delivers_over_tls(starttls_relay, pki):
    relay, port = starttls_relay
    answer = _send(_url("smtp+starttls", port, pki / "ca.pem"))
    assert answer.startswith("250")
    [(over_tls, who, content)] = relay.messages
    assert over_tls and who == USER and b"Subject: TLS" in content
    assert relay.logins == [("PLAIN", True)] or relay.logins == [("LOGIN", True)]


def test_implicit_tls_smtps_with_login_delivers(smtps_relay, pki):
    relay, port = smtps_relay
    assert _send(_url("smtps", port, pki / "ca.pem")).startswith("250")
    [(over_tls, who, _)] = relay.messages
    assert over_tls and who == USER


def test_a_refused_login_is_a_retryable_failure_and_sends_nothing(starttls_relay, pki):
    relay, port = starttls_relay
    # smtplib tries PLAIN then LOGIN; a relay may answer the second with 535 or hang up on it.
    with pytest.raises(TransientFailure):
        _send(_url("smtp+starttls", port, pki / "ca.pem", password="wrong"))
    assert relay.messages == [] and relay.logins and not relay.logins[-1][1]


@pytest.mark.parametrize("scheme", ["smtp+starttls", "smtps"])
def test_a_relay_whose_certificate_we_do_not_trust_gets_nothing(scheme, starttls_relay, smtps_relay):
    """Without `cafile` the private CA is not trusted: the handshake fails before the login, so
    neither the password nor the message reaches a server that could be an impostor."""
    relay, port = starttls_relay if scheme == "smtp+starttls" else smtps_relay
    with pytest.raises(TransientFailure, match="(?i)certificate"):
        _send(_url(scheme, port, None))
    assert relay.messages == [] and relay.logins == []
