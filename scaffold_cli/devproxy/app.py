"""The proxy's routes: its own event pages, the plugin's files pointed at it, and the rest forwarded.

`/_events*` is the proxy's; `/.well-known/ai-plugin.json` and the spec come from the local
files when given (else from the upstream) with every URL naming the proxy, and so do the
OAuth discovery documents and a 401's `resource_metadata`; everything else is forwarded
unchanged, an event stream (MCP's SSE) as it comes. Every exchange but the proxy's own pages
is recorded, a call to `/mcp` with what it called.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from scaffold_cli.devproxy import DEFAULT_TIMEOUT
from scaffold_cli.devproxy import forward as forwarding
from scaffold_cli.devproxy.discovery import is_discovery_path, point_headers_here, rewrite_metadata
from scaffold_cli.devproxy.event_stream import EventStreamReader
from scaffold_cli.devproxy.events import EventLog, Exchange
from scaffold_cli.devproxy.files import (
    DocumentError,
    LocalFile,
    dump,
    is_json,
    parse_manifest,
    parse_spec,
)
from scaffold_cli.devproxy.forward import Reply, answer_headers, error_reply
from scaffold_cli.devproxy.mcp_calls import McpCall, is_mcp_path
from scaffold_cli.devproxy.relay import RelayedStream, is_event_stream, whole_characters
from scaffold_cli.devproxy.rewrite import (
    DEFAULT_SPEC_PATH,
    MANIFEST_PATH,
    rewrite_manifest,
    rewrite_spec,
    spec_path,
)

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
OWN_PREFIX = "/_events"
HOST = re.compile(r"[A-Za-z0-9.-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?")
# The origins ChatGPT fetches a localhost plugin's files from.
CHATGPT_ORIGINS = {"https://chat.openai.com", "https://chatgpt.com"}


class Proxy:
    def __init__(
        self,
        upstream: str,
        manifest: Path | None,
        spec: Path | None,
        events: EventLog,
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.manifest_file = LocalFile(manifest, parse_manifest) if manifest else None
        self.spec_file = LocalFile(spec, parse_spec) if spec else None
        self.events = events
        self.http: httpx.AsyncClient | None = None
        # Where the upstream's manifest last said the spec is (learnt when serving it).
        self.upstream_spec_path = DEFAULT_SPEC_PATH

    async def handle(self, request: Request) -> Response:
        if request.url.path.startswith(OWN_PREFIX):
            return JSONResponse({"error": "not_found", "message": "no such proxy page"}, 404)
        started = time.perf_counter()
        body = await request.body()
        call = McpCall(body) if is_mcp_path(request.url.path) else None
        answer = await self._reply(request, body)
        if isinstance(answer, httpx.Response):
            return self._relay(request, body, answer, call, started)
        reply = self._pointed_here(request, answer)
        if call is not None:
            call.read_answer(reply.body, _header(reply.headers, "content-type"))
        self._record(request, body, reply, started, call)
        response = Response(reply.body, reply.status)
        headers = [
            (name.encode("latin-1"), value.encode("latin-1")) for name, value in reply.headers
        ]
        if request.method != "HEAD" and not (reply.status < 200 or reply.status in (204, 304)):
            headers.append((b"content-length", str(len(reply.body)).encode()))
        response.raw_headers = headers
        return response

    async def _reply(self, request: Request, body: bytes) -> Reply | httpx.Response:
        """The answer; an event stream's still open, to be passed on as it comes."""
        path = request.url.path
        if request.method in ("GET", "HEAD"):
            if path == MANIFEST_PATH:
                return await self._manifest(request, body)
            spec_paths = self._spec_paths()
            if path in spec_paths:
                return await self._spec(request, body, as_json=spec_paths[path])
            if is_discovery_path(path):
                return await self._discovery(request, body)
        assert self.http is not None, "the app's lifespan opens the client"
        target, headers = _target(request), _headers(request)
        answer = await forwarding.open_answer(
            self.http, self.upstream, request.method, target, headers, body
        )
        if isinstance(answer, Reply) or (request.method != "HEAD" and is_event_stream(answer)):
            return answer
        return await forwarding.read_answer(self.http, self.upstream, answer, request.method)

    def _relay(
        self,
        request: Request,
        body: bytes,
        answer: httpx.Response,
        call: McpCall | None,
        started: float,
    ) -> Response:
        """Pass the stream on as it comes, reading an MCP call's answer from its events, and
        record the exchange with the stream's first bytes when it ends."""
        headers = answer_headers(answer, request.method)
        reply = self._pointed_here(request, Reply(answer.status_code, headers, b""))
        events = EventStreamReader(call.read_event) if call is not None else None
        kept = bytearray()
        size = 0

        def on_chunk(chunk: bytes) -> None:
            nonlocal size
            size += len(chunk)
            if len(kept) < self.events.body_limit:
                kept.extend(chunk[: self.events.body_limit - len(kept)])
            if events is not None:
                events.feed(chunk)

        def on_end(note: str | None) -> None:
            reply.body, reply.note = whole_characters(bytes(kept)), note or reply.note
            self._record(request, body, reply, started, call, size)

        return RelayedStream(answer, reply.headers, on_chunk, on_end)

    def _record(
        self,
        request: Request,
        body: bytes,
        reply: Reply,
        started: float,
        call: McpCall | None,
        response_size: int | None = None,
    ) -> None:
        self.events.record(
            Exchange(
                method=request.method,
                path=_target(request),
                status=reply.status,
                latency_ms=(time.perf_counter() - started) * 1000,
                request_headers=_headers(request),
                request_body=body,
                response_headers=reply.headers,
                response_body=b"" if request.method == "HEAD" else reply.body,
                source=reply.source,
                note=reply.note,
                response_size=response_size,
                mcp=call.summary() if call is not None else None,
            )
        )

    def _pointed_here(self, request: Request, reply: Reply) -> Reply:
        """The reply with its WWW-Authenticate and Location on the proxy, where they name the
        upstream (discovery.point_headers_here)."""
        headers = point_headers_here(reply.headers, base_url(request), self.upstream)
        if headers == reply.headers:
            return reply
        note = reply.note or "URLs rewritten to the proxy"
        return Reply(reply.status, headers, reply.body, reply.source, note)

    async def _forward(self, request: Request, body: bytes, method: str | None = None) -> Reply:
        assert self.http is not None, "the app's lifespan opens the client"
        method = method or request.method
        target, headers = _target(request), _headers(request)
        return await forwarding.forward(self.http, self.upstream, method, target, headers, body)

    async def _discovery(self, request: Request, body: bytes) -> Reply:
        """An OAuth discovery document with the URLs naming the upstream on the proxy."""
        reply = await self._forward(request, body, "GET")  # a HEAD too, as for the manifest
        if reply.status != 200 or reply.source != "upstream":
            return reply
        document = _json_object(reply.body)
        if document is None:
            return reply  # not a JSON object: the client judges it as the upstream sent it
        rewritten = rewrite_metadata(document, base_url(request), self.upstream)
        if rewritten == document:
            return reply
        content, media_type = dump(rewritten, True)
        return _rewritten(reply, content, media_type)

    def _spec_paths(self) -> dict[str, bool | None]:
        """Each path the spec is served at, and whether as JSON (None: as its source is)."""
        if self.manifest_file is None:
            path = self.upstream_spec_path
        else:
            try:
                path = spec_path(self.manifest_file.load(), self.upstream)
            except DocumentError:
                path = DEFAULT_SPEC_PATH
        paths: dict[str, bool | None] = {path: _format_of(path)}
        if self.spec_file is None or self.spec_file.json_source:
            paths.setdefault("/openapi.json", True)
        if self.spec_file is None:
            paths.setdefault(DEFAULT_SPEC_PATH, None)
        return paths

    async def _manifest(self, request: Request, body: bytes) -> Reply:
        base = base_url(request)
        if self.manifest_file is not None:
            try:
                manifest = self.manifest_file.load()
            except DocumentError as error:
                return _local_error(self.manifest_file.path, error)
            content, media_type = dump(rewrite_manifest(manifest, base, self.upstream), True)
            return _local_reply(request, content, media_type, self.manifest_file.path)
        reply = await self._forward(request, body, "GET")  # a HEAD too: its headers need the body
        if reply.status != 200 or reply.source != "upstream":
            return reply
        try:
            manifest = parse_manifest(_text(reply.body), self.upstream + MANIFEST_PATH)
        except DocumentError as error:
            return error_reply(502, "invalid_upstream_file", str(error), "proxy")
        self.upstream_spec_path = spec_path(manifest, self.upstream)
        content, media_type = dump(rewrite_manifest(manifest, base, self.upstream), True)
        return _rewritten(reply, content, media_type)

    async def _spec(self, request: Request, body: bytes, as_json: bool | None) -> Reply:
        base = base_url(request)
        if self.spec_file is not None:
            try:
                spec = self.spec_file.load()
            except DocumentError as error:
                return _local_error(self.spec_file.path, error)
            as_json = self.spec_file.json_source if as_json is None else as_json
            content, media_type = dump(rewrite_spec(spec, base, self.upstream), as_json)
            return _local_reply(request, content, media_type, self.spec_file.path)
        reply = await self._forward(request, body, "GET")
        if reply.status != 200 or reply.source != "upstream":
            return reply
        text = _text(reply.body)
        try:
            spec = parse_spec(text, self.upstream + request.url.path)
        except DocumentError as error:
            return error_reply(502, "invalid_upstream_file", str(error), "proxy")
        as_json = is_json(text) if as_json is None else as_json
        content, media_type = dump(rewrite_spec(spec, base, self.upstream), as_json)
        return _rewritten(reply, content, media_type)


def create_proxy_app(
    upstream: str,
    manifest: Path | None = None,
    spec: Path | None = None,
    max_events: int = 500,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    on_record: Callable[[dict[str, Any]], None] | None = None,
) -> Starlette:
    """The dev proxy in front of `upstream` (an http(s) URL), as an ASGI app.

    `manifest` and `spec` are local files served instead of the upstream's; `on_record` is
    called with each recorded event (the CLI prints a line for it).
    """
    events = EventLog(max_events, on_record=on_record)
    proxy = Proxy(upstream, manifest, spec, events)
    page = resources.files("scaffold_cli.devproxy").joinpath("page.html").read_bytes()

    async def events_page(request: Request) -> Response:
        return Response(page, media_type="text/html", headers={"cache-control": "no-store"})

    async def events_json(request: Request) -> Response:
        after = _int(request.query_params.get("after"))
        return JSONResponse(
            {
                "upstream": proxy.upstream,
                "max_events": events.max_events,
                "events": events.since(after),
            },
            headers={"cache-control": "no-store"},
        )

    async def events_stream(request: Request) -> Response:
        # EventSource sends the last id back when it reconnects; from another run it is void.
        instance, _, last = (request.headers.get("last-event-id") or "").partition("-")
        after = _int(last) if instance == events.instance else 0

        async def messages() -> AsyncIterator[str]:
            hello = {
                "instance": events.instance,
                "upstream": proxy.upstream,
                "max_events": events.max_events,
            }
            yield f"retry: 1000\nevent: hello\ndata: {json.dumps(hello)}\n\n"
            async for event in events.follow(after):
                if event is None:
                    yield ": still here\n\n"
                else:
                    event_id = f"{events.instance}-{event['id']}"
                    yield f"id: {event_id}\ndata: {json.dumps(event)}\n\n"

        return StreamingResponse(
            messages(),
            media_type="text/event-stream",
            headers={"cache-control": "no-store", "x-accel-buffering": "no"},
        )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with forwarding.client(timeout) as http:
            proxy.http = http
            yield

    app = Starlette(
        routes=[
            Route(OWN_PREFIX, events_page, methods=["GET"]),
            Route(f"{OWN_PREFIX}.json", events_json, methods=["GET"]),
            Route(f"{OWN_PREFIX}/stream", events_stream, methods=["GET"]),
            Route("/{path:path}", proxy.handle, methods=METHODS),
        ],
        lifespan=lifespan,
    )
    app.state.events = events
    return app


def base_url(request: Request) -> str:
    """The proxy's own address as the client reached it (through a tunnel, its public one)."""
    headers = request.headers
    scheme = _first(headers.get("x-forwarded-proto")) or request.url.scheme
    host = _first(headers.get("x-forwarded-host")) or headers.get("host", "")
    if scheme in ("http", "https") and HOST.fullmatch(host):
        return f"{scheme}://{host}"
    server_host, port = request.scope.get("server") or ("127.0.0.1", 80)
    return f"http://{server_host}:{port}"


def _local_reply(request: Request, body: bytes, media_type: str, path: Path) -> Reply:
    headers = [("content-type", media_type), ("cache-control", "no-store")]
    origin = request.headers.get("origin")
    if origin in CHATGPT_ORIGINS or (origin or "").startswith(("http://localhost", "http://127.")):
        headers += [("access-control-allow-origin", origin), ("vary", "Origin")]
    return Reply(200, headers, body, f"local file {path.name}")


def _local_error(path: Path, error: DocumentError) -> Reply:
    return error_reply(500, "invalid_local_file", str(error), "proxy", file=str(path))


def _rewritten(reply: Reply, body: bytes, media_type: str) -> Reply:
    """The upstream's reply with the body replaced by its rewritten form."""
    stale = {"content-type", "etag", "last-modified"}  # they described the original body
    headers = [(name, value) for name, value in reply.headers if name.lower() not in stale]
    note = "URLs rewritten to the proxy"
    return Reply(reply.status, [("content-type", media_type), *headers], body, note=note)


def _target(request: Request) -> str:
    """The path and query exactly as the client sent them (still percent-encoded)."""
    target = request.scope.get("raw_path", request.url.path.encode()).decode("latin-1")
    query = request.scope.get("query_string", b"").decode("latin-1")
    return f"{target}?{query}" if query else target


def _headers(request: Request) -> list[tuple[str, str]]:
    """The client's headers, and where it reached the proxy, unless a tunnel in front said so
    already: a plugin that trusts the proxy (one on loopback does, by default) then names the
    proxy in what it serves, and takes the proxy's /mcp as its tokens' audience."""
    headers = [
        (name.decode("latin-1"), value.decode("latin-1")) for name, value in request.headers.raw
    ]
    if "x-forwarded-host" not in request.headers:
        scheme, _, host = base_url(request).partition("://")
        headers += [("x-forwarded-proto", scheme), ("x-forwarded-host", host)]
    return headers


def _format_of(path: str) -> bool | None:
    """True for JSON, False for YAML, None when the path does not say."""
    return {".json": True, ".yaml": False, ".yml": False}.get(PurePosixPath(path).suffix.lower())


def _text(body: bytes) -> str:
    return body.decode("utf-8", errors="replace")


def _first(value: str | None) -> str | None:
    """The first (client-side) entry of a comma-separated proxy header."""
    return value.split(",")[0].strip() if value else None


def _int(value: str | None) -> int:
    try:
        return max(int(value or 0), 0)
    except ValueError:
        return 0


def _header(headers: list[tuple[str, str]], name: str) -> str:
    return ", ".join(value for key, value in headers if key.lower() == name)


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return document if isinstance(document, dict) else None
