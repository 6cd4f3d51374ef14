"""Small MCP servers built with the official SDK, for the dev proxy's tests to sit in front of.

One tool, `divide`, which reports progress before it answers (so its answer comes as an event
stream when the client asks for progress) and fails as a tool (isError) on a zero divisor.
`oauth_mcp_app` puts it behind OAuth as the SDK does it (protected resource metadata, a 401
naming it), with a tiny authorization server of its own on the same host: metadata (also as
OpenID's), dynamic registration, an authorize endpoint that signs everyone in, and a token
endpoint. The protected resource metadata is at the root too, as some servers publish it.
`with_client` runs the SDK's client against any of them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

import httpx2
from mcp import Client, types
from mcp.client.streamable_http import streamable_http_client
from mcp.server import Server, ServerRequestContext
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

# What the authorization server hands out; none may show up in what the proxy records.
CLIENT_SECRET = "cs-" + "Div1der" * 4
AUTH_CODE = "code-" + "Gr4nted" * 3
ACCESS_TOKEN = "at-" + "D1vide" * 5
REFRESH_TOKEN = "rt-" + "Ag4in" * 5
SCOPE = "divide"
ELSEWHERE = "https://docs.example.com/oauth"  # on another host: the proxy leaves it alone

DIVIDE = types.Tool(
    name="divide",
    description="Divide a by b.",
    input_schema={
        "type": "object",
        "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
        "required": ["a", "b"],
    },
)


async def list_tools(
    _ctx: ServerRequestContext[Any], _params: types.PaginatedRequestParams | None
) -> types.ListToolsResult:
    return types.ListToolsResult(tools=[DIVIDE])


async def call_tool(
    ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
) -> types.CallToolResult:
    arguments = params.arguments or {}
    await ctx.session.report_progress(0.5, 1.0, "dividing")  # sent only when asked for
    if not arguments.get("b"):
        text = types.TextContent(text="cannot divide by zero")
        return types.CallToolResult(content=[text], is_error=True)
    quotient = arguments["a"] / arguments["b"]
    return types.CallToolResult(content=[types.TextContent(text=str(quotient))])


def divide_server() -> Server:
    return Server("divider", on_list_tools=list_tools, on_call_tool=call_tool)


def mcp_app(routes: Sequence[BaseRoute] = ()) -> Starlette:
    """The server at /mcp (stateless, event streams allowed), then `routes`."""
    return divide_server().streamable_http_app(
        stateless_http=True, custom_starlette_routes=list(routes)
    )


class TokenVerifier:
    async def verify_token(self, token: str) -> AccessToken | None:
        if token != ACCESS_TOKEN:
            return None
        return AccessToken(token=token, client_id="divider-client", scopes=[SCOPE])


def oauth_mcp_app(base_url: str) -> Starlette:
    """The server at `base_url`/mcp behind OAuth, its authorization server at `base_url`."""
    auth = AuthSettings(
        issuer_url=base_url,
        resource_server_url=f"{base_url}/mcp",
        required_scopes=[SCOPE],
        validate_token_resource=False,  # the tokens here name no resource
    )
    return divide_server().streamable_http_app(
        stateless_http=True,
        auth=auth,
        token_verifier=TokenVerifier(),
        custom_starlette_routes=authorization_server(base_url),
    )


def authorization_server(base_url: str) -> list[BaseRoute]:
    """The authorization server's routes, and the root protected resource metadata."""
    metadata = {
        "issuer": base_url,
        "authorization_endpoint": f"{base_url}/authorize",
        "token_endpoint": f"{base_url}/token",
        "registration_endpoint": f"{base_url}/register",
        "scopes_supported": [SCOPE],
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post"],
        "authorization_response_iss_parameter_supported": True,
        "service_documentation": ELSEWHERE,
    }

    resource = {
        "resource": f"{base_url}/mcp",
        "authorization_servers": [base_url],
        "scopes_supported": [SCOPE],
    }

    async def server_metadata(request: Request) -> Response:
        return JSONResponse(metadata)

    async def resource_metadata(request: Request) -> Response:
        return JSONResponse(resource)

    async def register(request: Request) -> Response:
        client = await request.json()
        issued = {"client_id": "divider-client", "client_secret": CLIENT_SECRET}
        return JSONResponse({**client, **issued, "client_id_issued_at": int(time.time())}, 201)

    async def authorize(request: Request) -> Response:
        """Everyone is signed in at once: straight back to the client, with a code."""
        query = request.query_params
        answer = {"code": AUTH_CODE, "state": query.get("state", ""), "iss": base_url}
        return RedirectResponse(f"{query['redirect_uri']}?{urlencode(answer)}", 302)

    async def token(request: Request) -> Response:
        form = await request.form()
        if form.get("code") != AUTH_CODE or form.get("client_secret") != CLIENT_SECRET:
            return JSONResponse({"error": "invalid_grant"}, 400)
        tokens = {"access_token": ACCESS_TOKEN, "refresh_token": REFRESH_TOKEN}
        return JSONResponse({**tokens, "token_type": "Bearer", "expires_in": 3600, "scope": SCOPE})

    return [
        Route("/.well-known/oauth-authorization-server", server_metadata),
        Route("/.well-known/openid-configuration", server_metadata),
        Route("/.well-known/oauth-protected-resource", resource_metadata),
        Route("/register", register, methods=["POST"]),
        Route("/authorize", authorize),
        Route("/token", token, methods=["POST"]),
    ]


def with_client(
    url: str, mode: str, use: Callable[[Client], Awaitable[Any]], **http_options: Any
) -> Any:
    """Run `use` with the SDK's client connected to `url` (over an httpx2 client made with
    `http_options`), in a thread of its own: a browser driven from this one holds its loop."""

    async def run() -> Any:
        async with httpx2.AsyncClient(timeout=30, **http_options) as http:
            transport = streamable_http_client(url, http_client=http)
            async with Client(transport, mode=mode) as client:
                return await use(client)

    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, run()).result(60)
