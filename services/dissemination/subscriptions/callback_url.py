"""Validation of subscription callback URLs, against server-side request forgery (SSRF).

A subscriber chooses the URL our delivery worker will POST to, so an unchecked URL would let
anyone with a key make the service call internal systems (the database, the broker's management
API, a cloud metadata endpoint at 169.254.169.254). We therefore require https, refuse
credentials in the URL, and refuse any host that resolves to a non-public address; *every*
address the name resolves to is checked, since a client may connect to any of them.

This check at subscription time is NOT sufficient on its own. The delivery worker must:

* call `validate_callback_url` again immediately before every send (DNS can change between
  subscribing and sending: "DNS rebinding"), and connect to one of the addresses returned in
  `CallbackTarget.addresses` rather than resolving again (handlers.py `pinned_request`);
* never follow redirects (httpx: ``follow_redirects=False``, its default); a 3xx is a failed
  delivery, because a redirect to ``http://10.0.0.5/`` would bypass all of this.

`allow_private` exists for tests and closed networks: it admits loopback and private ranges
(RFC 1918, unique-local fc00::/7, carrier-grade NAT 100.64/10) but never unspecified,
multicast, broadcast, reserved, documentation or link-local addresses. Link-local stays refused
even then because the cloud metadata service lives there and no real receiver does.
"""

from __future__ import annotations

import ipaddress
import re
import socket
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


class CallbackUrlRejected(ValueError):
    """The callback URL may not be used; `reason` is safe to show to the subscriber."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class CallbackTarget:
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


def validate_callback_url(
    url: str,
    allow_private: bool = False,
    allow_http: bool = False,
    resolver: Resolver = socket.getaddrinfo,
) -> CallbackTarget:
    """Accept `url` as a delivery target or raise CallbackUrlRejected saying why.

    `resolver` is called as ``resolver(host, port)`` and must return getaddrinfo-style tuples
    (the address is ``item[4][0]``); tests inject a fake so no real DNS is needed.
    """
    if not isinstance(url, str) or not url:
        raise CallbackUrlRejected("callback URL is empty")
    if len(url) > MAX_URL_LENGTH:
        raise CallbackUrlRejected(f"callback URL is longer than {MAX_URL_LENGTH} characters")
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        raise CallbackUrlRejected("callback URL contains whitespace or control characters")
    if "\\" in url:
        raise CallbackUrlRejected("callback URL contains a backslash")

    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme != "https" and not (allow_http and scheme == "http"):
        raise CallbackUrlRejected("callback URL must use https")
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise CallbackUrlRejected("callback URL must not contain credentials (user info)")
    host = parts.hostname
    if not host:
        raise CallbackUrlRejected("callback URL has no host")
    try:
        explicit_port = parts.port
    except ValueError:
        raise CallbackUrlRejected("callback URL has an invalid port") from None
    if explicit_port == 0:
        raise CallbackUrlRejected("callback URL has an invalid port")
    port = explicit_port or (443 if scheme == "https" else 80)
    if "%" in host:
        raise CallbackUrlRejected("callback URL must not use an IPv6 zone identifier")

    host = host.rstrip(".")
    literal = _ip_literal(host)
    if literal is not None:
        addresses: tuple[IPAddress, ...] = (literal,)
    else:
        # "127.1", "0x7f.0.0.1" or "2130706433" are not hostnames (a top-level label is never
        # numeric) but many resolvers read them as IPv4; refuse rather than guess.
        if _NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]):
            raise CallbackUrlRejected("callback URL host is a non-canonical IP address")
        if host == "localhost" or host.endswith(".localhost"):
            if not allow_private:
                raise CallbackUrlRejected("callback URL host is localhost")
        try:
            host.encode("idna")
        except UnicodeError:
            raise CallbackUrlRejected("callback URL host is not a valid domain name") from None
        addresses = _resolve(host, port, resolver)

    for addr in addresses:
        problem = address_problem(addr, allow_private)
        if problem:
            shown = "" if literal is not None else f" ({host} resolves to {addr})"
            raise CallbackUrlRejected(f"callback URL points at a {problem}{shown}")
    return CallbackTarget(url=url, scheme=scheme, host=host, port=port, addresses=addresses)


def _resolve(host: str, port: int, resolver: Resolver) -> tuple[IPAddress, ...]:
    try:
        infos = resolver(host, port)
    except (OSError, UnicodeError):
        raise CallbackUrlRejected(f"callback URL host {host} does not resolve") from None
    found: dict[IPAddress, None] = {}
    for info in infos:
        raw = str(info[4][0]).split("%", 1)[0]  # drop an IPv6 scope id
        try:
            found[ipaddress.ip_address(raw)] = None
        except ValueError:
            raise CallbackUrlRejected(f"callback URL host {host} resolves to an invalid address") from None
    if not found:
        raise CallbackUrlRejected(f"callback URL host {host} does not resolve")
    return tuple(found)
