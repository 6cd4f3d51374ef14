"""plugin-scaffold dev: the local proxy, always against real servers on loopback.

The upstream is a small Starlette app with an MCP server built with the SDK at /mcp (or a
rendered plugin), and the proxy runs in-process on uvicorn or as the real `plugin-scaffold dev`
command. The live page runs in Debian's Chromium. test_dev_mcp.py has the proxy's MCP side.
"""

import asyncio
import json
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from helpers import Served, free_port, serve_rendered_plugin
from mcp_upstream import mcp_app, with_client
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from typer.testing import CliRunner

from scaffold_cli import app as scaffold_app

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
BIN = Path(sys.executable).parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Secrets the tests send or the upstream returns; none may show up in what the proxy records.
TOKEN = "tok-" + "B3arer" * 6
PASSWORD = "pw-" + "hunter2" * 3
CLIENT_SECRET = "cs-" + "Cl1ent" * 5
AUTH_CODE = "code-" + "Auth0r1ze" * 2
COOKIE = "ck-" + "Cook1e" * 4
ACCESS_TOKEN = "at-" + "Acce55" * 5
REFRESH_TOKEN = "rt-" + "Refre5h" * 4
SECRETS = (TOKEN, PASSWORD, CLIENT_SECRET, AUTH_CODE, COOKIE, ACCESS_TOKEN, REFRESH_TOKEN)


# ─── an upstream to proxy, and servers on loopback ───────────────────────────


async def echo(request: Request) -> Response:
    """Everything the upstream received, with the status the query asks for."""
    body = await request.body()
    received = {
        name: value
        for name, value in request.headers.items()
        if name.startswith("openai-")
        or name in ("authorization", "content-type", "accept", "cookie", "host", "x-custom")
        or name in ("proxy-authorization", "x-hop")
    }
    payload = {
        "method": request.method,
        "path": request.url.path,
        "query": request.url.query,
        "body": body.decode(),
        "headers": received,
    }
    response = JSONResponse(payload, int(request.query_params.get("status", 200)))
    response.raw_headers += [
        (b"x-upstream", b"echo"),
        (b"set-cookie", b"a=1; Path=/"),
        (b"set-cookie", b"b=2; Path=/"),
    ]
    return response


def _base(request: Request) -> str:
    return f"http://{request.headers['host']}"


async def manifest(request: Request) -> Response:
    """An OAuth plugin's manifest with absolute URLs on the upstream's own host."""
    base = _base(request)
    return JSONResponse(
        {
            "schema_version": "v1",
            "name_for_model": "todo",
            "auth": {
                "type": "oauth",
                "client_url": f"{base}/oauth/authorize",
                "scope": "todo",
                "authorization_url": f"{base}/oauth/token",
                "authorization_content_type": "application/json",
                "verification_tokens": {"openai": "v"},
            },
            "api": {"type": "openapi", "url": f"{base}/openapi.yaml"},
            "logo_url": f"{base}/logo.png",
            "legal_info_url": "https://example.com/legal",
        }
    )


def oauth_spec(server: str, authorize: str, token: str) -> dict:
    flow = {"authorizationUrl": authorize, "tokenUrl": token, "scopes": {"todo": "TODOs"}}
    return {
        "openapi": "3.0.1",
        "info": {"title": "TODO", "version": "1"},
        "servers": [{"url": server}],
        "paths": {"/todos": {"get": {"operationId": "getTodos", "responses": {"200": {}}}}},
        "components": {
            "securitySchemes": {"oauth": {"type": "oauth2", "flows": {"authorizationCode": flow}}}
        },
    }


async def spec(request: Request) -> Response:
    base = _base(request)
    document = oauth_spec(base, f"{base}/oauth/authorize", f"{base}/oauth/token")
    return Response(yaml.safe_dump(document), media_type="application/yaml")


async def token(request: Request) -> Response:
    await request.body()
    return JSONResponse(
        {"access_token": ACCESS_TOKEN, "token_type": "bearer", "refresh_token": REFRESH_TOKEN}
    )


async def slow(request: Request) -> Response:
    await asyncio.sleep(5)
    return Response("late")


async def redirect(request: Request) -> Response:
    return Response(status_code=302, headers={"location": "/elsewhere"})


ROUTES = [
    Route("/.well-known/ai-plugin.json", manifest),
    Route("/openapi.yaml", spec),
    Route("/oauth/token", token, methods=["POST"]),
    Route("/slow", slow),
    Route("/redirect", redirect),
    Route("/{path:path}", echo, methods=METHODS),
]


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    served = Served(mcp_app(ROUTES))  # the SDK's /mcp, then the routes above
    yield served.url
    served.stop()


def no_secret_in(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret} was recorded"


# ─── forwarding ──────────────────────────────────────────────────────────────


def test_every_method_is_forwarded_and_answered_unchanged(upstream, start_proxy):
    proxy = start_proxy(upstream)
    headers = {
        "authorization": f"Bearer {TOKEN}",
        "content-type": "application/json",
        "accept": "application/json",
        "cookie": f"session={COOKIE}",
        "openai-conversation-id": "conv-1",
        "openai-ephemeral-user-id": "user-1",
        "x-custom": "kept",
    }
    hop_by_hop = {"proxy-authorization": "Basic eA==", "connection": "keep-alive, x-hop"}
    target = "/items/42?status=207&q=a%20b&q=c"
    with httpx.Client() as client:
        for method in METHODS:
            body = b"" if method in ("GET", "HEAD") else json.dumps({"m": method}).encode()
            both = {**headers, **hop_by_hop, "x-hop": "1"}
            answer = client.request(method, proxy + target, content=body, headers=both)
            assert answer.status_code == 207, method
            assert answer.headers["x-upstream"] == "echo"
            assert answer.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]
            if method == "HEAD":
                assert answer.content == b""
                continue
            received = answer.json()
            assert received["method"] == method
            assert received["path"] == "/items/42"
            assert received["query"] == "status=207&q=a%20b&q=c"
            assert received["body"] == body.decode()
            assert received["headers"] == {**headers, "host": upstream.removeprefix("http://")}
            # The body is the upstream's, byte for byte.
            direct = client.request(method, upstream + target, content=body, headers=headers)
            assert answer.content == direct.content
            assert answer.headers["content-type"] == direct.headers["content-type"]

        moved = client.get(proxy + "/redirect")
        assert moved.status_code == 302 and moved.headers["location"] == "/elsewhere"


def test_an_upstream_that_is_down_or_slow_is_a_json_502(upstream, start_proxy):
    nowhere = f"http://127.0.0.1:{free_port()}"
    answer = httpx.post(start_proxy(nowhere) + "/todos", json={"todo": "x"})
    assert answer.status_code == 502
    assert answer.json()["error"] == "upstream_unreachable"
    assert nowhere in answer.json()["message"]

    started = time.monotonic()
    answer = httpx.get(start_proxy(upstream, timeout=0.3) + "/slow", timeout=10)
    assert answer.status_code == 502 and time.monotonic() - started < 3
    assert answer.json()["error"] == "upstream_unreachable"
    assert answer.json()["message"] == f"{upstream} did not answer within 0.3 s"


# ─── the manifest and the spec ───────────────────────────────────────────────


def test_the_upstreams_manifest_and_spec_point_at_the_proxy(upstream, start_proxy):
    proxy = start_proxy(upstream)
    answer = httpx.get(proxy + "/.well-known/ai-plugin.json")
    assert answer.status_code == 200 and upstream not in answer.text
    manifest = answer.json()
    assert manifest["api"]["url"] == f"{proxy}/openapi.yaml"
    assert manifest["logo_url"] == f"{proxy}/logo.png"
    assert manifest["auth"]["client_url"] == f"{proxy}/oauth/authorize"
    assert manifest["auth"]["authorization_url"] == f"{proxy}/oauth/token"
    assert manifest["legal_info_url"] == "https://example.com/legal"  # another host: left alone

    assert httpx.head(proxy + "/.well-known/ai-plugin.json").status_code == 200
    answer = httpx.get(manifest["api"]["url"])
    assert answer.status_code == 200 and upstream not in answer.text
    spec = yaml.safe_load(answer.text)
    assert spec["servers"][0]["url"] == proxy
    flow = spec["components"]["securitySchemes"]["oauth"]["flows"]["authorizationCode"]
    assert flow == {**flow, "authorizationUrl": f"{proxy}/oauth/authorize"}
    assert flow["tokenUrl"] == f"{proxy}/oauth/token"


def test_local_files_point_at_the_proxy_and_are_reloaded_when_edited(
    upstream, start_proxy, tmp_path
):
    manifest_file = tmp_path / "ai-plugin.json"
    spec_file = tmp_path / "openapi.json"
    # A rendered project's paths, the seed's placeholder, and a URL on the upstream's host.
    local_manifest = {
        "schema_version": "v1",
        "name_for_human": "Local",
        "auth": {
            "type": "oauth",
            "client_url": "/oauth/authorize",
            "authorization_url": "PLUGIN_HOSTNAME/oauth/token",
        },
        "api": {"type": "openapi", "url": "/openapi.yaml"},
        "logo_url": f"{upstream}/logo.png",
    }
    manifest_file.write_text(json.dumps(local_manifest, indent=2))
    spec_file.write_text(json.dumps(oauth_spec("/", "/oauth/authorize", "/oauth/token")))
    proxy = start_proxy(upstream, manifest_file, spec_file)

    manifest = httpx.get(proxy + "/.well-known/ai-plugin.json").json()
    assert manifest["name_for_human"] == "Local"
    assert manifest["api"]["url"] == f"{proxy}/openapi.yaml"
    assert manifest["logo_url"] == f"{proxy}/logo.png"
    assert manifest["auth"]["client_url"] == f"{proxy}/oauth/authorize"
    assert manifest["auth"]["authorization_url"] == f"{proxy}/oauth/token"
    # The spec file is JSON: it is served at the manifest's path (as YAML) and at /openapi.json.
    for path, parse in (("/openapi.yaml", yaml.safe_load), ("/openapi.json", json.loads)):
        spec = parse(httpx.get(proxy + path).text)
        assert spec["servers"] == [{"url": proxy}], path
        flow = spec["components"]["securitySchemes"]["oauth"]["flows"]["authorizationCode"]
        assert flow["authorizationUrl"] == f"{proxy}/oauth/authorize"
        assert flow["tokenUrl"] == f"{proxy}/oauth/token"

    # Edited, broken and fixed on disk: each next answer follows, no restart.
    edited = {**local_manifest, "name_for_human": "Edited again"}
    manifest_file.write_text(json.dumps(edited, indent=2))
    assert httpx.get(proxy + "/.well-known/ai-plugin.json").json()["name_for_human"] == (
        "Edited again"
    )
    manifest_file.write_text('{"schema_version": "v1",}')
    broken = httpx.get(proxy + "/.well-known/ai-plugin.json")
    assert broken.status_code == 500
    assert broken.json()["error"] == "invalid_local_file"
    assert broken.json()["file"] == str(manifest_file)
    assert f"{manifest_file} is not valid JSON: " in broken.json()["message"]
    assert "line 1 column" in broken.json()["message"]
    manifest_file.write_text(json.dumps(edited))
    assert httpx.get(proxy + "/.well-known/ai-plugin.json").status_code == 200

    spec_file.write_text('{"openapi": ')
    broken = httpx.get(proxy + "/openapi.json")
    assert broken.status_code == 500 and str(spec_file) in broken.json()["message"]
    spec_file.write_text(json.dumps(oauth_spec("/", "/a", "/t"), indent=1))
    assert httpx.get(proxy + "/openapi.json").json()["servers"] == [{"url": proxy}]


@pytest.mark.parametrize(
    "url, expected",
    [
        ("/openapi.yaml", "http://proxy:1/openapi.yaml"),
        ("openapi.yaml", "http://proxy:1/openapi.yaml"),
        ("PLUGIN_HOSTNAME/logo.png", "http://proxy:1/logo.png"),
        ("https://PLUGIN_HOSTNAME/oauth", "http://proxy:1/oauth"),
        ("http://localhost:5003/api/x?y=1", "http://proxy:1/x?y=1"),  # loopback is one host
        ("http://127.0.0.1:5003/api", "http://proxy:1/"),
        ("http://127.0.0.1:5003/other", "http://127.0.0.1:5003/other"),  # outside the prefix
        ("http://127.0.0.1:9999/api/x", "http://127.0.0.1:9999/api/x"),  # another port
        ("https://auth.example.com/authorize", "https://auth.example.com/authorize"),
    ],
)
def test_urls_naming_the_upstream_are_rewritten_and_others_kept(url, expected):
    from scaffold_cli.devproxy.rewrite import to_proxy

    assert to_proxy(url, "http://proxy:1", "http://127.0.0.1:5003/api") == expected


def test_redaction_keeps_schemas_legible_and_scrubs_echoes():
    from scaffold_cli.devproxy.redact import Redactor

    redactor = Redactor()
    headers = redactor.headers([("Authorization", f"Bearer {TOKEN}"), ("X-Api-Key", "k" * 9)])
    assert headers == {"authorization": "[redacted]", "x-api-key": "[redacted]"}
    schema = json.dumps({"properties": {"password": {"type": "string"}}, "token": 12345678})
    body = redactor.body(schema.encode(), "application/json", 4096)["text"]
    assert json.loads(body) == {
        "properties": {"password": {"type": "string"}},
        "token": "[redacted]",
    }
    assert redactor.scrub({"note": f"echo {TOKEN}"}) == {"note": "echo [redacted]"}
    text = redactor.body(f"password={PASSWORD}&keep=1".encode(), "text/plain", 4096)["text"]
    assert text == "password=[redacted]&keep=1"


# ─── the record of calls ─────────────────────────────────────────────────────


def make_calls(proxy: str) -> None:
    """Four calls carrying secrets, a long body and a 404."""
    with httpx.Client(base_url=proxy) as client:
        client.post(
            f"/todos/alice?code={AUTH_CODE}&x=1",
            json={"todo": "buy milk", "password": PASSWORD},
            headers={
                "authorization": f"Bearer {TOKEN}",
                "cookie": f"session={COOKIE}",
                "openai-conversation-id": "conv-1",
                "openai-ephemeral-user-id": "user-1",
            },
        )
        client.post(
            "/oauth/token",
            data={"grant_type": "authorization_code", "client_id": "cid", "code": AUTH_CODE}
            | {"client_secret": CLIENT_SECRET},
        )
        client.put("/big", json={"text": "x" * 10_000})
        client.get("/missing?status=404")


def test_every_exchange_is_recorded_and_no_secret_is(upstream, start_proxy):
    proxy = start_proxy(upstream)
    make_calls(proxy)
    answer = httpx.get(proxy + "/_events.json")
    no_secret_in(answer.text)
    events = answer.json()["events"]
    assert [event["id"] for event in events] == [1, 2, 3, 4]
    assert [(e["method"], e["path"], e["status"]) for e in events] == [
        ("POST", "/todos/alice?code=[redacted]&x=1", 200),
        ("POST", "/oauth/token", 200),
        ("PUT", "/big", 200),
        ("GET", "/missing?status=404", 404),
    ]
    first, login, big, _ = events
    assert all(isinstance(e["latency_ms"], float) and e["latency_ms"] > 0 for e in events)
    assert first["openai_headers"] == {
        "openai-conversation-id": "conv-1",
        "openai-ephemeral-user-id": "user-1",
    }
    assert first["request"]["headers"]["authorization"] == "[redacted]"
    assert first["request"]["headers"]["cookie"] == "[redacted]"
    assert first["response"]["headers"]["set-cookie"] == "[redacted], [redacted]"
    assert json.loads(first["request"]["body"]["text"]) == {
        "todo": "buy milk",
        "password": "[redacted]",
    }
    # The upstream echoed the bearer token in its body: scrubbed there too.
    assert json.loads(first["response"]["body"]["text"])["headers"]["authorization"] == (
        "[redacted]"
    )
    assert "client_secret=[redacted]" in login["request"]["body"]["text"]
    assert json.loads(login["response"]["body"]["text"])["access_token"] == "[redacted]"
    for part in ("request", "response"):
        body = big[part]["body"]
        assert body["truncated"] is True and body["size"] > 10_000
        assert 4000 < len(body["text"].encode()) <= 4096

    # The live stream: the same events first, then each new call as it happens.
    seen: list[str] = []
    with httpx.stream("GET", proxy + "/_events/stream", timeout=10) as stream:
        for line in stream.iter_lines():
            seen.append(line)
            if line.endswith("-4"):
                httpx.get(proxy + f"/todos/bob?access_token={ACCESS_TOKEN}")
            if line.startswith('data: {"id": 5,'):
                break
    text = "\n".join(seen)
    no_secret_in(text)
    assert "event: hello" in seen[1]
    data = [json.loads(line[6:]) for line in seen if line.startswith('data: {"id"')]
    assert [event["id"] for event in data] == [1, 2, 3, 4, 5]
    assert data[4]["path"] == "/todos/bob?access_token=[redacted]"


def test_the_record_keeps_only_the_latest_events(upstream, start_proxy):
    proxy = start_proxy(upstream, max_events=5)
    with httpx.Client() as client:
        for number in range(12):
            client.get(f"{proxy}/todos/{number}")
    record = httpx.get(proxy + "/_events.json").json()
    assert record["max_events"] == 5
    assert [event["id"] for event in record["events"]] == [8, 9, 10, 11, 12]
    assert [event["path"] for event in record["events"]][-1] == "/todos/11"
    # The proxy's own pages are never forwarded (nor recorded).
    assert httpx.get(proxy + "/_events/other").status_code == 404
    assert httpx.post(proxy + "/_events").status_code == 404
    assert len(httpx.get(proxy + "/_events.json").json()["events"]) == 5


# ─── the command ─────────────────────────────────────────────────────────────


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--upstream", "ftp://example.com"], "--upstream must be an http(s) URL"),
        (["--upstream", "localhost:5003"], "--upstream must be an http(s) URL"),
        (["--upstream", "http://x", "--manifest", "nope.json"], "--manifest nope.json: no such"),
        (["--upstream", "http://x", "--spec", "nope.yaml"], "--spec nope.yaml: no such file"),
        (["--upstream", "http://x", "--port", "70000"], "--port must be 1-65535"),
        (["--upstream", "http://x", "--port", "TAKEN"], "cannot listen on 127.0.0.1:"),
    ],
    ids=["scheme", "no-scheme", "manifest", "spec", "port-range", "port-in-use"],
)
def test_bad_input_is_one_line_and_status_2(args, needle, taken_port, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = [str(taken_port) if arg == "TAKEN" else arg for arg in args]
    result = CliRunner().invoke(scaffold_app.app, ["dev", *args])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], lines


class Lines:
    """A process's stdout, read in a thread so a test can wait for a line."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.queue: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, args=(process.stdout,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            self.queue.put(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.queue.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                break
            self.seen.append(line)
            if re.search(pattern, line):
                return line
        raise AssertionError(f"no line matching {pattern!r} in {self.seen}")


@pytest.mark.e2e
def test_the_command_proxies_a_rendered_plugin(render_project, tmp_path, processes):
    project = render_project(project_name="demo", auth="service_http")
    upstream = serve_rendered_plugin(
        project, "demo", tmp_path, processes, PLUGIN_SERVICE_TOKEN=TOKEN
    )
    proxy_port = free_port()

    # The manifest comes from the running plugin, the spec from the project's source file.
    source_spec = project / "src" / "demo" / "well_known" / "openapi.yaml"
    dev = subprocess.Popen(
        [BIN / "plugin-scaffold", "dev", "--upstream", upstream, "--port", str(proxy_port)]
        + ["--spec", str(source_spec)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    processes.append(dev)
    output = Lines(dev)
    proxy = f"http://127.0.0.1:{proxy_port}"
    assert output.wait_for(r"^Proxying ") == f"Proxying {proxy} -> {upstream}"
    output.wait_for(r"^Press Ctrl\+C")

    manifest = httpx.get(proxy + "/.well-known/ai-plugin.json").json()
    assert manifest["api"]["url"] == f"{proxy}/openapi.yaml"
    assert manifest["logo_url"] == f"{proxy}/logo.png"
    spec = yaml.safe_load(httpx.get(manifest["api"]["url"]).text)
    assert spec["servers"] == [{"url": proxy}]  # the source says "/"
    assert "/todos/{username}" in spec["paths"]

    bearer = {"authorization": f"Bearer {TOKEN}", "openai-conversation-id": "c-9"}
    added = httpx.post(proxy + "/todos/alice", json={"todo": "walk the dog"}, headers=bearer)
    assert added.status_code in (200, 201), added.text
    listed = httpx.get(proxy + "/todos/alice", headers=bearer)
    assert listed.status_code == 200 and "walk the dog" in listed.text
    refused = httpx.get(proxy + "/todos/alice")
    assert refused.status_code == 401 and "www-authenticate" in refused.headers
    assert httpx.get(proxy + "/logo.png").headers["content-type"] == "image/png"

    output.wait_for(r"^\d\d:\d\d:\d\d GET /\.well-known/ai-plugin\.json 200 \d+ms")
    output.wait_for(r"^\d\d:\d\d:\d\d POST /todos/alice 20[01] \d+ms$")
    output.wait_for(r"^\d\d:\d\d:\d\d GET /todos/alice 401 \d+ms$")
    record = httpx.get(proxy + "/_events.json")
    assert TOKEN not in record.text
    assert record.json()["events"][2]["openai_headers"] == {"openai-conversation-id": "c-9"}

    # Ctrl+C stops it promptly, even with a live page still connected.
    with httpx.stream("GET", proxy + "/_events/stream", timeout=10) as stream:
        next(stream.iter_lines())
        stopping = time.monotonic()
        dev.send_signal(signal.SIGINT)
        assert dev.wait(10) == 130  # the shell's status for Ctrl+C
    assert time.monotonic() - stopping < 5
    assert TOKEN not in "\n".join(output.seen)


# ─── the live page, in a real browser ────────────────────────────────────────


@pytest.mark.e2e
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt install chromium)")
def test_the_live_page_shows_calls_as_they_happen(upstream, start_proxy, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    proxy = start_proxy(upstream)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 760})
            page.goto(proxy + "/_events")
            expect(page.locator("#status")).to_have_text("live")
            expect(page.locator("#empty")).to_be_visible()

            make_calls(proxy)  # arrive while the page is open, without reloading it
            rows = page.locator("tr.call")
            expect(rows).to_have_count(4)
            expect(rows.first).to_contain_text("/missing?status=404")  # newest on top
            expect(page.locator("#count")).to_have_text("4 calls")

            page.locator("tr.call", has_text="/todos/alice").click()
            details = page.locator("tr.details")
            expect(details).to_contain_text('"todo": "buy milk"')
            expect(details).to_contain_text("openai-conversation-id: conv-1")
            expect(details).to_contain_text("authorization: [redacted]")
            page.locator("tr.call", has_text="PUT").click()
            expect(page.locator(".cut").first).to_contain_text("truncated")
            page.locator("tr.call", has_text="PUT").click()  # closes it again
            page.screenshot(path=tmp_path / "events.png", full_page=True)

            visible = page.locator("tr.call:visible")
            page.fill("#filter", "404")
            expect(visible).to_have_count(1)
            expect(visible).to_contain_text("/missing")
            expect(page.locator("#count")).to_have_text("1 of 4 calls")
            page.fill("#filter", "/todos")
            expect(visible).to_have_count(1)
            expect(page.locator("tr.details:visible")).to_have_count(1)
            httpx.get(proxy + "/todos/carol?status=201")  # a new call that matches the filter
            expect(visible).to_have_count(2)
            page.fill("#filter", "")
            expect(visible).to_have_count(5)

            # An MCP call from the SDK's client: its row says what it called and how it ended.
            page.fill("#filter", "divide")
            arguments = {"a": 1, "b": 0, "password": PASSWORD}
            result = with_client(proxy + "/mcp", "auto", lambda c: c.call_tool("divide", arguments))
            assert result.is_error
            expect(visible).to_have_count(1)
            expect(visible).to_contain_text("/mcptools/call divide isError")
            visible.click()
            summary = page.locator("tr.details:visible .call-summary")
            expect(summary).to_contain_text("MCP: tools/call divide")
            expect(summary).to_contain_text('"password": "[redacted]"')
            expect(summary).to_contain_text("isError: true")
            page.screenshot(path=tmp_path / "mcp-call.png", full_page=True)

            content = page.content()
            no_secret_in(content)
            assert "[redacted]" in content
        finally:
            browser.close()
