"""Point a plugin's manifest and OpenAPI spec at the proxy instead of the API behind it.

Framework-free: every function takes parsed documents and URLs and returns new ones.
A URL points at the proxy when it is a relative path (our rendered projects' sources), holds
the PLUGIN_HOSTNAME placeholder (OpenAI's examples), or is on the upstream's host. URLs on
other hosts (a separate OAuth provider, a legal page) stay as they are: the proxy cannot
forward there.
"""

from __future__ import annotations

import copy
import re
from typing import Any
from urllib.parse import SplitResult, urlsplit

MANIFEST_PATH = "/.well-known/ai-plugin.json"
DEFAULT_SPEC_PATH = "/openapi.yaml"
PLACEHOLDER = re.compile(r"^(?:https?://)?PLUGIN_HOSTNAME", re.IGNORECASE)
LOOPBACK = {"localhost", "127.0.0.1", "::1"}
DEFAULT_PORTS = {"http": 80, "https": 443}


def proxy_path(url: str, upstream: str) -> str | None:
    """The path (with query) on the proxy that `url` names, or None when it is elsewhere."""
    url = PLACEHOLDER.sub("", url.strip())
    parts = urlsplit(url)
    if not parts.scheme and not parts.netloc:
        # Root-relative, the convention of plugin files ("/openapi.yaml", "openapi.yaml", "/").
        return "/" + url.removeprefix("./").lstrip("/")
    base = urlsplit(upstream)
    if parts.scheme not in DEFAULT_PORTS or not _same_host(parts, base):
        return None
    prefix = base.path.rstrip("/")
    if parts.path != prefix and not parts.path.startswith(prefix + "/"):
        return None
    return _with_query(parts.path[len(prefix) :] or "/", parts)


def to_proxy(url: Any, base_url: str, upstream: str, *, force: bool = False) -> Any:
    """`url` rewritten onto `base_url` (the proxy) when it names the upstream.

    With `force`, a URL on another host keeps only its path: for the spec's URL and the
    server URL, which must name the proxy for the proxy to be of any use.
    """
    if not isinstance(url, str):
        return url
    path = proxy_path(url, upstream)
    if path is None:
        if not force:
            return url
        parts = urlsplit(url)
        path = _with_query(parts.path or "/", parts)
    return base_url + path


def spec_path(manifest: Any, upstream: str) -> str:
    """The path on the proxy where the manifest says the OpenAPI spec is."""
    api = manifest.get("api") if isinstance(manifest, dict) else None
    url = api.get("url") if isinstance(api, dict) else None
    if not isinstance(url, str) or not url.strip():
        return DEFAULT_SPEC_PATH
    path = proxy_path(url, upstream) or urlsplit(url).path or DEFAULT_SPEC_PATH
    return path.split("?")[0]


def rewrite_manifest(manifest: dict[str, Any], base_url: str, upstream: str) -> dict[str, Any]:
    manifest = copy.deepcopy(manifest)
    api = manifest.get("api")
    if isinstance(api, dict) and "url" in api:
        api["url"] = to_proxy(api["url"], base_url, upstream, force=True)
    for field in ("logo_url", "legal_info_url"):
        if field in manifest:
            manifest[field] = to_proxy(manifest[field], base_url, upstream)
    auth = manifest.get("auth")
    if isinstance(auth, dict):
        for field in ("client_url", "authorization_url"):
            if field in auth:
                auth[field] = to_proxy(auth[field], base_url, upstream)
    return manifest


def rewrite_spec(spec: dict[str, Any], base_url: str, upstream: str) -> dict[str, Any]:
    spec = copy.deepcopy(spec)
    servers = spec.get("servers")
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], dict):
        spec["servers"] = [{"url": base_url}]
    else:
        # ChatGPT calls servers[0]; the others are documentation and only follow the upstream.
        url = servers[0].get("url")
        first = to_proxy(url if isinstance(url, str) else "/", base_url, upstream, force=True)
        servers[0]["url"] = first.rstrip("/")
        for server in servers[1:]:
            if isinstance(server, dict) and "url" in server:
                server["url"] = to_proxy(server["url"], base_url, upstream)
    schemes = spec.get("components", {}).get("securitySchemes", {})
    for scheme in schemes.values() if isinstance(schemes, dict) else ():
        if not isinstance(scheme, dict):
            continue
        if "openIdConnectUrl" in scheme:
            scheme["openIdConnectUrl"] = to_proxy(scheme["openIdConnectUrl"], base_url, upstream)
        flows = scheme.get("flows")
        for flow in flows.values() if isinstance(flows, dict) else ():
            if not isinstance(flow, dict):
                continue
            for field in ("authorizationUrl", "tokenUrl", "refreshUrl"):
                if field in flow:
                    flow[field] = to_proxy(flow[field], base_url, upstream)
    return spec


def _same_host(url: SplitResult, upstream: SplitResult) -> bool:
    """Same host and port; localhost, 127.0.0.1 and ::1 count as one host."""
    try:
        port = url.port or DEFAULT_PORTS[url.scheme]
        upstream_port = upstream.port or DEFAULT_PORTS[upstream.scheme]
    except (ValueError, KeyError):
        return False
    host, upstream_host = (url.hostname or "").lower(), (upstream.hostname or "").lower()
    same = host == upstream_host or {host, upstream_host} <= LOOPBACK
    return same and port == upstream_port


def _with_query(path: str, parts: SplitResult) -> str:
    query = f"?{parts.query}" if parts.query else ""
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    return path + query + fragment
