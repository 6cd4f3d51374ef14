"""What an exchange with an MCP server's /mcp carried: the JSON-RPC methods sent, the tool and
its arguments for `tools/call`, and from the answer (JSON, or the stream event carrying it)
`isError` or the JSON-RPC error.

Nothing here is trusted: a body that is not JSON-RPC is noted, never refused.
The summary is raw; the event log redacts it like everything else it records.
"""

from __future__ import annotations

import json
from typing import Any

MCP_PATH = "/mcp"
MAX_MESSAGE_CHARS = 200  # of a JSON-RPC error's message, as recorded
# Arguments past these are left out of the summary (the request body, cut short, still shows
# their start): redacting them would recurse too deep, and the record would grow too big.
MAX_ARGUMENTS_DEPTH = 100
MAX_ARGUMENTS_CHARS = 4096
MAX_BATCH = 50  # messages of a batch summed up


def is_mcp_path(path: str) -> bool:
    """Whether a request path (without its query) is the MCP endpoint."""
    return path.rstrip("/") == MCP_PATH


class McpCall:
    """One HTTP exchange with /mcp: read the request's body, then each message of the answer."""

    def __init__(self, body: bytes) -> None:
        self.messages: list[dict[str, Any]] = []  # one summary per JSON-RPC request sent
        self.batch = False
        self.note: str | None = None
        self._waiting: dict[str, dict[str, Any]] = {}  # the requests not yet answered, by id
        if body.strip():
            self._read_request(body)

    def read_answer(self, body: bytes, content_type: str) -> None:
        """The answer's body, when it is JSON (an event stream is read with `read_event`)."""
        if "json" in content_type.lower() and self._waiting:
            self.read_event(body)

    def read_event(self, data: str | bytes) -> None:
        """One message (or batch) from the server, as an event's data or a JSON body."""
        document = _json(data)
        for message in document if isinstance(document, list) else [document]:
            if not isinstance(message, dict) or "method" in message:
                continue  # a server's own request or notification: not an answer
            key = _key(message.get("id"))
            entry = self._waiting.pop(key, None) if key is not None else None
            if entry is None:
                continue
            result, error = message.get("result"), message.get("error")
            if entry["method"] == "tools/call" and isinstance(result, dict):
                is_error = result.get("isError", False)
                entry["is_error"] = is_error if isinstance(is_error, bool) else None
            if isinstance(error, dict):
                text = error.get("message")
                code = error.get("code")
                entry["error"] = {
                    "code": code if isinstance(code, int) else None,
                    "message": text[:MAX_MESSAGE_CHARS] if isinstance(text, str) else None,
                }

    def summary(self) -> dict[str, Any]:
        """The call as the events page shows it."""
        if self.batch:
            methods = ", ".join(str(entry["method"]) for entry in self.messages)
            return {"method": methods or None, "batch": self.messages, "note": self.note}
        if self.messages:
            return {**self.messages[0], "note": self.note}
        return {"method": None, **_EMPTY, "note": self.note}

    def _read_request(self, body: bytes) -> None:
        document = _json(body)
        if document is None:
            self.note = "the body is not JSON"
            return
        self.batch = isinstance(document, list)
        for message in document if self.batch else [document]:
            method = message.get("method") if isinstance(message, dict) else None
            if not isinstance(method, str):
                continue  # the client's answer to a server's request, or not JSON-RPC at all
            if len(self.messages) == MAX_BATCH:
                self.note = f"only the first {MAX_BATCH} messages of the batch are shown"
                break
            entry = {"method": method, **_EMPTY}
            params = message.get("params")
            if method == "tools/call" and isinstance(params, dict):
                name = params.get("name")
                entry["tool"] = name if isinstance(name, str) else None
                entry["arguments"] = _shown(params.get("arguments"))
            self.messages.append(entry)
            key = _key(message.get("id"))
            if key is not None:
                self._waiting[key] = entry
        if not self.messages:
            self.note = "no JSON-RPC request or notification in the body"


_EMPTY = {"tool": None, "arguments": None, "is_error": None, "error": None}


def _json(data: str | bytes) -> Any:
    try:
        return json.loads(data)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested too deep
        return None


def _shown(arguments: Any) -> Any:
    """A tool's arguments as the summary keeps them."""
    if _deeper_than(arguments, MAX_ARGUMENTS_DEPTH):
        return "(nested too deeply to show here)"
    size = len(json.dumps(arguments, ensure_ascii=False))
    if size > MAX_ARGUMENTS_CHARS:
        return f"({size} characters: too long to show here)"
    return arguments


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether lists and objects nest in `value` more than `limit` deep (found without recursion)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth >= limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def _key(message_id: Any) -> str | None:
    """A JSON-RPC id as a dictionary key (1 and "1" are different ids); None for an id that
    JSON-RPC does not allow, which no answer can be matched to."""
    if isinstance(message_id, bool) or not isinstance(message_id, (str, int, float)):
        return None
    return json.dumps(message_id)
