# Owned by the template: `plugin-scaffold update` rewrites this file. Keep your code out of it.
"""The plugin's public files (manifest, OpenAPI spec, logo), with URLs built for a base URL.

The sources in well_known/ hold paths ("/openapi.yaml"); every answer turns them into absolute
URLs on the host the request came to, so localhost and a deployed host both work unedited.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .errors import bad_request

FILES = Path(__file__).parent.parent / "well_known"
HOST = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(?P<port>\d{1,5}))?")


class PluginFiles:
    def __init__(self, public_url: str | None = None, verification_token: str = "") -> None:
        self.public_url = public_url
        self.manifest = json.loads((FILES / "ai-plugin.json").read_text(encoding="utf-8"))
        self.spec = yaml.safe_load((FILES / "openapi.yaml").read_text(encoding="utf-8"))
        self.logo_png = (FILES / "logo.png").read_bytes()
        if "verification_tokens" in self.manifest["auth"]:
            self.manifest["auth"]["verification_tokens"]["openai"] = verification_token
        # Hosts come from clients, so the caches are bounded.
        self.manifest_json = lru_cache(maxsize=64)(self._manifest_json)
        self.openapi_yaml = lru_cache(maxsize=64)(self._openapi_yaml)
        self.openapi_json = lru_cache(maxsize=64)(self._openapi_json)

    def base_url(self, scheme: str, host: str | None, headers: Mapping[str, str]) -> str:
        """The URL clients reach this server at, as a proxy in front of it reports it."""
        if self.public_url:
            return self.public_url
        scheme = _first(headers.get("x-forwarded-proto")) or scheme
        host = _first(headers.get("x-forwarded-host")) or host or ""
        if scheme not in ("http", "https"):
            raise bad_request("X-Forwarded-Proto must be http or https")
        match = HOST.fullmatch(host)
        if not match or int(match.group("port") or 1) > 65535:
            raise bad_request("the Host header must name a host, optionally with a port")
        return f"{scheme}://{host}"

    def _manifest_json(self, base_url: str) -> bytes:
        manifest = copy.deepcopy(self.manifest)
        manifest["api"]["url"] = base_url + manifest["api"]["url"]
        manifest["logo_url"] = base_url + manifest["logo_url"]
        for field in ("client_url", "authorization_url"):
            if field in manifest["auth"]:
                manifest["auth"][field] = base_url + manifest["auth"][field]
        return json.dumps(manifest, indent=2).encode()

    def spec_for(self, base_url: str) -> dict[str, Any]:
        spec = copy.deepcopy(self.spec)
        spec["servers"] = [{"url": base_url}]
        spec["paths"] = _for_the_model(spec.get("paths", {}))
        for scheme in spec.get("components", {}).get("securitySchemes", {}).values():
            for flow in scheme.get("flows", {}).values():
                for field in ("authorizationUrl", "tokenUrl", "refreshUrl"):
                    if field in flow:
                        flow[field] = base_url + flow[field]
        return spec

    def _openapi_yaml(self, base_url: str) -> bytes:
        text = yaml.safe_dump(self.spec_for(base_url), sort_keys=False, allow_unicode=True)
        return text.encode()

    def _openapi_json(self, base_url: str) -> bytes:
        return json.dumps(self.spec_for(base_url), indent=2).encode()


def _for_the_model(paths: dict[str, Any]) -> dict[str, Any]:
    """The paths without their x-admin operations, which only the admin's own scripts call."""
    kept = {}
    for path, item in paths.items():
        item = {key: value for key, value in item.items() if not _admin(value)}
        if set(item) - {"parameters", "summary", "description", "servers"}:
            kept[path] = item
    return kept


def _admin(operation: Any) -> bool:
    return isinstance(operation, dict) and bool(operation.get("x-admin"))


def _first(value: str | None) -> str | None:
    """The first (client-side) entry of a comma-separated proxy header."""
    return value.split(",")[0].strip() if value else None
