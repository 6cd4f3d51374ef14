"""The record of exchanges: a bounded ring of redacted events, followed live by any number.

Followers do not get a queue each: they wait for "something new" and then read the ring from
the last id they saw, so a slow page costs no memory; it only misses what fell off the ring.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scaffold_cli.devproxy.redact import Redactor

BODY_LIMIT = 4096
KEEPALIVE_SECONDS = 15.0


@dataclass
class Exchange:
    """One call through the proxy, as it happened (nothing redacted yet)."""

    method: str
    path: str  # with its query, as the client sent it
    status: int
    latency_ms: float
    request_headers: Iterable[tuple[str, str]]
    request_body: bytes
    response_headers: Iterable[tuple[str, str]]
    response_body: bytes
    source: str  # "upstream", or what the proxy answered from
    note: str | None = None
    response_size: int | None = None  # when response_body is only the stream's beginning
    mcp: dict[str, Any] | None = None  # an MCP call's summary (mcp_calls.McpCall.summary)
    time: datetime = field(default_factory=lambda: datetime.now().astimezone())


class EventLog:
    def __init__(
        self,
        max_events: int = 500,
        body_limit: int = BODY_LIMIT,
        on_record: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.max_events = max_events
        self.body_limit = body_limit
        self.on_record = on_record
        # Tells a page reconnecting after a restart that ids started again from 1.
        self.instance = uuid.uuid4().hex[:12]
        self._events: deque[dict[str, Any]] = deque(maxlen=max_events)
        self._last_id = 0
        self._changed = asyncio.Event()
        self._closed = False

    def record(self, exchange: Exchange) -> dict[str, Any]:
        redactor = Redactor()
        request_headers = redactor.headers(exchange.request_headers)
        response_headers = redactor.headers(exchange.response_headers)
        path = redactor.url(exchange.path)
        request_body = redactor.body(
            exchange.request_body, request_headers.get("content-type", ""), self.body_limit
        )
        response_body = redactor.body(
            exchange.response_body,
            response_headers.get("content-type", ""),
            self.body_limit,
            exchange.response_size,
        )
        mcp = redactor.value(exchange.mcp)  # a tool's arguments, as its request body is
        self._last_id += 1
        event = redactor.scrub(
            {
                "id": self._last_id,
                "time": exchange.time.isoformat(timespec="milliseconds"),
                "method": exchange.method,
                "path": path,
                "status": exchange.status,
                "latency_ms": round(exchange.latency_ms, 1),
                "source": exchange.source,
                "note": exchange.note,
                "mcp": mcp,
                "openai_headers": {
                    name: value
                    for name, value in request_headers.items()
                    if name.startswith("openai-")
                },
                "request": {"headers": request_headers, "body": request_body},
                "response": {"headers": response_headers, "body": response_body},
            }
        )
        self._events.append(event)
        # Wake every follower: they wait on this event, the next ones on a fresh one.
        self._changed.set()
        self._changed = asyncio.Event()
        if self.on_record is not None:
            self.on_record(event)
        return event

    def since(self, after: int = 0) -> list[dict[str, Any]]:
        """The events still in the ring with an id above `after`, oldest first."""
        return [event for event in self._events if event["id"] > after]

    def close(self) -> None:
        """End every `follow`, so open pages don't hold the server up when it stops."""
        self._closed = True
        self._changed.set()

    async def follow(self, after: int = 0) -> AsyncIterator[dict[str, Any] | None]:
        """Every event after `after`, then each new one as it comes; None when idle a while."""
        while not self._closed:
            changed = self._changed  # taken before reading, so nothing recorded in between is lost
            for event in self.since(after):
                after = event["id"]
                yield event
            try:
                await asyncio.wait_for(changed.wait(), KEEPALIVE_SECONDS)
            except asyncio.TimeoutError:
                yield None


def log_line(event: dict[str, Any]) -> str:
    """The terminal's line for an event: `12:00:01 POST /todos/alice 201 12ms`, and for an
    MCP call what it called: `12:00:02 POST /mcp 200 9ms tools/call addTodo isError`."""
    time = event["time"][11:19]
    line = f"{time} {event['method']} {event['path']} {event['status']} {event['latency_ms']:.0f}ms"
    mcp = event.get("mcp") or {}
    words = [mcp.get("method"), mcp.get("tool"), "isError" if mcp.get("is_error") else None]
    if isinstance(mcp.get("error"), dict):
        words.append(f"error {mcp['error'].get('code')}")
    line = " ".join([line, *(str(word) for word in words if word)])
    return f"{line} ({event['note']})" if event["note"] else line
