"""Pass one request to the upstream and bring its answer back as it was."""

from __future__ import annotations

import json
from dataclasses import dataclass
from http.cookiejar import CookieJar
from typing import Any

import httpx

# Meaningful for one connection only (RFC 9110 section 7.6.1); never passed on.
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}
# The proxy asks for an unencoded body, so it can record it, and the server sets the length.
RECOMPUTED = {"content-length", "content-encoding", "accept-encoding", "host"}


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    source: str = "upstream"
    note: str | None = None


def error_reply(status: int, code: str, message: str, source: str, **extra: str) -> Reply:
    body = json.dumps({"error": code, "message": message, **extra}).encode()
    return Reply(status, [("content-type", "application/json")], body, source, message)


class _NoCookies(CookieJar):
    """The client is shared by every caller: it must never keep one caller's cookies."""

    def set_cookie(self, cookie: Any) -> None:
        pass

    def extract_cookies(self, response: Any, request: Any) -> None:
        pass


def client(timeout: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout), follow_redirects=False, cookies=_NoCookies()
    )


def end_to_end(
    headers: list[tuple[str, str]], dropped: set[str] = RECOMPUTED
) -> list[tuple[str, str]]:
    """The headers a proxy passes on: not hop-by-hop, not named in Connection, not `dropped`."""
    named = {
        token.strip().lower()
        for name, value in headers
        if name.lower() == "connection"
        for token in value.split(",")
    }
    skip = HOP_BY_HOP | named | dropped
    return [(name, value) for name, value in headers if name.lower() not in skip]


async def forward(
    http: httpx.AsyncClient,
    upstream: str,
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: bytes,
) -> Reply:
    """`method` `target` (path and query) sent to `upstream`; a JSON 502 when it cannot answer."""
    url = upstream + target
    outgoing = [*end_to_end(headers), ("accept-encoding", "identity")]
    try:
        response = await http.request(method, url, headers=outgoing, content=body)
    except httpx.TimeoutException:
        message = f"{upstream} did not answer within {http.timeout.read:g} s"
        return error_reply(502, "upstream_unreachable", message, "proxy")
    except httpx.HTTPError as error:
        reason = " ".join(str(error).split()) or type(error).__name__
        message = f"cannot reach {upstream}: {reason}"
        return error_reply(502, "upstream_unreachable", message, "proxy")
    returned = [
        (name.decode("latin-1"), value.decode("latin-1")) for name, value in response.headers.raw
    ]
    if method == "HEAD":  # no body to measure, so the upstream's length is the only true one
        kept = end_to_end(returned, RECOMPUTED - {"content-length"})
    else:
        kept = end_to_end(returned)
    return Reply(response.status_code, kept, response.content)
