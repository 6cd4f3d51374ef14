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
    answer = await open_answer(http, upstream, method, target, headers, body)
    if isinstance(answer, Reply):
        return answer
    return await read_answer(http, upstream, answer, method)


async def open_answer(
    http: httpx.AsyncClient,
    upstream: str,
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: bytes,
) -> httpx.Response | Reply:
    """The upstream's answer with its headers read and its body still to come (close it);
    a JSON 502 when it cannot answer."""
    outgoing = [*end_to_end(headers), ("accept-encoding", "identity")]
    timeout = http.timeout
    if method == "GET" and "text/event-stream" in _header(headers, "accept"):
        # A stream of server messages (MCP's GET) may rightly stay silent for any time.
        timeout = httpx.Timeout(http.timeout.connect, read=None)
    request = http.build_request(
        method, upstream + target, headers=outgoing, content=body, timeout=timeout
    )
    try:
        return await http.send(request, stream=True)
    except httpx.HTTPError as error:
        return unreachable(http, upstream, error)


async def read_answer(
    http: httpx.AsyncClient, upstream: str, answer: httpx.Response, method: str
) -> Reply:
    """An answer from `open_answer`, read whole and closed; a JSON 502 when it breaks off."""
    try:
        content = await answer.aread()
    except httpx.HTTPError as error:
        return unreachable(http, upstream, error)
    finally:
        await answer.aclose()
    return Reply(answer.status_code, answer_headers(answer, method), content)


def answer_headers(response: httpx.Response, method: str) -> list[tuple[str, str]]:
    """The upstream's answer's headers that the client gets."""
    returned = [
        (name.decode("latin-1"), value.decode("latin-1")) for name, value in response.headers.raw
    ]
    if method == "HEAD":  # no body to measure, so the upstream's length is the only true one
        return end_to_end(returned, RECOMPUTED - {"content-length"})
    return end_to_end(returned)


def unreachable(http: httpx.AsyncClient, upstream: str, error: httpx.HTTPError) -> Reply:
    if isinstance(error, httpx.TimeoutException):
        message = f"{upstream} did not answer within {http.timeout.read:g} s"
    else:
        reason = " ".join(str(error).split()) or type(error).__name__
        message = f"cannot reach {upstream}: {reason}"
    return error_reply(502, "upstream_unreachable", message, "proxy")


def _header(headers: list[tuple[str, str]], name: str) -> str:
    return ", ".join(value for key, value in headers if key.lower() == name).lower()
