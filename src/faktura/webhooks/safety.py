"""Where webhooks may go (SSRF): https to public addresses only, unless an operator allows a host.

A URL is checked when an endpoint is saved (scheme, and the host when it is an IP literal) and
again before every request: the host is resolved, every address must be public, and the request
is sent to the address that was checked (no second lookup an attacker could answer differently).
"""

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedDestination(Exception):
    """The URL may not be called; the message says why."""


@dataclass(frozen=True, slots=True)
class Destination:
    """A checked URL and the address to connect to."""

    url: SplitResult
    host: str
    port: int
    address: IPAddress


# IPv6 ranges that carry an IPv4 address in their last 32 bits: NAT64 (RFC 6052, the well-known
# and the local-use prefix) and the deprecated IPv4-compatible form. 6to4 and Teredo have their
# own accessors on IPv6Address.
_IPV4_IN_LAST_32_BITS = (
    ipaddress.IPv6Network("64:ff9b::/96"),
    ipaddress.IPv6Network("64:ff9b:1::/48"),
    ipaddress.IPv6Network("::/96"),
)


def _ip(host: str) -> IPAddress | None:
    """The address a URL's host denotes, if it is one: an IPv6 or dotted IPv4 literal, or one of
    the legacy IPv4 forms that URL parsers and resolvers read as an address (`2130706433`,
    `0x7f000001`, `127.1`, `0177.0.0.1`), which would otherwise pass for a name."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if not host or any(c not in "0123456789abcdefx." for c in host):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host.removesuffix(".")))
    except OSError:
        return None


def is_allowed_host(host: str, address: IPAddress | None, allowed: tuple[str, ...]) -> bool:
    """Whether the operator allowed this host: by its name, by the address written in the URL,
    or by a CIDR range holding the address it resolves to. An address entry does not allow a
    name that merely resolves to it (that is what DNS rebinding relies on)."""
    host = host.lower()
    literal = _ip(host)
    for entry in allowed:
        if entry == host:
            return True
        if "/" in entry:
            try:
                network = ipaddress.ip_network(entry, strict=False)
            except ValueError:
                continue
            if address is not None and address in network:
                return True
        elif literal is not None and _ip(entry) == literal:
            return True
    return False


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address reaches through a translator or tunnel, if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address.is_loopback or address.is_unspecified:
        return None  # ::1 and ::, not the IPv4-compatible 0.0.0.1 and 0.0.0.0
    if any(address in network for network in _IPV4_IN_LAST_32_BITS):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """Not private, loopback, link-local (cloud metadata), multicast, reserved or unspecified,
    nor an IPv6 address that embeds such an IPv4 address (mapped, NAT64, 6to4, Teredo,
    IPv4-compatible)."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_ipv4(address)
        if inner is not None and not is_public(inner):
            return False
    return address.is_global and not address.is_multicast


def parse_url(url: str) -> tuple[SplitResult, str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise RefusedDestination("must be an https:// URL")
    host = (parts.hostname or "").lower()
    if not host:
        raise RefusedDestination("must name a host")
    if parts.username or parts.password:
        raise RefusedDestination("must not carry a user name or password")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise RefusedDestination("has an invalid port") from exc
    return parts, host, port


def check_url(url: str, allowed: tuple[str, ...]) -> None:
    """What can be known without the network: the scheme, and the host if it is an address."""
    parts, host, _port = parse_url(url)
    address = _ip(host)
    if is_allowed_host(host, address, allowed):
        return
    if parts.scheme != "https":
        raise RefusedDestination("must be an https:// URL")
    if address is not None and not is_public(address):
        raise RefusedDestination(f"{_described(host, address)} is not a public address")


def _described(host: str, address: IPAddress) -> str:
    """The host as written, and the IPv4 address it really reaches when that differs."""
    inner = embedded_ipv4(address) if isinstance(address, ipaddress.IPv6Address) else None
    if inner is not None:
        return f"{host} (IPv4 {inner})"
    return host if str(address) == host else f"{host} ({address})"


async def resolve(url: str, allowed: tuple[str, ...]) -> Destination:
    """Resolve the URL's host and refuse it unless every address is public or allowed."""
    check_url(url, allowed)
    parts, host, port = parse_url(url)
    literal = _ip(host)
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise RefusedDestination(f"{host} does not resolve") from exc
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
        if not addresses:
            raise RefusedDestination(f"{host} does not resolve")
    if not is_allowed_host(host, None, allowed):
        for address in addresses:
            if is_allowed_host(host, address, allowed):
                continue
            if not is_public(address):
                raise RefusedDestination(f"{host} resolves to {address}, not a public address")
    # IPv4 first: a host that resolves both ways is reached where most services listen.
    addresses.sort(key=lambda address: address.version)
    return Destination(parts, host, port, addresses[0])
