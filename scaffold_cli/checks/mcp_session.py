"""An MCP server as the official SDK's client sees it, in each protocol era: whether it
connects, the tools it lists, and what the calls the checks choose return.

Imported only when a URL answers MCP: the SDK takes most of a second to import.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import ValidationError

from scaffold_cli.checks.mcp_probe import MAX_PAGES

# mode= of the SDK's Client, and how findings name it. "auto" asks server/discover first
# (2026-07-28) and falls back to the handshake; "legacy" is the handshake only.
ERAS = {"auto": "2026-07-28 (mode auto)", "legacy": "the 2025 initialize handshake"}
ERA_SECONDS = 60.0  # for all of one era: connecting, listing and calling
ToolChooser = Callable[[list[dict[str, Any]]], list[str]]


@dataclass
class CallOutcome:
    tool: str
    refused: str | None = None  # why the SDK's client refused the result
    failed: str | None = None  # why the call failed, or the error it returned


@dataclass
class Era:
    mode: str
    protocol_version: str | None = None
    tools: list[dict[str, Any]] | None = None  # as on the wire (camelCase)
    failure: str | None = None  # why it did not connect or list
    refused_answer: bool = False  # the failure: an answer that breaks the protocol's types
    calls: list[CallOutcome] = field(default_factory=list)

    @property
    def name(self) -> str:
        return ERAS[self.mode]

    @property
    def modern(self) -> bool:
        """Whether it spoke 2026-07-28 (or later), not the handshake."""
        return self.protocol_version in MODERN_PROTOCOL_VERSIONS


def visit(url: str, headers: dict[str, str], timeout: float, choose: ToolChooser) -> list[Era]:
    """Connect in each era and list the tools; in the first that lists them, also call the
    tools `choose` picks (once: calls are the server's work, and may reach other services)."""
    with _quiet_sdk():
        return anyio.run(_visit_eras, url, headers, timeout, choose)


async def _visit_eras(
    url: str, headers: dict[str, str], timeout: float, choose: ToolChooser
) -> list[Era]:
    eras = []
    for mode in ERAS:
        era = Era(mode)
        try:
            with anyio.fail_after(ERA_SECONDS):
                listed = any(earlier.tools is not None for earlier in eras)
                await _visit(era, url, headers, timeout, None if listed else choose)
        except Exception as error:  # noqa: BLE001 - whatever the SDK raises is the finding
            era.failure = describe(error)
            era.refused_answer = isinstance(_leaf(error), ValidationError)
        eras.append(era)
    return eras


async def _visit(
    era: Era, url: str, headers: dict[str, str], timeout: float, choose: ToolChooser | None
) -> None:
    async with httpx2.AsyncClient(headers=headers, timeout=timeout) as http:
        transport = streamable_http_client(url, http_client=http)
        async with Client(
            transport, mode=era.mode, cache=None, read_timeout_seconds=timeout
        ) as client:
            era.protocol_version = client.protocol_version
            tools: list[Any] = []
            cursor = None
            for _ in range(MAX_PAGES):
                page = await client.list_tools(cursor=cursor)
                tools += page.tools
                cursor = page.next_cursor
                if not cursor:
                    break
            era.tools = [
                tool.model_dump(mode="json", by_alias=True, exclude_unset=True) for tool in tools
            ]
            for name in choose(era.tools) if choose is not None else []:
                era.calls.append(await _call(client, name))


async def _call(client: Client, name: str) -> CallOutcome:
    try:
        result = await client.call_tool(name, {})
    except RuntimeError as error:
        message = describe(error)
        # The SDK checks structuredContent against outputSchema and raises on a mismatch.
        if "structured content" in message:
            return CallOutcome(name, refused=message)
        return CallOutcome(name, failed=message)
    except Exception as error:  # noqa: BLE001 - a JSON-RPC error, a timeout, a broken answer
        return CallOutcome(name, failed=describe(error))
    if result.is_error:
        text = " ".join(getattr(part, "text", "") for part in result.content).strip()
        return CallOutcome(name, failed=f"it returned isError: {text[:200] or 'no text'}")
    return CallOutcome(name)


def describe(error: BaseException) -> str:
    """The reason in one line: the first error of a group, a JSON-RPC error with its code."""
    error = _leaf(error)
    if isinstance(error, MCPError):
        text = f"{error.message} (JSON-RPC error {error.code})"
    elif isinstance(error, ValidationError):  # the answer breaks the protocol's types
        first = error.errors()[0]
        place = ".".join(map(str, first["loc"]))
        more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        text = f"it refuses the answer: {place}: {first['msg']}{more}"
    elif isinstance(error, TimeoutError):
        text = "no answer in time"
    else:
        text = str(error).split("\n\n")[0] or type(error).__name__
    text = " ".join(text.split())
    return text if len(text) <= 300 else text[:297] + "..."


def _leaf(error: BaseException) -> BaseException:
    """The first error of a group (anyio's task groups raise groups), or `error` itself."""
    while getattr(error, "exceptions", None):
        error = error.exceptions[0]  # type: ignore[attr-defined]
    return error


@contextlib.contextmanager
def _quiet_sdk() -> Iterator[None]:
    """The SDK logs what it refuses; the findings say it once, in the report."""
    loggers = [logging.getLogger(name) for name in ("mcp", "httpx2")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)
