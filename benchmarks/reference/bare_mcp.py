"""The MCP SDK's own ceiling: its low-level Server with one tool that answers a fixed result,
served by the SDK's own Starlette app (stateless, JSON responses) on Granian with uvloop, as
the default framework's plugin is served, with nothing of the plugin around it.

The gap between this and a plugin's `tools/call` is the plugin's; the gap between this and
bare_asgi.py is the SDK's.
Usage: python benchmarks/reference/bare_mcp.py PORT
"""

import sys
from typing import Any

ANSWER = {"todos": [{"todo_idx": 1, "todo": "benchmark"}]}


def app():
    from mcp import types
    from mcp.server import Server, ServerRequestContext

    async def list_tools(_ctx: ServerRequestContext[Any], _params: Any) -> types.ListToolsResult:
        schema = {"type": "object", "properties": {"username": {"type": "string"}}}
        return types.ListToolsResult(tools=[types.Tool(name="getTodos", input_schema=schema)])

    async def call_tool(_ctx: ServerRequestContext[Any], _params: Any) -> types.CallToolResult:
        text = types.TextContent(text='{"todos":[{"todo_idx":1,"todo":"benchmark"}]}')
        return types.CallToolResult(content=[text], structured_content=ANSWER)

    server = Server("bare", on_list_tools=list_tools, on_call_tool=call_tool)
    return server.streamable_http_app(
        streamable_http_path="/mcp", stateless_http=True, json_response=True
    )


def main():
    from granian import Granian
    from granian.constants import Interfaces, Loops

    Granian(
        "bare_mcp:app",
        factory=True,
        address="127.0.0.1",
        port=int(sys.argv[1]),
        interface=Interfaces.ASGI,
        loop=Loops.uvloop,
        websockets=False,
    ).serve()


if __name__ == "__main__":
    main()
