"""Webhook delivery over real sockets: the connection goes to the address validated for a made-up
host name (which no real DNS knows), carrying that name in `Host` and, over https, in TLS SNI and
the certificate check."""
from __future__ import annotations

import datetime as dt
import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from services.dissemination.subscriptions import secrets as sealed
from services.dissemination.subscriptions.handlers import send
from services.dissemination.subscriptions.models import Subscription, WebhookDelivery

pytestmark = pytest.mark.integration

HOST = "webhooks.cpr-pinning-test.invalid"  # .invalid never resolves (RFC 6761)


def fake_dns(answer: str = "127.0.0.1"):
    calls = []

    def resolve(host, port, *args, **kwargs):
        calls.append(host)
        if host != HOST:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer, port))]

    resolve.calls = calls
    return resolve


def subscription(settings, url: str, secret: str = "whsec_" + "B" * 32) -> tuple[Subscription, WebhookDelivery]:
    sub = Subscription(key_id="k", callback_url=url, secret_enc=sealed.seal(settings.secret_key, secret))
    delivery = WebhookDelivery(id="msg_pinned", subscription_id=sub.id, event_id="e-pinned",
                               entry_type="review_referred", body=json.dumps({"type": "review_referred", "data": {}}))
    return sub, delivery


@pytest.fixture
def no_env_proxy(monkeypatch):
    """A proxy from the environment would resolve the name itself; deliveries must not use one
    (this one does not exist, so using it would fail the delivery)."""
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")


def test_delivery_reaches_the_validated_address_with_the_original_host(settings, receiver_factory, no_env_proxy):
    receiver = receiver_factory()
    port = receiver.server.server_address[1]
    receiver.secret = "whsec_" + "B" * 32
    sub, delivery = subscription(settings, f"http://{HOST}:{port}/hooks/pinned")
    resolver = fake_dns()

    ok, status, error = send(sub, delivery, settings, resolver=resolver)

    assert (ok, status, error) == (True, 204, None)
    assert resolver.calls == [HOST]
    [request] = receiver.requests  # it reached 127.0.0.1, the only address the name was given
    assert request["headers"]["host"] == f"{HOST}:{port}"
    assert receiver.bad_signatures == 0 and list(receiver.accepted) == ["msg_pinned"]


def test_without_the_validated_address_the_name_does_not_resolve(settings, receiver_factory):
    """The control: the made-up name really is unknown to the system resolver."""
    with pytest.raises(OSError):
        socket.getaddrinfo(HOST, 80)
    receiver = receiver_factory()
    sub, delivery = subscription(settings, f"http://{HOST}:{receiver.server.server_address[1]}/hooks/x")
    ok, _, error = send(sub, delivery, settings)
    assert not ok and error.startswith("callback URL refused") and receiver.requests == []


# -- https: SNI and certificate verification use the host name ----------------------------------
def _certificates(tmp_path, name: str):
    """A CA and a server certificate for `name`, signed by it; (server cert+key path, CA PEM)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cpr pinning test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
          .not_valid_after(now + dt.timedelta(hours=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    path = tmp_path / "server.pem"
    path.write_bytes(leaf.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return path, ca.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture
def tls_receiver(tmp_path):
    """An https server on 127.0.0.1 with a certificate for HOST only; it keeps each request's
    Host header and the SNI name the client sent."""
    cert, ca_pem = _certificates(tmp_path, HOST)
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("content-length", 0)))
            seen.append({"host": self.headers["host"], "sni": getattr(self.request, "sni", None)})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert)

    def remember_sni(sock, server_name, _context):
        sock.sni = server_name

    context.sni_callback = remember_sni
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], ca_pem, seen
    server.shutdown()
    server.server_close()


def test_https_delivery_verifies_the_certificate_of_the_host_name_not_the_address(settings, tls_receiver):
    port, ca_pem, seen = tls_receiver
    trusting = ssl.create_default_context(cadata=ca_pem)  # the test CA only (no public roots needed)
    sub, delivery = subscription(settings, f"https://{HOST}:{port}/hooks/tls")
    https_settings = settings.model_copy(update={"webhook_allow_http": False})

    ok, status, error = send(sub, delivery, https_settings, resolver=fake_dns(),
                             transport=httpx.HTTPTransport(verify=trusting))

    assert (ok, status, error) == (True, 204, None)
    assert seen == [{"host": f"{HOST}:{port}", "sni": HOST}]
    # The same server under another name: its certificate does not match, so nothing is sent.
    other = "other.cpr-pinning-test.invalid"
    sub.callback_url = f"https://{other}:{port}/hooks/tls"
    ok, status, error = send(sub, delivery, https_settings,
                             resolver=lambda host, port_, *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "",
                                                                     ("127.0.0.1", port_))],
                             transport=httpx.HTTPTransport(verify=trusting))
    assert not ok and status is None and error == "ConnectError" and len(seen) == 1
