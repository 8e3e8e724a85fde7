"""Webhook delivery connects to the address the callback URL was validated against: a second DNS
answer (DNS rebinding) cannot move the connection, and the receiver still sees its host name."""
from __future__ import annotations

import ipaddress
import json
import socket

import httpx
import pytest

from services.dissemination.subscriptions import secrets as sealed
from services.dissemination.subscriptions.callback_url import CallbackTarget
from services.dissemination.subscriptions.handlers import pinned_request, send
from services.dissemination.subscriptions.models import Subscription, WebhookDelivery
from shared.settings import Settings

PUBLIC = "93.184.216.34"
SECRET_KEY = "unit-test-secret-key-0123456789abcdef"


def answers(*rounds: list[str]):
    """A resolver whose n-th call answers rounds[n] (the last round repeats)."""
    calls = []

    def resolve(host, port, *args, **kwargs):
        calls.append(host)
        addrs = rounds[min(len(calls), len(rounds)) - 1]
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port, 0, 0) if ":" in a else (a, port)) for a in addrs]

    resolve.calls = calls
    return resolve


def recorder(fail: set[str] = frozenset()):
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host in fail:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(204)

    return seen, httpx.MockTransport(handle)


def make(url: str) -> tuple[Subscription, WebhookDelivery, Settings]:
    settings = Settings(secret_key=SECRET_KEY)
    sub = Subscription(key_id="k", callback_url=url, secret_enc=sealed.seal(SECRET_KEY, "whsec_" + "A" * 32))
    delivery = WebhookDelivery(id="msg_1", subscription_id=sub.id, event_id="e1", entry_type="review_referred",
                               body=json.dumps({"type": "review_referred"}))
    return sub, delivery, settings


@pytest.fixture(autouse=True)
def no_real_dns(monkeypatch):
    def refuse(*_a, **_k):
        raise AssertionError("the delivery resolved a name itself instead of using the validated address")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_a_rebinding_answer_after_validation_cannot_redirect_the_connection():
    # Public when validated, loopback for anyone who asks again (the attacker's DNS, TTL 0).
    resolver = answers([PUBLIC], ["127.0.0.1"])
    seen, transport = recorder()
    ok, status, error = send(*make("https://hooks.example.org/cpr"), resolver=resolver, transport=transport)
    assert (ok, status, error) == (True, 204, None)
    assert resolver.calls == ["hooks.example.org"]  # resolved once, by the validation
    [request] = seen
    assert request.url.host == PUBLIC and request.url.port is None and request.url.path == "/cpr"
    assert request.headers["host"] == "hooks.example.org"
    assert request.extensions["sni_hostname"] == "hooks.example.org"  # TLS verifies the name, not the IP


def test_a_private_answer_at_send_time_is_refused_before_connecting():
    resolver = answers(["10.0.0.7"])
    seen, transport = recorder()
    ok, status, error = send(*make("https://hooks.example.org/cpr"), resolver=resolver, transport=transport)
    assert not ok and status is None and error.startswith("callback URL refused: ") and seen == []


def test_only_validated_addresses_are_tried_in_turn_when_one_refuses():
    resolver = answers([PUBLIC, "2606:2800:220:1:248:1893:25c8:1946"])
    seen, transport = recorder(fail={PUBLIC})
    ok, status, _ = send(*make("https://hooks.example.org:8443/cpr?x=1"), resolver=resolver, transport=transport)
    assert ok and status == 204
    assert [r.url.host for r in seen] == [PUBLIC, "2606:2800:220:1:248:1893:25c8:1946"]
    assert {r.headers["host"] for r in seen} == {"hooks.example.org:8443"}
    assert str(seen[1].url) == "https://[2606:2800:220:1:248:1893:25c8:1946]:8443/cpr?x=1"


def test_pinned_request_keeps_the_host_name_for_host_header_and_sni():
    target = CallbackTarget(url="https://Bücher.example/hook", scheme="https", host="bücher.example", port=443,
                            addresses=(ipaddress.ip_address(PUBLIC),))
    url, headers, extensions = pinned_request(target, target.addresses[0])
    assert str(url) == f"https://{PUBLIC}/hook"
    assert headers == {"host": "xn--bcher-kva.example"} and extensions == {"sni_hostname": "xn--bcher-kva.example"}
    # An IP literal was never resolved; it is its own pin and needs no SNI name.
    literal = CallbackTarget(url=f"http://{PUBLIC}:8080/h", scheme="http", host=PUBLIC, port=8080,
                             addresses=(ipaddress.ip_address(PUBLIC),))
    url, headers, extensions = pinned_request(literal, literal.addresses[0])
    assert str(url) == f"http://{PUBLIC}:8080/h" and headers == {"host": f"{PUBLIC}:8080"} and extensions == {}
