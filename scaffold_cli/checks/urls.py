"""URLs in a manifest or spec, resolved the way the plugin serves them.

In a project folder a manifest may name its own host without knowing it: a path ("/logo.png",
our rendered projects, whose server prefixes the request's base URL) or the quickstart's
"PLUGIN_HOSTNAME" placeholder (replaced at serve time). Such a URL is `own_host`.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

PLACEHOLDER = "PLUGIN_HOSTNAME"
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class PluginUrl:
    text: str  # as written
    path: str  # the path part, "/" at least
    absolute: str | None  # the full URL, when it is known
    own_host: bool  # written as a path or with the placeholder

    @property
    def scheme(self) -> str | None:
        return urlsplit(self.absolute).scheme if self.absolute else None

    @property
    def host(self) -> str | None:
        return host_of(self.absolute) if self.absolute else None


def resolve(text: str, base: str | None) -> PluginUrl | None:
    """Resolve `text` against the URL it was served from (`base`; None for a folder).

    None when `text` is neither an http(s) URL nor a path starting with "/".
    """
    try:
        return _resolve(text, base)
    except ValueError:  # urlsplit's verdict on e.g. "http://[::1"
        return None


def _resolve(text: str, base: str | None) -> PluginUrl | None:
    if text.startswith(PLACEHOLDER) or (text.startswith("/") and not text.startswith("//")):
        relative = text.removeprefix(PLACEHOLDER) or "/"
        absolute = urljoin(base, relative) if base else None
        return PluginUrl(text, urlsplit(relative).path or "/", absolute, own_host=True)
    parts = urlsplit(text)
    if parts.scheme in _DEFAULT_PORTS and parts.hostname:
        return PluginUrl(text, parts.path or "/", text, own_host=False)
    return None


def host_of(url: str) -> str:
    """The host of an http(s) URL, lowercase, with its port unless that is the default one.

    http://example.com and https://example.com are the same host (the scheme is its own rule);
    localhost:5003 and localhost:5004 are two servers.
    """
    parts = urlsplit(url)
    hostname = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:  # a port that is not a number
        port = None
    host = f"[{hostname}]" if ":" in hostname else hostname
    return host if port in (None, _DEFAULT_PORTS.get(parts.scheme)) else f"{host}:{port}"


def is_local(url: str) -> bool:
    """Whether `url` is on this machine, where ChatGPT allows plain HTTP."""
    try:
        hostname = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    if hostname == "localhost" or hostname.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False
