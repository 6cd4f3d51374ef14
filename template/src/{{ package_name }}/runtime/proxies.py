# Owned by the template: `plugin-scaffold update` rewrites this file. Keep your code out of it.
"""Whose X-Forwarded-* headers count: the proxies in TRUSTED_PROXIES.

A reverse proxy in front of the plugin reports the URL clients used (X-Forwarded-Proto and
-Host: the manifest's and spec's URLs are built from them) and the client's address
(X-Forwarded-For: rate limits and sign-in throttling count by it). From anyone else those
headers are whatever the client wants them to be, so they are dropped before the app sees them.
"""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

from .errors import ConfigError

# A proxy on the same machine, as uvicorn's --forwarded-allow-ips has it by default.
DEFAULT_TRUSTED_PROXIES = ("127.0.0.1", "::1")
RULE = "TRUSTED_PROXIES must list IP addresses or networks (e.g. 10.0.0.0/8), or be *"
# As ASGI servers hand header names over: in lower case.
FORWARDED_HEADERS = (b"forwarded", b"x-forwarded-for", b"x-forwarded-host", b"x-forwarded-proto")


class TrustedProxies:
    def __init__(self, entries: tuple[str, ...]) -> None:
        self.everyone = "*" in entries
        self.networks: list[IPv4Network | IPv6Network] = []
        for entry in entries:
            if entry == "*":
                continue
            try:
                self.networks.append(ip_network(entry, strict=False))
            except ValueError:
                raise ConfigError(f"{RULE}; {entry!r} is neither") from None

    def trusts(self, address: str | None) -> bool:
        if self.everyone:
            return True
        try:
            client = ip_address(address or "")
        except ValueError:  # a Unix socket, or no address at all
            return False
        return any(client in network for network in self.networks)

    def client(self, address: str | None, forwarded_for: str | None) -> str | None:
        """The client's address: the one a trusted proxy reports last (the address it got the
        request from), else the connection's own."""
        if forwarded_for and self.trusts(address):
            reported = forwarded_for.rsplit(",", 1)[-1].strip()
            if reported:
                return reported
        return address
