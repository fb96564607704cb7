"""Which addresses a link may lead to: public web servers only, unless the settings allow the
private network (`FACTCHECK_ALLOW_PRIVATE_URLS`).

A link pasted into a newsroom tool must not turn it into a way to read the machine's own
services (127.0.0.1, a database on the office network, a cloud metadata endpoint that hands out
credentials). Checking the host name is not enough: a public-looking name can resolve to a
private address, a redirect can point anywhere, and a name can resolve differently a second
later (DNS rebinding). So the check happens where the connection is made: the host is resolved
once, every address is checked, and the socket connects to exactly the address that was checked.
`GuardedBackend` does that for httpx/httpcore, for the first request and every redirect hop.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import httpcore

from .errors import RefusedInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata services hand out credentials to whoever asks from the machine: never fetched,
# whatever the settings say. (Most are link-local; some are not.)
METADATA = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean...
    "169.254.170.2",  # AWS ECS task credentials
    "169.254.169.123",  # AWS time sync
    "100.100.100.200",  # Alibaba Cloud
    "fd00:ec2::254",  # AWS over IPv6
))
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_6TO4 = ipaddress.ip_network("2002::/16")

ALLOW_HINT = "set FACTCHECK_ALLOW_PRIVATE_URLS=true to allow links to the local network"


def _embedded_v4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, NAT64, 6to4): it is where packets go."""
    if ip.version != 6:
        return None
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _6TO4:
        return ip.sixtofour
    return None


def address_problem(ip: IPAddress | str, *, allow_private: bool = False) -> str | None:
    """Why a link may not lead to this address, in words a person understands; None if it may."""
    ip = ipaddress.ip_address(ip)
    inner = _embedded_v4(ip)
    if inner is not None:
        return address_problem(inner, allow_private=allow_private)
    if ip in METADATA:
        return "a cloud metadata address"
    if allow_private:
        return None
    for test, words in ((ip.is_unspecified, "an unspecified address"), (ip.is_loopback, "a loopback address (this machine)"),
                        (ip.is_link_local, "a link-local address"), (ip.is_multicast, "a multicast address"),
                        (ip.is_reserved, "a reserved address"), (ip.is_private, "a private network address")):
        if test:
            return words
    if not ip.is_global:
        return "a special-purpose address, not on the public internet"
    return None


def resolve(host: str, port: int) -> list[str]:
    """Every address the host name resolves to (an IP literal resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise RefusedInput(f"cannot find the host {host} ({getattr(exc, 'strerror', None) or exc})") from None
    addresses: list[str] = []
    for *_, sockaddr in infos:
        addr = sockaddr[0].split("%")[0]  # drop an IPv6 zone id
        if addr not in addresses:
            addresses.append(addr)
    if not addresses:
        raise RefusedInput(f"cannot find the host {host}")
    return addresses


def checked_addresses(host: str, port: int, *, allow_private: bool = False) -> list[str]:
    """Resolve the host and refuse it if any of its addresses is off limits."""
    addresses = resolve(host, port)
    for addr in addresses:
        problem = address_problem(addr, allow_private=allow_private)
        if problem:
            shown = host if host == addr else f"{host} ({addr})"
            hint = "" if problem == "a cloud metadata address" else f"; {ALLOW_HINT}"
            raise RefusedInput(f"refused to fetch {shown}: it is {problem}; only public web servers are fetched{hint}")
    return addresses


def check_url(url: str, *, allow_private: bool = False, resolve_host: bool = True) -> None:
    """Refuse a link before any request to it: only http and https, a host, and (unless
    `resolve_host` is off) a host whose addresses are allowed."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. "http://[" (an unclosed IPv6 literal)
        raise RefusedInput(f"not a valid link: {url}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise RefusedInput(f"only http and https links can be fetched, not {parts.scheme or 'this'}: {url}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise RefusedInput(f"not a valid link: {url}") from None
    if not host:
        raise RefusedInput(f"link has no host name: {url}")
    if resolve_host:
        checked_addresses(host, port or (443 if parts.scheme.lower() == "https" else 80), allow_private=allow_private)


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's network backend, connecting only to addresses that pass the check. It
    resolves the name itself and connects to the address it checked, so a second DNS answer
    (rebinding) never reaches the socket; TLS still verifies the certificate against the name."""

    def __init__(self, *, allow_private: bool = False):
        self.allow_private = allow_private

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        addresses = checked_addresses(host, port, allow_private=self.allow_private)
        error: Exception | None = None
        for addr in addresses:
            try:
                return super().connect_tcp(addr, port, timeout=timeout, local_address=local_address,
                                           socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    def connect_unix_socket(self, path, timeout=None, socket_options=None):  # pragma: no cover - never configured
        raise RefusedInput("links to local sockets are not fetched")


def guarded_transport(*, allow_private: bool = False):
    """An httpx transport whose every connection goes through `GuardedBackend`. Proxies from the
    environment are not used: through a proxy, the address could not be checked."""
    import httpx

    transport = httpx.HTTPTransport(trust_env=False)
    pool = transport._pool  # httpx 0.28 has no public hook for the network backend (pinned in pyproject)
    if not isinstance(pool, httpcore.ConnectionPool) or not hasattr(pool, "_network_backend"):
        raise RuntimeError("httpx's transport changed: the URL guard cannot be installed")
    pool._network_backend = GuardedBackend(allow_private=allow_private)
    return transport
