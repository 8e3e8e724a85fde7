"""Callback URL validation: nothing that could reach an internal address gets through."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from services.dissemination.subscriptions.callback_url import (
    CallbackUrlRejected,
    validate_callback_url,
)

PUBLIC_V4 = "93.184.216.34"
PUBLIC_V6 = "2606:2800:220:1:248:1893:25c8:1946"


def resolver_for(mapping: dict[str, list[str]]):
    calls = []

    def resolve(host, port, *args, **kwargs):
        calls.append((host, port))
        if host not in mapping:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        out = []
        for addr in mapping[host]:
            fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
            sockaddr = (addr, port, 0, 0) if fam == socket.AF_INET6 else (addr, port)
            out.append((fam, socket.SOCK_STREAM, 6, "", sockaddr))
        return out

    resolve.calls = calls
    return resolve


def no_dns(*_a, **_k):
    raise AssertionError("IP literals must not be resolved")


def rejected(url, reason_part, **kw):
    kw.setdefault("resolver", resolver_for({}))
    with pytest.raises(CallbackUrlRejected) as exc:
        validate_callback_url(url, **kw)
    assert reason_part in exc.value.reason
    return exc.value


def test_public_https_host_is_accepted_with_all_its_addresses():
    r = resolver_for({"hooks.example.org": [PUBLIC_V4, PUBLIC_V6, PUBLIC_V4]})
    target = validate_callback_url("https://hooks.example.org:8443/cpr?x=1", resolver=r)
    assert target.host == "hooks.example.org" and target.port == 8443 and target.scheme == "https"
    assert target.addresses == (ipaddress.ip_address(PUBLIC_V4), ipaddress.ip_address(PUBLIC_V6))
    assert r.calls == [("hooks.example.org", 8443)]


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://hooks.example.org/", "https"),
        ("ftp://hooks.example.org/", "https"),
        ("file:///etc/passwd", "https"),
        ("hooks.example.org/path", "https"),
        ("https:///path", "no host"),
        ("https://user:pw@hooks.example.org/", "credentials"),
        ("https://user@hooks.example.org/", "credentials"),
        ("https://hooks.example.org:99999/", "port"),
        ("https://hooks.example.org:0/", "port"),
        ("https://hooks.example.org/a b", "whitespace"),
        ("https://hooks.example.org\\@evil/", "backslash"),
        ("https://unknown.example.org/", "does not resolve"),
        ("https://" + "a" * 2050 + ".org/", "longer"),
    ],
)
def test_malformed_or_unsafe_urls_are_refused(url, reason):
    rejected(url, reason)


def test_http_only_when_configured():
    r = resolver_for({"hooks.example.org": [PUBLIC_V4]})
    assert validate_callback_url("http://hooks.example.org/", allow_http=True, resolver=r).port == 80


@pytest.mark.parametrize(
    "ip, reason",
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.20.0.1", "private"),
        ("192.168.1.10", "private"),
        ("100.64.0.1", "private"),
        ("169.254.169.254", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("0.1.2.3", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("255.255.255.255", "reserved"),
        ("240.0.0.1", "reserved"),
        ("192.0.2.1", "non-public"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fd00::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("2002:7f00:1::", "loopback"),  # 6to4 wrapping 127.0.0.1
        ("64:ff9b::a00:1", "private"),  # NAT64 wrapping 10.0.0.1
    ],
)
def test_non_public_addresses_are_refused_as_literals_and_via_dns(ip, reason):
    literal = f"[{ip}]" if ":" in ip else ip
    rejected(f"https://{literal}/hook", reason, resolver=no_dns)
    # ALL resolved addresses count: one bad address among good ones is enough to refuse.
    r = resolver_for({"rebind.example.org": [PUBLIC_V4, ip]})
    err = rejected("https://rebind.example.org/hook", reason, resolver=r)
    assert "rebind.example.org resolves to" in err.reason


def test_public_ip_literals_are_accepted_without_dns():
    assert validate_callback_url(f"https://{PUBLIC_V4}/h", resolver=no_dns).addresses == (
        ipaddress.ip_address(PUBLIC_V4),)
    assert validate_callback_url(f"https://[{PUBLIC_V6}]/h", resolver=no_dns).port == 443


@pytest.mark.parametrize("host", ["127.1", "0x7f.0.0.1", "2130706433", "017700000001", "10.0.1"])
def test_non_canonical_numeric_hosts_are_refused(host):
    rejected(f"https://{host}/", "non-canonical")


def test_localhost_names_are_refused_before_dns():
    rejected("https://localhost/", "localhost", resolver=no_dns)
    rejected("https://api.localhost/", "localhost", resolver=no_dns)


def test_zone_ids_are_refused():
    rejected("https://[fe80::1%25eth0]/", "zone")


def test_allow_private_admits_loopback_and_private_only():
    r = resolver_for({"localhost": ["127.0.0.1", "::1"], "svc.internal": ["10.0.0.7"]})
    assert validate_callback_url("https://localhost:8443/h", allow_private=True, resolver=r).port == 8443
    assert validate_callback_url("https://svc.internal/h", allow_private=True, resolver=r)
    assert validate_callback_url("https://[::ffff:127.0.0.1]/h", allow_private=True, resolver=no_dns)
    for ip, reason in [("0.0.0.0", "unspecified"), ("224.0.0.1", "multicast"),
                       ("169.254.169.254", "link-local"), ("240.0.0.1", "reserved"),
                       ("[::]", "unspecified"), ("[ff02::1]", "multicast")]:
        rejected(f"https://{ip}/", reason, allow_private=True, resolver=no_dns)


def test_resolver_returning_nothing_is_refused():
    rejected("https://empty.example.org/", "does not resolve", resolver=lambda h, p: [])


def test_default_resolver_is_the_system_one():
    # A literal needs no DNS, so this exercises the default path without the network.
    with pytest.raises(CallbackUrlRejected, match="loopback"):
        validate_callback_url("https://127.0.0.1/")
