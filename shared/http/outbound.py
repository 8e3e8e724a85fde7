"""The one guard for every outbound fetch to a URL a client chose, against server-side request
forgery (SSRF): subscription callback URLs (webhooks, dissemination) and calendar feeds
(`calendar_url`, scheduler).

A client chooses the URL our worker will call, so an unchecked URL would let anyone with a key
make the service call internal systems (the database, the broker's management API, a cloud
metadata endpoint at 169.254.169.254). We therefore require https, refuse credentials in the
URL, and refuse any host that resolves to a non-public address; *every* address the name
resolves to is checked, since a client may connect to any of them. IPv6 forms that carry an
IPv4 address (mapped ::ffff:0:0/96, NAT64 64:ff9b::/96, 6to4 2002::/16, Teredo) are judged by
the IPv4 address inside.

A check when the URL is stored is NOT sufficient on its own. The fetching worker must:

* call `validate_outbound_url` again immediately before every request (DNS can change between
  storing and sending: "DNS rebinding"), and connect to one of the addresses returned in
  `OutboundTarget.addresses` rather than resolving again (`pinned_request` below);
* never follow redirects (httpx: ``follow_redirects=False``, its default); a 3xx is a failure,
  because a redirect to ``http://10.0.0.5/`` would bypass all of this;
* pass an explicit transport (``httpx.HTTPTransport()``), so no proxy from the environment
  resolves the name itself and undoes the pinning.

`allow_private` (settings `webhook_allow_private`, `calendar_url_allow_private`) exists for
tests and closed networks: it admits loopback and private ranges
(RFC 1918, unique-local fc00::/7, carrier-grade NAT 100.64/10) but never unspecified,
multicast, broadcast, reserved, documentation or link-local addresses. Link-local stays refused
even then because the cloud metadata service lives there and no real receiver does.
"""

from __future__ import annotations

import ipaddress
import re
import socket

import httpx
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[..., Sequence[tuple[Any, ...]]]

MAX_URL_LENGTH = 2048

# Ranges `allow_private` admits besides loopback. Everything else that is not global is refused.
PRIVATE_NETWORKS: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = (
    ipaddress.ip_network("10.0.0.0/8"),
    ipaddress.ip_network("172.16.0.0/12"),
    ipaddress.ip_network("192.168.0.0/16"),
    ipaddress.ip_network("100.64.0.0/10"),
    ipaddress.ip_network("fc00::/7"),
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)


class OutboundUrlRejected(ValueError):
    """The URL may not be fetched; `reason` is safe to show to the client who gave it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class OutboundTarget:
    """A URL that passed, with the addresses checked (so the sender can connect to one of them)."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[IPAddress, ...]


def _embedded_ipv4(addr: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """An IPv4 address carried inside an IPv6 one, which is where the real destination is."""
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    if addr.sixtofour is not None:
        return addr.sixtofour
    if addr.teredo is not None:
        return addr.teredo[1]
    if addr in _NAT64:
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    return None


def address_problem(addr: IPAddress, allow_private: bool = False) -> str | None:
    """Why `addr` may not receive deliveries, or None if it may."""
    if isinstance(addr, ipaddress.IPv6Address):
        inner = _embedded_ipv4(addr)
        if inner is not None:
            problem = address_problem(inner, allow_private)
            return f"{problem} (embedded in IPv6 address)" if problem else None
    if addr.is_unspecified or addr in _THIS_NETWORK:
        return "unspecified address"
    if addr.is_multicast:
        return "multicast address"
    if addr.is_link_local:
        return "link-local address"
    if addr.is_loopback:
        return None if allow_private else "loopback address"
    if any(addr in net for net in PRIVATE_NETWORKS):
        return None if allow_private else "private address"
    if addr.is_reserved:
        return "reserved address"
    if not addr.is_global:
        return "non-public address"
    return None


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def validate_outbound_url(
    url: str,
    allow_private: bool = False,
    allow_http: bool = False,
    resolver: Resolver = socket.getaddrinfo,
    what: str = "callback URL",
    show_addresses: bool = True,
) -> OutboundTarget:
    """Accept `url` as a target or raise OutboundUrlRejected saying why (naming it `what`).

    `resolver` is called as ``resolver(host, port)`` and must return getaddrinfo-style tuples
    (the address is ``item[4][0]``); tests inject a fake so no real DNS is needed.
    `show_addresses`: whether a refusal may name the address a host name resolved to (not
    where the reason is stored and shown later to others, as a feed's `last_error`).
    """
    try:
        return _validate(url, allow_private, allow_http, resolver, show_addresses)
    except OutboundUrlRejected as exc:
        raise OutboundUrlRejected(exc.reason.replace("callback URL", what, 1)) from None


def _validate(url: str, allow_private: bool, allow_http: bool, resolver: Resolver,
              show_addresses: bool) -> OutboundTarget:
    if not isinstance(url, str) or not url:
        raise OutboundUrlRejected("callback URL is empty")
    if len(url) > MAX_URL_LENGTH:
        raise OutboundUrlRejected(f"callback URL is longer than {MAX_URL_LENGTH} characters")
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        raise OutboundUrlRejected("callback URL contains whitespace or control characters")
    if "\\" in url:
        raise OutboundUrlRejected("callback URL contains a backslash")

    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme != "https" and not (allow_http and scheme == "http"):
        raise OutboundUrlRejected("callback URL must use https")
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise OutboundUrlRejected("callback URL must not contain credentials (user info)")
    host = parts.hostname
    if not host:
        raise OutboundUrlRejected("callback URL has no host")
    try:
        explicit_port = parts.port
    except ValueError:
        raise OutboundUrlRejected("callback URL has an invalid port") from None
    if explicit_port == 0:
        raise OutboundUrlRejected("callback URL has an invalid port")
    port = explicit_port or (443 if scheme == "https" else 80)
    if "%" in host:
        raise OutboundUrlRejected("callback URL must not use an IPv6 zone identifier")

    host = host.rstrip(".")
    literal = _ip_literal(host)
    if literal is not None:
        addresses: tuple[IPAddress, ...] = (literal,)
    else:
        # "127.1", "0x7f.0.0.1" or "2130706433" are not hostnames (a top-level label is never
        # numeric) but many resolvers read them as IPv4; refuse rather than guess.
        if _NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]):
            raise OutboundUrlRejected("callback URL host is a non-canonical IP address")
        if host == "localhost" or host.endswith(".localhost"):
            if not allow_private:
                raise OutboundUrlRejected("callback URL host is localhost")
        try:
            host.encode("idna")
        except UnicodeError:
            raise OutboundUrlRejected("callback URL host is not a valid domain name") from None
        addresses = _resolve(host, port, resolver)

    for addr in addresses:
        problem = address_problem(addr, allow_private)
        if problem:
            shown = "" if literal is not None or not show_addresses else f" ({host} resolves to {addr})"
            raise OutboundUrlRejected(f"callback URL points at a {problem}{shown}")
    return OutboundTarget(url=url, scheme=scheme, host=host, port=port, addresses=addresses)


def _resolve(host: str, port: int, resolver: Resolver) -> tuple[IPAddress, ...]:
    try:
        infos = resolver(host, port)
    except (OSError, UnicodeError):
        raise OutboundUrlRejected(f"callback URL host {host} does not resolve") from None
    found: dict[IPAddress, None] = {}
    for info in infos:
        raw = str(info[4][0]).split("%", 1)[0]  # drop an IPv6 scope id
        try:
            found[ipaddress.ip_address(raw)] = None
        except ValueError:
            raise OutboundUrlRejected(f"callback URL host {host} resolves to an invalid address") from None
    if not found:
        raise OutboundUrlRejected(f"callback URL host {host} does not resolve")
    return tuple(found)


def pinned_request(target: OutboundTarget, address: IPAddress) -> tuple[httpx.URL, dict[str, str], dict[str, str]]:
    """The URL to request (the validated `address` in place of the host name), the `Host`
    header and the request extensions (`sni_hostname`) that keep the original host for the
    receiver and for TLS: the certificate is verified against the host name, not the address."""
    original = httpx.URL(target.url)
    url = original.copy_with(host=str(address), port=target.port)
    hostname = original.raw_host.decode("ascii")
    try:
        ipaddress.ip_address(hostname.strip("[]"))
    except ValueError:
        extensions = {"sni_hostname": hostname}
    else:
        extensions = {}  # an IP literal: nothing was resolved, and SNI carries no address
    return url, {"host": original.netloc.decode("ascii")}, extensions


# The names the webhook code has always used.
CallbackUrlRejected = OutboundUrlRejected
CallbackTarget = OutboundTarget
validate_callback_url = validate_outbound_url
