"""Keep an MCP client's OAuth discovery, and the sign-in after it, on the proxy.

The documents a client reads to find how to sign in (protected resource metadata, RFC 9728;
authorization server metadata, RFC 8414; OpenID Connect's) and the `resource_metadata` of a
401's WWW-Authenticate name the upstream: every absolute URL on the upstream's host is moved
onto the proxy, so the client's next request comes here too. So is a redirect's Location, and
the `iss` it carries back to the client (RFC 9207), which must be the issuer the client was
told. URLs on other hosts (a separate authorization server) stay as they are, as do values
that are not URLs ("S256", "code").
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote_plus, urlsplit

from scaffold_cli.devproxy.rewrite import proxy_path

PROTECTED_RESOURCE = "/.well-known/oauth-protected-resource"
AUTHORIZATION_SERVER = "/.well-known/oauth-authorization-server"
OPENID_CONFIGURATION = "/.well-known/openid-configuration"
# `resource_metadata="URL"` (RFC 9728 section 5.1), or unquoted, in a challenge.
RESOURCE_METADATA = re.compile(
    r'(\bresource_metadata\s*=\s*)(?:"([^"]*)"|([^\s,"]+))', re.IGNORECASE
)


def is_discovery_path(path: str) -> bool:
    """Whether a request path is one of the discovery documents, at the root or for a path
    (`/.well-known/oauth-protected-resource/mcp`; OpenID's goes after the issuer's path)."""
    prefixed = (PROTECTED_RESOURCE, AUTHORIZATION_SERVER, OPENID_CONFIGURATION)
    return path.endswith(OPENID_CONFIGURATION) or any(
        path == prefix or path.startswith(prefix + "/") for prefix in prefixed
    )


def rewrite_metadata(document: Any, base_url: str, upstream: str) -> Any:
    """`document` with every absolute URL naming the upstream, at any depth, on the proxy."""
    if isinstance(document, dict):
        return {key: rewrite_metadata(value, base_url, upstream) for key, value in document.items()}
    if isinstance(document, list):
        return [rewrite_metadata(value, base_url, upstream) for value in document]
    if isinstance(document, str):
        return proxy_url(document, base_url, upstream)
    return document


def rewrite_challenge(challenge: str, base_url: str, upstream: str) -> str:
    """A WWW-Authenticate value with its `resource_metadata` URL on the proxy."""

    def moved(match: re.Match[str]) -> str:
        url = match.group(2) if match.group(2) is not None else match.group(3)
        return f'{match.group(1)}"{proxy_url(url, base_url, upstream)}"'

    return RESOURCE_METADATA.sub(moved, challenge)


def rewrite_location(location: str, base_url: str, upstream: str) -> str:
    """A redirect's target on the proxy when it names the upstream, and its `iss` too."""
    url, mark, query = proxy_url(location, base_url, upstream).partition("?")
    query, hash_, fragment = query.partition("#")
    items = []
    for item in query.split("&") if mark else []:
        key, equals, value = item.partition("=")
        if key == "iss" and equals:
            issuer = unquote_plus(value)
            moved = proxy_url(issuer, base_url, upstream)
            item = f"iss={quote(moved, safe='')}" if moved != issuer else item
        items.append(item)
    return url + mark + "&".join(items) + hash_ + fragment


def point_headers_here(
    headers: list[tuple[str, str]], base_url: str, upstream: str
) -> list[tuple[str, str]]:
    """`headers` with each WWW-Authenticate's `resource_metadata` and each Location on the
    proxy, where they name the upstream."""
    rewrite = {"www-authenticate": rewrite_challenge, "location": rewrite_location}
    return [
        (name, rewrite[name.lower()](value, base_url, upstream))
        if name.lower() in rewrite
        else (name, value)
        for name, value in headers
    ]


def proxy_url(url: str, base_url: str, upstream: str) -> str:
    """An absolute http(s) URL on the upstream, moved onto the proxy; anything else as it is.

    An issuer is compared as a string (RFC 8414 section 3.3), so a URL without a path keeps
    having none: `http://127.0.0.1:5003` becomes `http://127.0.0.1:3333`, not `.../`.
    """
    try:
        parts = urlsplit(url)
        absolute = parts.scheme.lower() in ("http", "https") and bool(parts.netloc)
        path = proxy_path(url, upstream) if absolute else None
    except ValueError:  # "http://[not-an-address" and the like
        return url
    if path is None:
        return url
    if path == "/" and not url.endswith("/"):
        return base_url
    return base_url + path
