"""plugin-scaffold dev in front of MCP servers: /mcp forwarded (event streams as they come),
each call recorded with what it called and how it ended, and OAuth discovery kept on the proxy.

Upstreams are real servers on loopback: a rendered plugin, MCP servers built with the SDK
(tests/mcp_upstream.py), and a raw event stream whose timing the test holds in its hand.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import httpx2
import pytest
from helpers import Served, loopback_socket, serve_rendered_plugin
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)
from mcp_upstream import (
    ACCESS_TOKEN,
    AUTH_CODE,
    CLIENT_SECRET,
    ELSEWHERE,
    REFRESH_TOKEN,
    oauth_mcp_app,
    with_client,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from scaffold_cli.devproxy.event_stream import EventStreamReader
from scaffold_cli.devproxy.events import log_line

MODES = ["auto", "legacy"]
SERVICE_TOKEN = "st-" + "Serv1ce" * 5
API_KEY = "ak-" + "K3yArg" * 5  # a secret passed as a tool's argument
SECRETS = (SERVICE_TOKEN, API_KEY, ACCESS_TOKEN, REFRESH_TOKEN, CLIENT_SECRET, AUTH_CODE)
JSON_RPC_HEADERS = {"accept": "application/json, text/event-stream"}


def no_secret_in(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret} was recorded"


def mcp_events(proxy: str) -> list[dict[str, Any]]:
    record = httpx.get(proxy + "/_events.json")
    no_secret_in(record.text)
    return [event for event in record.json()["events"] if event["mcp"] is not None]


def tool_calls(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [event for event in events if event["mcp"]["method"] == "tools/call"]


# ─── a rendered plugin's /mcp, through the proxy ─────────────────────────────


@pytest.mark.e2e
def test_an_sdk_client_uses_a_rendered_plugin_through_the_proxy(
    render_project, tmp_path, processes, start_proxy
):
    project = render_project(project_name="tools", auth="service_http")
    upstream = serve_rendered_plugin(
        project, "tools", tmp_path, processes, PLUGIN_SERVICE_TOKEN=SERVICE_TOKEN
    )
    proxy = start_proxy(upstream)
    bearer = {"authorization": f"Bearer {SERVICE_TOKEN}"}

    async def use(client: Client) -> tuple[list[str], Any, Any]:
        names = [tool.name for tool in (await client.list_tools()).tools]
        added = await client.call_tool("addTodo", {"username": "ada", "todo": "tea"})
        refused = await client.call_tool(
            "addTodo", {"username": "ada", "todo": "tea", "api_key": API_KEY}
        )
        return names, added, refused

    for mode in MODES:
        names, added, refused = with_client(proxy + "/mcp", mode, use, headers=bearer)
        assert sorted(names) == ["addTodo", "deleteTodo", "getTodos"], mode
        assert not added.is_error and added.structured_content["todo"] == "tea", mode
        assert refused.is_error and "api_key" in refused.content[0].text, mode

    # Not JSON at all: forwarded as it is, answered by the plugin, recorded.
    headers = {**bearer, **JSON_RPC_HEADERS, "content-type": "application/json"}
    direct = httpx.post(upstream + "/mcp", content=b"{not json", headers=headers)
    through = httpx.post(proxy + "/mcp", content=b"{not json", headers=headers)
    assert (through.status_code, through.content) == (direct.status_code, direct.content)

    events = mcp_events(proxy)
    methods = {event["mcp"]["method"] for event in events}
    assert {"initialize", "tools/list", "tools/call"} <= methods  # "initialize": legacy's
    calls = tool_calls(events)
    assert [(c["mcp"]["tool"], c["mcp"]["is_error"], c["status"]) for c in calls] == [
        ("addTodo", False, 200),
        ("addTodo", True, 200),
    ] * 2
    assert calls[0]["mcp"]["arguments"] == {"username": "ada", "todo": "tea"}
    assert calls[1]["mcp"]["arguments"] == {
        "username": "ada",
        "todo": "tea",
        "api_key": "[redacted]",
    }
    assert all(call["latency_ms"] > 0 for call in calls)
    assert all(call["request"]["headers"]["authorization"] == "[redacted]" for call in calls)
    line = r"\d\d:\d\d:\d\d POST /mcp 200 \d+ms tools/call addTodo isError"
    assert re.fullmatch(line, log_line(calls[1])), log_line(calls[1])
    broken = events[-1]
    assert broken["status"] == direct.status_code
    assert broken["mcp"]["method"] is None and broken["mcp"]["note"] == "the body is not JSON"


# ─── OAuth discovery, sign-in and event streams, through the proxy ──────────


class MemoryStorage:
    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


def signing_in(mcp_url: str, opened: list[str]) -> OAuthClientProvider:
    """The SDK's OAuth for `mcp_url`, with a "browser" that opens the authorization URL (noted
    in `opened`) and hands the redirect's parameters back to the client."""
    redirected: list[str] = []

    async def open_browser(authorization_url: str) -> None:
        opened.append(authorization_url)
        async with httpx2.AsyncClient() as browser:
            redirected.append((await browser.get(authorization_url)).headers["location"])

    async def callback() -> AuthorizationCodeResult:
        query = {key: values[0] for key, values in parse_qs(urlsplit(redirected[-1]).query).items()}
        return AuthorizationCodeResult(code=query["code"], state=query["state"], iss=query["iss"])

    metadata = OAuthClientMetadata(
        redirect_uris=["http://127.0.0.1:9/callback"],
        client_name="dev proxy test",
        grant_types=["authorization_code", "refresh_token"],
        token_endpoint_auth_method="client_secret_post",
    )
    return OAuthClientProvider(mcp_url, metadata, MemoryStorage(), open_browser, callback)


@pytest.fixture
def oauth_upstream() -> Iterator[str]:
    sock, url = loopback_socket()
    served = Served(oauth_mcp_app(url), sock)
    yield served.url
    served.stop()


def test_oauth_discovery_through_the_proxy_names_the_proxy(oauth_upstream, start_proxy):
    proxy = start_proxy(oauth_upstream)
    refused = httpx.post(proxy + "/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert refused.status_code == 401
    metadata_url = f"{proxy}/.well-known/oauth-protected-resource/mcp"
    assert f'resource_metadata="{metadata_url}"' in refused.headers["www-authenticate"]

    for url in (metadata_url, f"{proxy}/.well-known/oauth-protected-resource"):
        resource = httpx.get(url).json()
        assert resource["resource"] == f"{proxy}/mcp", url
        assert [server.rstrip("/") for server in resource["authorization_servers"]] == [proxy]
    for path in ("oauth-authorization-server", "openid-configuration"):
        server = httpx.get(f"{proxy}/.well-known/{path}")
        assert oauth_upstream not in server.text, path
        metadata = server.json()
        assert metadata["issuer"] == proxy
        assert metadata["authorization_endpoint"] == f"{proxy}/authorize"
        assert metadata["token_endpoint"] == f"{proxy}/token"
        assert metadata["registration_endpoint"] == f"{proxy}/register"
        assert metadata["code_challenge_methods_supported"] == ["S256"]  # not a URL: kept
        assert metadata["service_documentation"] == ELSEWHERE  # another host: kept

    events = httpx.get(proxy + "/_events.json").json()["events"]
    assert events[0]["mcp"]["method"] == "ping" and events[0]["status"] == 401
    assert {event["note"] for event in events} == {"URLs rewritten to the proxy"}


@pytest.mark.parametrize("mode", MODES)
def test_an_sdk_client_signs_in_and_calls_tools_through_the_proxy(
    oauth_upstream, start_proxy, mode
):
    proxy = start_proxy(oauth_upstream)
    asked: list[str] = []
    progress: list[float] = []

    async def note(request: httpx2.Request) -> None:
        asked.append(str(request.url))

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append(value)

    async def use(client: Client) -> tuple[list[str], Any, Any]:
        names = [tool.name for tool in (await client.list_tools()).tools]
        # Asking for progress makes the server answer with an event stream.
        failed = await client.call_tool(
            "divide", {"a": 1, "b": 0, "api_key": API_KEY}, progress_callback=on_progress
        )
        divided = await client.call_tool("divide", {"a": 6, "b": 3})
        return names, failed, divided

    mcp_url = proxy + "/mcp"
    hooks = {"request": [note]}
    opened: list[str] = []
    names, failed, divided = with_client(
        mcp_url, mode, use, auth=signing_in(mcp_url, opened), event_hooks=hooks
    )
    assert names == ["divide"]
    assert failed.is_error and failed.content[0].text == "cannot divide by zero"
    assert not divided.is_error and divided.content[0].text == "2.0"
    assert progress == [0.5]
    # Discovery, registration, token and calls: the client never left the proxy.
    assert any("/.well-known/oauth-authorization-server" in url for url in asked)
    assert asked and all(url.startswith(proxy + "/") for url in asked), asked
    assert len(opened) == 1 and opened[0].startswith(proxy + "/authorize?")

    events = mcp_events(proxy)  # no token, code or client secret in it
    failed_call, divided_call = tool_calls(events)
    assert failed_call["mcp"]["arguments"] == {"a": 1, "b": 0, "api_key": "[redacted]"}
    assert failed_call["mcp"]["is_error"] is True
    assert failed_call["response"]["headers"]["content-type"] == "text/event-stream"
    assert "notifications/progress" in failed_call["response"]["body"]["text"]
    assert (divided_call["mcp"]["tool"], divided_call["mcp"]["is_error"]) == ("divide", False)
    assert failed_call["status"] == divided_call["status"] == 200


@pytest.mark.e2e
def test_an_sdk_client_signs_in_to_a_rendered_oauth_plugin_through_the_proxy(
    render_project, tmp_path, processes, start_proxy
):
    project = render_project(project_name="signin", auth="oauth")
    secrets = {"OAUTH_CLIENT_ID": "plugin-client", "OAUTH_CLIENT_SECRET": CLIENT_SECRET}
    upstream = serve_rendered_plugin(project, "signin", tmp_path, processes, **secrets)
    password = "correct horse battery"
    env = {
        **os.environ,
        **secrets,
        "PYTHONPATH": str(project / "src"),
        "DATABASE_URL": f"sqlite:///{tmp_path}/plugin.db",
    }
    command = [sys.executable, "-m", "signin", "users", "add", "alice", "--password-stdin"]
    added = subprocess.run(
        command, env=env, input=password, capture_output=True, text=True, check=False
    )
    assert added.returncode == 0, added.stderr
    proxy = start_proxy(upstream)
    mcp_url = proxy + "/mcp"
    redirected: list[httpx.URL] = []

    def sign_in(authorize_url: str) -> httpx.URL:
        """The browser: the plugin's sign-in page, through the proxy, and its form posted."""
        with httpx.Client() as browser:
            page = browser.get(authorize_url)
            assert page.status_code == 200, page.text
            fields = dict(
                re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text)
            )
            form = {k: v.replace("&amp;", "&") for k, v in fields.items()}
            answer = browser.post(
                proxy + "/oauth/authorize", data={**form, "username": "alice", "password": password}
            )
            assert answer.status_code == 302, answer.text
            return httpx.URL(answer.headers["location"])

    async def open_browser(authorize_url: str) -> None:
        assert authorize_url.startswith(proxy + "/oauth/authorize?")
        redirected.append(await asyncio.to_thread(sign_in, authorize_url))

    async def callback() -> AuthorizationCodeResult:
        params = redirected[-1].params
        return AuthorizationCodeResult(
            code=params["code"], state=params.get("state"), iss=params.get("iss")
        )

    metadata = OAuthClientMetadata(
        redirect_uris=["http://127.0.0.1:9/callback"],
        client_name="dev proxy test",
        grant_types=["authorization_code", "refresh_token"],
        token_endpoint_auth_method="none",
    )
    provider = OAuthClientProvider(mcp_url, metadata, MemoryStorage(), open_browser, callback)

    async def use(client: Client) -> tuple[list[str], Any]:
        names = [tool.name for tool in (await client.list_tools()).tools]
        return names, await client.call_tool("addTodo", {"todo": "through the proxy"})

    names, added_todo = with_client(mcp_url, "auto", use, auth=provider)
    assert "addTodo" in names and not added_todo.is_error, added_todo
    # The plugin named the proxy as the issuer, and took the proxy's /mcp as the audience.
    assert redirected[0].params["iss"].rstrip("/") == proxy
    calls = tool_calls(mcp_events(proxy))
    assert [(call["mcp"]["tool"], call["status"]) for call in calls] == [("addTodo", 200)]


# ─── event streams pass as they come; odd answers are passed on, not a 500 ──


class HeldStream:
    """An upstream whose /mcp answers with an event stream: a progress event at once, then the
    result (isError) only once the test lets it go; a GET's stream never ends. Under /broken,
    /mcp breaks its stream off; under /odd, it answers "JSON" that is not."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.app = Starlette(
            routes=[
                Route("/mcp", self.held, methods=["POST"]),
                Route("/mcp", self.endless, methods=["GET"]),
                Route("/broken/mcp", self.broken, methods=["POST"]),
                Route("/odd/mcp", self.odd, methods=["POST"]),
            ]
        )

    async def held(self, request: Request) -> Response:
        call_id = (await request.json())["id"]

        async def events() -> AsyncIterator[bytes]:
            progress = {"jsonrpc": "2.0", "method": "notifications/progress", "params": {}}
            yield f"event: message\r\ndata: {json.dumps(progress)}\r\n\r\n".encode()
            deadline = time.monotonic() + 10
            while not self.release.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            result = {"content": [], "isError": True}
            answer = json.dumps({"jsonrpc": "2.0", "id": call_id, "result": result})
            yield b": a comment\n\ndata: " + answer.encode() + b"\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    async def endless(self, request: Request) -> Response:
        async def events() -> AsyncIterator[bytes]:
            while True:
                yield b'data: {"jsonrpc": "2.0", "method": "notifications/message"}\n\n'
                await asyncio.sleep(0.05)

        return StreamingResponse(events(), media_type="text/event-stream")

    async def broken(self, request: Request) -> Response:
        async def events() -> AsyncIterator[bytes]:
            yield b"data: {not json\n\n"
            raise RuntimeError("the upstream fell over")  # uvicorn cuts the connection

        return StreamingResponse(events(), media_type="text/event-stream")

    async def odd(self, request: Request) -> Response:
        return Response(b"\xff\xfe not JSON", media_type="application/json")


def test_an_event_stream_passes_each_event_as_it_comes(start_proxy):
    upstream = HeldStream()
    served = Served(upstream.app)
    try:
        proxy = start_proxy(served.url)
        call = {"jsonrpc": "2.0", "id": "c-1", "method": "tools/call"}
        call["params"] = {"name": "slow", "arguments": {"password": API_KEY, "n": 1}}
        with httpx.stream("POST", proxy + "/mcp", json=call, timeout=10) as answer:
            assert answer.headers["content-type"].startswith("text/event-stream")
            assert "content-length" not in answer.headers
            lines = answer.iter_lines()
            first = next(line for line in lines if line.startswith("data:"))
            # The first event is here while the upstream still holds the rest back.
            assert "notifications/progress" in first
            assert httpx.get(proxy + "/_events.json").json()["events"] == []
            time.sleep(0.2)
            upstream.release.set()
            rest = list(lines)
        assert any('"isError": true' in line for line in rest)

        [held] = httpx.get(proxy + "/_events.json").json()["events"]
        assert held["mcp"] == {
            "method": "tools/call",
            "tool": "slow",
            "arguments": {"password": "[redacted]", "n": 1},
            "is_error": True,
            "error": None,
            "note": None,
        }
        assert held["latency_ms"] >= 200 and held["status"] == 200
        assert held["response"]["body"]["size"] > 100
        assert "notifications/progress" in held["response"]["body"]["text"]
        assert API_KEY not in json.dumps(held)

        # A client that leaves a stream ends it upstream too, and the call is recorded.
        with httpx.stream("GET", proxy + "/mcp", headers=JSON_RPC_HEADERS) as answer:
            assert next(answer.iter_lines()).startswith("data:")
        deadline = time.monotonic() + 5
        while len(events := httpx.get(proxy + "/_events.json").json()["events"]) < 2:
            assert time.monotonic() < deadline, "the stream the client left was not recorded"
            time.sleep(0.02)
        left = events[1]
        assert (left["method"], left["status"], left["mcp"]["method"]) == ("GET", 200, None)
        assert left["note"] == "the client closed the connection before the stream ended"

        # A stream broken off, "JSON" that is not, a body that is not: passed on as they are.
        broken_proxy = start_proxy(served.url + "/broken")
        odd_proxy = start_proxy(served.url + "/odd")
        broken = httpx.post(broken_proxy + "/mcp", json={"jsonrpc": "2.0", "id": 2, "method": "x"})
        assert (broken.status_code, broken.text) == (200, "data: {not json\n\n")
        odd = httpx.post(odd_proxy + "/mcp", json={"jsonrpc": "2.0", "id": 3, "method": "y"})
        assert (odd.status_code, odd.content) == (200, b"\xff\xfe not JSON")
        assert httpx.post(odd_proxy + "/mcp", content=b"\x00" * 10).status_code == 200

        [broken] = httpx.get(broken_proxy + "/_events.json").json()["events"]
        assert broken["mcp"]["method"] == "x" and broken["mcp"]["is_error"] is None
        assert broken["note"].startswith("the upstream's stream broke off")
        odd, binary = httpx.get(odd_proxy + "/_events.json").json()["events"]
        assert odd["mcp"]["method"] == "y" and odd["mcp"]["error"] is None
        assert binary["mcp"]["note"] == "the body is not JSON"
    finally:
        served.stop()


def test_an_event_stream_is_read_across_any_chunk_boundary():
    stream = b'event: message\r\ndata: {"a":\r\ndata: 1}\r\n\r\n: ping\n\ndata: x\r\rid: 7\n\n'
    whole: list[str] = []
    EventStreamReader(whole.append).feed(stream)
    assert whole == ['{"a":\n1}', "x"]
    for size in (1, 2, 3, 5):
        seen: list[str] = []
        reader = EventStreamReader(seen.append)
        for start in range(0, len(stream), size):
            reader.feed(stream[start : start + size])
        assert seen == whole, size
    big: list[str] = []
    reader = EventStreamReader(big.append, max_event=10)
    reader.feed(b"data: " + b"y" * 50 + b"\n\ndata: small\n\n")
    assert big == ["small"]  # the event past the limit is skipped, not kept
