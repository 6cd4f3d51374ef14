"""Whether a URL answers MCP, asked as every client first asks: a POST of `initialize`.

Plain HTTP, not the SDK: the status, the `WWW-Authenticate` challenge and a 421 are what the
checks need to see, and the SDK's client turns them all into one JSON-RPC error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from scaffold_cli import __version__
from scaffold_cli.checks.sources import HTTP_ERRORS, describe

# A handshake-era version: every server answers initialize, a 2026-07-28 one with an error
# that names its versions, which is still a JSON-RPC answer.
PROBE_VERSION = "2025-06-18"
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": PROBE_VERSION,
        "capabilities": {},
        "clientInfo": {"name": "plugin-scaffold-check", "version": __version__},
    },
}
POST_HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
MAX_PAGES = 20  # of tools/list, against a server whose cursor never ends


@dataclass(frozen=True)
class Probe:
    url: str
    status: int | None  # None: no answer at all
    answer: str  # how it answered, in a few words, e.g. "HTTP 404"
    jsonrpc: bool  # the body is a JSON-RPC response
    challenge: str | None  # WWW-Authenticate, when the answer has one

    @property
    def refused(self) -> bool:
        """The server asks for credentials (401) or finds them lacking (403)."""
        return self.status in (401, 403)

    @property
    def misdirected(self) -> bool:
        """421: the SDK's DNS-rebinding protection did not know the Host header."""
        return self.status == 421

    @property
    def is_mcp(self) -> bool:
        bearer = (self.challenge or "").lower().startswith("bearer")
        return self.jsonrpc or (self.refused and bearer) or self.misdirected


def probe(client: httpx.Client, url: str, headers: dict[str, str] | None = None) -> Probe:
    """POST `initialize` to `url` with `headers` (e.g. a Host or an Authorization)."""
    try:
        response = client.post(url, json=INITIALIZE, headers={**POST_HEADERS, **(headers or {})})
    except HTTP_ERRORS as error:
        return Probe(url, None, f"no answer: {describe(error)}", False, None)
    session = response.headers.get("mcp-session-id")
    if session:  # a stateful server opened a session for the probe: close it
        try:
            client.delete(url, headers={**(headers or {}), "Mcp-Session-Id": session})
        except HTTP_ERRORS:
            pass
    return Probe(
        url,
        response.status_code,
        f"HTTP {response.status_code}",
        _is_jsonrpc(response),
        response.headers.get("www-authenticate"),
    )


def list_tools_over_http(
    client: httpx.Client, url: str, headers: dict[str, str]
) -> list[dict[str, Any]] | None:
    """The tools as the server sends them, for when the SDK's client refuses its answer: the
    2025 handshake and tools/list over plain HTTP. None when that fails too."""
    try:
        response = client.post(url, json=INITIALIZE, headers={**POST_HEADERS, **headers})
        started = _result(response)
        if started is None:
            return None
        version = started.get("protocolVersion")
        common = {**POST_HEADERS, **headers, "MCP-Protocol-Version": str(version)}
        session = response.headers.get("mcp-session-id")
        if session:
            common["Mcp-Session-Id"] = session
        initialized = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        client.post(url, json=initialized, headers=common)
        tools: list[dict[str, Any]] = []
        cursor = None
        for page in range(MAX_PAGES):
            request = {"jsonrpc": "2.0", "id": page + 2, "method": "tools/list"}
            request["params"] = {"cursor": cursor} if cursor else {}
            listing = _result(client.post(url, json=request, headers=common))
            if listing is None or not isinstance(listing.get("tools"), list):
                return tools or None
            tools += [tool for tool in listing["tools"] if isinstance(tool, dict)]
            cursor = listing.get("nextCursor")
            if not isinstance(cursor, str) or not cursor:
                break
        if session:
            client.delete(url, headers={**headers, "Mcp-Session-Id": session})
        return tools
    except HTTP_ERRORS:
        return None


def _messages(response: httpx.Response) -> list[Any]:
    """The JSON-RPC messages of an answer: its JSON body, or its server-sent events."""
    content_type = response.headers.get("content-type", "").lower()
    if content_type.startswith("text/event-stream"):
        payloads = [
            line[5:].strip() for line in response.text.splitlines() if line.startswith("data:")
        ]
    elif content_type.startswith("application/json"):
        payloads = [response.text]
    else:
        return []
    messages = []
    for payload in payloads:
        try:
            messages.append(json.loads(payload))
        except ValueError:
            continue
    return messages


def _is_jsonrpc(response: httpx.Response) -> bool:
    return any(
        isinstance(message, dict)
        and message.get("jsonrpc") == "2.0"
        and ("result" in message or "error" in message)
        for message in _messages(response)
    )


def _result(response: httpx.Response) -> dict[str, Any] | None:
    for message in _messages(response):
        if isinstance(message, dict) and isinstance(message.get("result"), dict):
            return message["result"]
    return None


def host_header(url: str) -> str:
    """The Host header a request to `url` carries: its host, and its port if not the default."""
    parts = urlsplit(url)
    return parts.netloc.rpartition("@")[2]
