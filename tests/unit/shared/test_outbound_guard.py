"""One outbound URL guard (shared/http/outbound.py) for webhooks and calendar feeds (issue 17:
calendar_url had a weaker check). Each address form is tried through both real callers, the
webhook sender and the feed fetcher, with a fake resolver and a recording transport: nothing
is ever sent to a refused address, and the feed connects to the address the guard checked."""
from __future__ import annotations

import json
import socket

import httpx
import pytest

from services.dissemination.subscriptions import secrets as sealed
from services.dissemination.subscriptions.handlers import send
from services.dissemination.subscriptions.models import Subscription, WebhookDelivery
from services.scheduler.participants.feed import FeedError, fetch
from shared.settings import Settings

PUBLIC = "93.184.216.34"
SECRET_KEY = "unit-test-secret-key-0123456789abcdef"
CALENDAR = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nEND:VCALENDAR\r\n"

# Always refused, whatever the allow-private settings say: link-local (the cloud metadata
# address) and unspecified, also inside IPv4-mapped, NAT64 and 6to4 forms.
ALWAYS_REFUSED = [
    ("169.254.169.254", "link-local"),
    ("fe80::1", "link-local"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("::ffff:169.254.169.254", "link-local"),
    ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 wrapping 169.254.169.254
    ("2002:a9fe:a9fe::", "link-local"),  # 6to4 wrapping 169.254.169.254
    ("64:ff9b::", "unspecified"),  # NAT64 wrapping 0.0.0.0
]
# Refused unless allow-private: loopback and private ranges, in every form.
PRIVATE = [
    ("127.0.0.1", "loopback"),
    ("::1", "loopback"),
    ("10.0.0.5", "private"),
    ("fd00::1", "private"),
    ("64:ff9b::7f00:1", "loopback"),  # NAT64 wrapping 127.0.0.1
    ("2002:7f00:1::", "loopback"),  # 6to4 wrapping 127.0.0.1
    ("64:ff9b::a00:5", "private"),  # NAT64 wrapping 10.0.0.5
    ("2002:c0a8:101::", "private"),  # 6to4 wrapping 192.168.1.1
    ("::ffff:127.0.0.1", "loopback"),
]


def resolver(*rounds: list[str]):
    """A fake DNS whose n-th answer is rounds[n] (the last repeats): a rebinding name."""
    calls: list[str] = []

    def resolve(host, port, *args, **kwargs):
        calls.append(host)
        addrs = rounds[min(len(calls), len(rounds)) - 1]
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port, 0, 0) if ":" in a else (a, port)) for a in addrs]

    resolve.calls = calls
    return resolve


def recorder(status: int = 200, body: bytes = CALENDAR):
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, content=body, headers={"content-type": "text/calendar"})

    return seen, httpx.MockTransport(handle)


def settings(allow_private: bool) -> Settings:
    return Settings(secret_key=SECRET_KEY, webhook_allow_private=allow_private,
                    calendar_url_allow_private=allow_private, webhook_allow_http=False, calendar_url_allow_http=False)


def webhook(url: str, s: Settings, dns, transport) -> tuple[bool, str | None]:
    sub = Subscription(key_id="k", callback_url=url, secret_enc=sealed.seal(SECRET_KEY, "whsec_" + "A" * 32))
    delivery = WebhookDelivery(id="msg_1", subscription_id=sub.id, event_id="e1", entry_type="review_referred",
                               body=json.dumps({"type": "review_referred"}))
    ok, _status, error = send(sub, delivery, s, resolver=dns, transport=transport)
    return ok, error


def feed(url: str, s: Settings, dns, transport) -> tuple[bool, str | None]:
    try:
        fetch(url, s, resolver=dns, transport=transport)
    except FeedError as exc:
        return False, str(exc)
    return True, None


CALLERS = {"webhook": webhook, "feed": feed}


def _urls(ip: str) -> list[tuple[str, object]]:
    literal = f"[{ip}]" if ":" in ip else ip
    # As a literal (no DNS), and as a name that resolves to a public address and this one.
    return [(f"https://{literal}/x", resolver([])), ("https://rebind.example.org/x", resolver([PUBLIC, ip]))]


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("allow_private", [False, True], ids=["strict", "allow-private"])
@pytest.mark.parametrize("ip, reason", ALWAYS_REFUSED)
def test_link_local_and_unspecified_are_refused_whatever_the_setting(caller, allow_private, ip, reason):
    for url, dns in _urls(ip):
        seen, transport = recorder()
        ok, error = CALLERS[caller](url, settings(allow_private), dns, transport)
        assert not ok and reason in error and seen == [], (url, error)


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("ip, reason", PRIVATE)
def test_loopback_and_private_in_every_form_are_refused_by_default(caller, ip, reason):
    for url, dns in _urls(ip):
        seen, transport = recorder()
        ok, error = CALLERS[caller](url, settings(False), dns, transport)
        assert not ok and reason in error and seen == [], (url, error)


def test_a_feed_refusal_never_names_the_address_a_host_resolved_to():
    """The feed's reason is stored as last_error and shown to the board later."""
    ok, error = feed("https://rebind.example.org/x", settings(False), resolver([PUBLIC, "10.0.0.5"]), recorder()[1])
    assert not ok and "private address" in error and "10.0.0.5" not in error


@pytest.mark.parametrize("caller", CALLERS)
def test_the_name_is_resolved_once_and_the_checked_address_is_the_one_connected_to(caller):
    """DNS rebinding: the second answer would be loopback; it is never asked for."""
    dns = resolver([PUBLIC], ["127.0.0.1"])
    seen, transport = recorder(status=200 if caller == "feed" else 204)
    ok, error = CALLERS[caller]("https://cal.example.org:8443/x.ics?token=t", settings(False), dns, transport)
    assert ok, error
    assert dns.calls == ["cal.example.org"]
    (request,) = seen
    assert request.url.host == PUBLIC and request.url.port == 8443
    assert request.headers["host"] == "cal.example.org:8443"
    assert request.extensions.get("sni_hostname") == "cal.example.org"


def test_webcal_feeds_are_fetched_over_https_through_the_guard():
    seen, transport = recorder()
    assert feed("webcal://cal.example.org/x.ics", settings(False), resolver([PUBLIC]), transport) == (True, None)
    assert seen[0].url.scheme == "https"
    ok, error = feed("webcal://[64:ff9b::7f00:1]/x.ics", settings(False), resolver([]), transport)
    assert not ok and "loopback" in error


@pytest.mark.parametrize("status", [401, 403, 404, 500, 502])
def test_a_feeds_error_does_not_repeat_the_targets_http_status(status):
    """A status code would let a board probe what answers where; the reason is generic."""
    ok, error = feed("https://cal.example.org/x.ics", settings(False), resolver([PUBLIC]), recorder(status)[1])
    assert not ok and str(status) not in error and "answered with an error" in error


def test_a_feed_redirect_is_not_followed_and_not_described():
    ok, error = feed("https://cal.example.org/x.ics", settings(False), resolver([PUBLIC]), recorder(302)[1])
    assert not ok and "redirects" in error and "302" not in error
