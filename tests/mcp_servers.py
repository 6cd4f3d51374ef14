"""Small MCP servers built with the official SDK's low-level Server, each breaking one rule of
`plugin-scaffold check` (or none), served by uvicorn on loopback for tests/test_check_mcp.py.

A server is built for its base URL (protected resource metadata names it), so each one's
socket is bound before its app is made. `ServerPool` starts a server on first use, in a thread
of the test process, and stops them all at its end.
"""

from __future__ import annotations

import copy
import json
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn
from mcp import types
from mcp.server import Server, ServerRequestContext
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

TOKEN = "good-token"  # what the servers that need sign-in let in
PUBLIC_HOST = "mcp.example.com"  # the name a proxy in front of the sound servers forwards
LOOPBACK_HOSTS = ["127.0.0.1:*", "localhost:*", "[::1]:*"]
Tool = dict[str, Any]
Build = Callable[[str], ASGIApp]  # the app for its base URL


def tool(name: str, **fields: Any) -> Tool:
    """A tool as tools/list sends it, sound unless `fields` break it (None drops a field)."""
    sound: Tool = {
        "name": name,
        "description": f"{name}: a tool of the test server.",
        "inputSchema": {"type": "object", "properties": {}},
        "annotations": {"readOnlyHint": False, "destructiveHint": False},
    }
    sound.update(fields)
    return {key: value for key, value in sound.items() if value is not None}


TEAMS = {"type": "object", "properties": {"teams": {"type": "array", "items": {"type": "string"}}}}
LIST_TEAMS = tool(
    "listTeams",
    description="List the teams of the league.",
    outputSchema={**TEAMS, "required": ["teams"]},
    annotations={"readOnlyHint": True, "openWorldHint": False},
)
ADD_TEAM = tool(
    "add_team",
    description="Add a team to the league.",
    inputSchema={
        "type": "object",
        "properties": {"name": {"type": "string", "minLength": 1}},
        "required": ["name"],
    },
)
DELETE_TEAM = tool(
    "delete-team",
    description="Delete a team from the league, with its games.",
    inputSchema=ADD_TEAM["inputSchema"],
    annotations={"readOnlyHint": False, "destructiveHint": True},
)
SOUND_TOOLS = [LIST_TEAMS, ADD_TEAM, DELETE_TEAM]
# What a call returns: structuredContent, or an error's text (isError).
RESULTS: dict[str, Any] = {"listTeams": {"teams": ["Ants", "Bees"]}}
NO_STRUCTURED_CONTENT = object()


class Failure(str):
    """A call's result that is an error (isError), with this text."""


def mcp_app(
    tools: list[Tool] = SOUND_TOOLS,
    results: dict[str, Any] = RESULTS,
    *,
    hosts: list[str] | None = None,
    path: str = "/mcp",
    routes: list[Route] | None = None,
    handshake_only: tuple[str, ...] = (),
    stateless: bool = True,
) -> Starlette:
    """The SDK's Streamable HTTP app serving these tools (those named in `handshake_only`
    only to 2025 clients): stateless with JSON answers, or with sessions and event streams."""

    async def list_tools(
        ctx: ServerRequestContext[Any], _params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        headers = ctx.request.headers if ctx.request is not None else {}
        modern = headers.get("mcp-protocol-version", "").startswith("2026")
        listed = [t for t in tools if not (modern and t["name"] in handshake_only)]
        return types.ListToolsResult(tools=[types.Tool.model_validate(t) for t in listed])

    async def call_tool(
        _ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        result = results.get(params.name, {})
        if isinstance(result, Failure):
            return types.CallToolResult(content=[types.TextContent(text=result)], is_error=True)
        text = [types.TextContent(text=json.dumps(result, default=str))]
        if result is NO_STRUCTURED_CONTENT:
            return types.CallToolResult(content=text)
        return types.CallToolResult(content=text, structured_content=result)

    server = Server("league", version="1.0.0", on_list_tools=list_tools, on_call_tool=call_tool)
    security = TransportSecuritySettings(
        allowed_hosts=LOOPBACK_HOSTS + [PUBLIC_HOST] if hosts is None else hosts,
        allowed_origins=[],
    )
    return server.streamable_http_app(
        streamable_http_path=path,
        stateless_http=stateless,
        json_response=stateless,
        transport_security=security,
        custom_starlette_routes=routes,
    )


async def read_body(receive: Receive) -> bytes:
    body, more = b"", True
    while more:
        message = await receive()
        body, more = body + message.get("body", b""), message.get("more_body", False)
    return body


def replaying(body: bytes, receive: Receive) -> Receive:
    """`receive` for an app after a middleware read the request's body."""
    replayed = False

    async def replay() -> dict[str, Any]:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def jsonrpc_method(body: bytes) -> tuple[str | None, Any]:
    try:
        request = json.loads(body)
    except ValueError:
        return None, None
    return (request.get("method"), request.get("id")) if isinstance(request, dict) else (None, None)


class RefuseMethod:
    """Answer one JSON-RPC method with a JSON-RPC error, as a server that lacks it does."""

    def __init__(self, app: ASGIApp, method: str) -> None:
        self.app, self.method = app, method

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        body = await read_body(receive)
        method, request_id = jsonrpc_method(body)
        if method == self.method:
            error = {"code": -32601, "message": f"{self.method} is not served here"}
            answer = {"jsonrpc": "2.0", "id": request_id, "error": error}
            return await JSONResponse(answer)(scope, receive, send)
        await self.app(scope, replaying(body, receive), send)


class ListAsIs:
    """Put these tools, as they are, in the server's tools/list answers. The SDK's server
    checks its answers against the protocol's types, and refuses to send some broken tools
    that a server built another way sends."""

    def __init__(self, app: ASGIApp, tools: list[Tool]) -> None:
        self.app, self.tools = app, tools

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        body = await read_body(receive)
        if jsonrpc_method(body)[0] != "tools/list":
            return await self.app(scope, replaying(body, receive), send)
        start: dict[str, Any] = {}
        answer = b""

        async def keep(message: dict[str, Any]) -> None:
            nonlocal start, answer
            if message["type"] == "http.response.start":
                start = message
            else:
                answer += message.get("body", b"")

        await self.app(scope, replaying(body, receive), keep)
        listing = json.loads(answer)
        listing["result"]["tools"] = self.tools
        edited = json.dumps(listing).encode()
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(edited)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": edited})


class RequireToken:
    """A 401 with `challenge` for /mcp without `Authorization: Bearer TOKEN`."""

    def __init__(self, app: ASGIApp, challenge: str) -> None:
        self.app, self.challenge = app, challenge

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"] == "/mcp"
            and Headers(scope=scope).get("authorization") != f"Bearer {TOKEN}"
        ):
            body = {"error": "unauthorized", "message": "sign in first"}
            headers = {"WWW-Authenticate": self.challenge}
            return await JSONResponse(body, 401, headers)(scope, receive, send)
        await self.app(scope, receive, send)


PRM_PATH = "/.well-known/oauth-protected-resource/mcp"
# Protected resource and authorization server metadata as MCP and ChatGPT want them;
# "{base}" stands for the server's base URL.
PROTECTED_RESOURCE = {
    "resource": "{base}/mcp",
    "authorization_servers": ["{base}"],
    "scopes_supported": ["league"],
    "bearer_methods_supported": ["header"],
}
AUTHORIZATION_SERVER = {
    "issuer": "{base}",
    "authorization_endpoint": "{base}/authorize",
    "token_endpoint": "{base}/token",
    "registration_endpoint": "{base}/register",
    "response_types_supported": ["code"],
    "grant_types_supported": ["authorization_code", "refresh_token"],
    "code_challenge_methods_supported": ["S256"],
    "token_endpoint_auth_methods_supported": ["none", "private_key_jwt"],
    "client_id_metadata_document_supported": True,
    "authorization_response_iss_parameter_supported": True,
    "scopes_supported": ["league"],
}
SOUND_CHALLENGE = 'Bearer resource_metadata="{base}' + PRM_PATH + '", scope="league"'


def protected(
    *,
    resource: dict[str, Any] | None = None,
    server: dict[str, Any] | None = None,
    drop: tuple[str, ...] = (),
    challenge: str = SOUND_CHALLENGE,
    resource_path: str | None = PRM_PATH,
    server_path: str | None = "/.well-known/oauth-authorization-server",
) -> Build:
    """A server that needs sign-in, with its metadata changed by `resource` and `server`
    (entries to set), `drop` (authorization server entries to remove) and the paths (None:
    not served)."""

    def build(base: str) -> ASGIApp:
        documents = {
            resource_path: {**PROTECTED_RESOURCE, **(resource or {})},
            server_path: {
                key: value
                for key, value in {**AUTHORIZATION_SERVER, **(server or {})}.items()
                if key not in drop
            },
        }
        routes = [
            Route(path, _json_endpoint(_with_base(document, base)))
            for path, document in documents.items()
            if path is not None
        ]
        return RequireToken(mcp_app(routes=routes), challenge.replace("{base}", base))

    return build


def _json_endpoint(document: Any) -> Callable[[Request], Any]:
    async def endpoint(_request: Request) -> Response:
        return JSONResponse(document)

    return endpoint


def _with_base(value: Any, base: str) -> Any:
    if isinstance(value, str):
        return value.replace("{base}", base)
    if isinstance(value, list):
        return [_with_base(item, base) for item in value]
    if isinstance(value, dict):
        return {key: _with_base(item, base) for key, item in value.items()}
    return value


def tools_server(*tools: Tool, results: dict[str, Any] | None = None) -> Build:
    return lambda _base: mcp_app(list(tools), RESULTS if results is None else results)


def listed_as_is(*tools: Tool) -> Build:
    """A server that lists `tools` as they are, past the SDK server's checks."""
    return lambda _base: ListAsIs(mcp_app(), list(tools))


def _renamed(source: Tool, name: str) -> Tool:
    renamed = copy.deepcopy(source)
    renamed["name"] = name
    return renamed


LONG = "Add a team to the league. " * 50  # 1,300 characters
# Each server by name: the sound ones, then one per broken rule.
SERVERS: dict[str, Build] = {
    "sound": lambda _base: mcp_app(),
    "sound-at-another-path": lambda _base: mcp_app(path="/api/v1"),
    "sound-with-sessions": lambda _base: mcp_app(stateless=False),
    "sound-with-sign-in": protected(),
    "tool-name-with-space": tools_server(LIST_TEAMS, _renamed(ADD_TEAM, "add team")),
    "tool-name-over-64": tools_server(LIST_TEAMS, _renamed(ADD_TEAM, "a" * 65)),
    "tools-with-one-name": tools_server(LIST_TEAMS, ADD_TEAM, _renamed(DELETE_TEAM, "add_team")),
    "tool-without-description": tools_server(LIST_TEAMS, {**ADD_TEAM, "description": " "}),
    "tool-description-too-long": tools_server(LIST_TEAMS, {**ADD_TEAM, "description": LONG}),
    "input-schema-invalid": tools_server(
        LIST_TEAMS,
        {**ADD_TEAM, "inputSchema": {"type": "object", "properties": {"name": {"type": "text"}}}},
    ),
    "input-schema-not-object": listed_as_is(
        LIST_TEAMS, {**ADD_TEAM, "inputSchema": {"type": "array", "items": {"type": "string"}}}
    ),
    "output-schema-invalid": listed_as_is(
        {**LIST_TEAMS, "outputSchema": {"type": "object", "required": "teams"}}
    ),
    "output-schema-not-object": listed_as_is(
        LIST_TEAMS, {**ADD_TEAM, "outputSchema": {"type": "array", "items": {"type": "string"}}}
    ),
    "tool-without-annotations": tools_server(LIST_TEAMS, tool("add_team", annotations=None)),
    "delete-not-destructive": tools_server(
        LIST_TEAMS, {**DELETE_TEAM, "annotations": {"readOnlyHint": False}}
    ),
    "result-not-matching-output-schema": tools_server(
        LIST_TEAMS, results={"listTeams": {"teams": "Ants, Bees"}}
    ),
    "result-without-structured-content": tools_server(
        LIST_TEAMS, results={"listTeams": NO_STRUCTURED_CONTENT}
    ),
    "read-only-tool-failing": tools_server(
        LIST_TEAMS, results={"listTeams": Failure("the league is closed")}
    ),
    "host-check-without-public-name": lambda _base: mcp_app(hosts=LOOPBACK_HOSTS),
    "host-check-without-own-name": lambda _base: mcp_app(hosts=[PUBLIC_HOST]),
    "handshake-broken": lambda _base: RefuseMethod(mcp_app(), "initialize"),
    "handshake-only": lambda _base: RefuseMethod(mcp_app(), "server/discover"),
    "eras-listing-apart": lambda _base: mcp_app(handshake_only=("add_team",)),
    "sign-in-without-metadata": protected(
        challenge='Bearer realm="league"', resource_path=None, server_path=None
    ),
    "sign-in-metadata-at-root": protected(
        challenge='Bearer realm="league"', resource_path="/.well-known/oauth-protected-resource"
    ),
    "resource-metadata-missing": protected(resource_path="/.well-known/elsewhere"),
    "resource-of-another-url": protected(resource={"resource": "{base}/other"}),
    "no-authorization-servers": protected(resource={"authorization_servers": []}),
    "authorization-server-metadata-missing": protected(server_path=None),
    "authorization-server-metadata-as-openid": protected(
        server_path="/.well-known/openid-configuration"
    ),
    "issuer-of-another-url": protected(server={"issuer": "{base}/other"}),
    "pkce-without-s256": protected(server={"code_challenge_methods_supported": ["plain"]}),
    "no-client-registration": protected(
        drop=("registration_endpoint", "client_id_metadata_document_supported")
    ),
    "no-iss-parameter": protected(drop=("authorization_response_iss_parameter_supported",)),
    "token-endpoint-on-http": protected(server={"token_endpoint": "http://auth.example.com/t"}),
    "client-secrets-only": protected(
        server={"token_endpoint_auth_methods_supported": ["client_secret_basic"]}
    ),
}


class ServerPool:
    """SERVERS by name, each started on first use, all stopped by close()."""

    def __init__(self) -> None:
        self._bases: dict[str, str] = {}
        self._running: list[tuple[uvicorn.Server, threading.Thread, socket.socket]] = []

    def base(self, name: str) -> str:
        if name not in self._bases:
            self._bases[name] = self._start(SERVERS[name])
        return self._bases[name]

    def _start(self, build: Build) -> str:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(build(base), log_level="warning", access_log=False, lifespan="on")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        self._running.append((server, thread, sock))
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.005)
        return base

    def close(self) -> None:
        for server, _thread, _sock in self._running:
            server.should_exit = True
        for _server, thread, sock in self._running:
            thread.join(timeout=10)
            sock.close()
