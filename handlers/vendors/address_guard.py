"""Where `http.post` may connect: the URL as the sender parses it, one resolution, a pinned address.

- `check_url(url)` reads the URL with urllib3's `parse_url`, the parser requests prepares and
  sends with (urllib.parse reads `http://127.0.0.1:5701\\@1.1.1.1/` as host 1.1.1.1; requests
  connects to 127.0.0.1). It refuses a scheme other than http(s), a missing host, a `\\`
  anywhere and user info (any `@` before the host): each is read differently by some parsers.
- `PinnedAdapter` is the transport: for each request it takes the host of the URL requests
  prepared, resolves it once, refuses a non-public address (unless private ones are allowed),
  and connects to that address and no other (no second lookup a DNS answer could change).
  The name is still what the receiver sees: the Host header, the TLS SNI and the certificate
  check all use it.

Address classes (`refused_address`): loopback, link-local, site-local, private, reserved,
multicast, unspecified and every other non-global address are refused. IPv6 ranges that carry
an IPv4 address are judged by that address: IPv4-mapped `::ffff:0:0/96`, 6to4 `2002::/16` and
NAT64 `64:ff9b::/96` (a public IPv4 inside is allowed, as DNS64 networks need). Ranges whose
IPv4 cannot be judged here are refused whole: Teredo `2001::/32` (reached through a relay, the
client address obfuscated), NAT64 local-use `64:ff9b:1::/48` and IPv4-compatible `::/96`.
"""
import ipaddress
import re
import socket

import requests
from requests.adapters import HTTPAdapter
from requests.utils import select_proxy
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from handlers.vendors.errors import VendorConnectionError, VendorRejected

DEFAULT_PORTS = {"http": 80, "https": 443}
NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")
SIXTOFOUR = ipaddress.ip_network("2002::/16")
REFUSED_IPV6_RANGES = tuple(ipaddress.ip_network(net) for net in (
    "2001::/32",        # Teredo
    "64:ff9b:1::/48",   # NAT64 local use (RFC 8215)
    "::/96",            # IPv4-compatible (deprecated, RFC 4291)
))
ALLOW_HINT = "(set HTTP_ALLOW_PRIVATE=true to allow)"
AUTHORITY = re.compile(r"^[a-z][a-z0-9+.-]*://([^/?#]*)", re.IGNORECASE)  # RFC 3986's split


def embedded_ipv4(ip):
    """The IPv4 address an IPv6 address of a translation range carries, or None."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in SIXTOFOUR:
        return ip.sixtofour
    if ip in NAT64_WELL_KNOWN:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def refused_address(address):
    """True unless `address` (a string, IPv6 may carry a %scope) is a public one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6:
        if any(ip in network for network in REFUSED_IPV6_RANGES):
            return True
        inner = embedded_ipv4(ip)
        if inner is not None:
            return refused_address(str(inner))
        if ip.is_site_local:
            return True
    return (ip.is_loopback or ip.is_link_local or ip.is_private or ip.is_reserved
            or ip.is_multicast or ip.is_unspecified or not ip.is_global)


def check_url(url):
    """The URL as requests will send it (a urllib3 Url); VendorRejected when it may not be."""
    text = str(url)
    if "\\" in text:
        raise VendorRejected("http.post: the URL contains a backslash (write %5C if it belongs in the path)")
    try:
        parts = parse_url(text)
    except LocationParseError:
        raise VendorRejected("http.post: the URL cannot be parsed") from None
    if parts.scheme not in DEFAULT_PORTS or not parts.host:
        raise VendorRejected(f"http.post: {parts.scheme or 'no'} scheme; only http and https URLs are allowed")
    authority = AUTHORITY.match(text)
    if parts.auth is not None or (authority and "@" in authority.group(1)):
        raise VendorRejected("http.post: the URL carries user info (user@host); send credentials in headers")
    return parts


def bare_host(host):
    """A urllib3 host without IPv6 brackets or a trailing dot: what name checks and lookups take."""
    return host.strip("[]").rstrip(".")


def pinned_address(host, port, allow_private, method="POST", url=""):
    """Resolve `host` once; the address to connect to, after checking every address it has."""
    try:
        infos = socket.getaddrinfo(bare_host(host), port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise VendorConnectionError(f"http.post: cannot resolve {host} ({exc.strerror})", method=method, url=url) from None
    addresses = [info[4][0] for info in infos]
    if not allow_private:
        for address in addresses:
            if refused_address(address):
                raise VendorRejected(f"http.post: {host} resolves to a non-public address {address} {ALLOW_HINT}",
                                     method=method, url=url)
    return addresses[0]


def url_host(address):
    """An address as the host part of a URL: IPv6 in brackets, a %scope as %25."""
    return f"[{address.replace('%', '%25')}]" if ":" in address else address


class PinnedAdapter(HTTPAdapter):
    """Sends each request to the one address its host resolved to when checked.

    The URL handed to urllib3 names that address; the Host header keeps the name, and for
    https the pool's `server_hostname` (SNI) and `assert_hostname` (certificate) are the name.
    Through a proxy the pinned address is what the proxy is asked for (CONNECT for https).
    """

    def __init__(self, allow_private=False):
        super().__init__()
        self.allow_private = allow_private

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        parts = check_url(request.url)
        port = parts.port or DEFAULT_PORTS[parts.scheme]
        address = pinned_address(parts.host, port, self.allow_private, request.method, request.url)
        proxy = select_proxy(request.url, proxies)  # chosen by the name, as without pinning
        pinned = request.copy()
        pinned.url = parts._replace(host=url_host(address)).url
        pinned.headers["Host"] = parts.netloc
        return super().send(pinned, stream=stream, timeout=timeout, verify=verify, cert=cert,
                            proxies={parts.scheme: proxy} if proxy else {})

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        if host_params["scheme"] == "https":
            name = bare_host(parse_url("//" + request.headers["Host"]).host)
            pool_kwargs.update(server_hostname=name, assert_hostname=name)
        return host_params, pool_kwargs


def pinned_session(base, allow_private):
    """A session with `base`'s settings (CA bundle, proxies, auth) whose every call is pinned."""
    session = requests.Session()
    session.headers = base.headers.copy()
    for name in ("auth", "proxies", "verify", "cert", "trust_env"):
        setattr(session, name, getattr(base, name))
    adapter = PinnedAdapter(allow_private)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
