# Owned by the template: `plugin-scaffold update` rewrites this file. Keep your code out of it.
"""One JSON line per request on stdout: method, path, status, latency, caller and, for an MCP
tool call, the tool; never a secret, never a tool's arguments.

The path is logged without its query string, and credentials are never passed in. The line is
written straight to stdout: building a logging record costs more than the rest of a quick
request, and a process manager or container runtime collects stdout either way.

On an event loop, the lines of one pass of the loop go out in one write at its end: a write
to a file or pipe costs about as much as the rest of a quick request.
"""

from __future__ import annotations

import asyncio
import sys
import time
from json.encoder import encode_basestring_ascii as json_string

# Where an app notes who called and, on /mcp, which tool: in an ASGI request's scope["state"]
# (as Starlette's request.state keeps it), or in a WSGI environ.
CALLER = "plugin.caller"
TOOL = "plugin.tool"

_stamp: tuple[int, str] = (-1, "")  # the last second formatted, and its text
# Lines waiting for the end of their loop's pass; each loop touches only its own list.
_pending: dict[asyncio.AbstractEventLoop, list[str]] = {}


def log_request(
    method: str,
    path: str,
    status: int,
    started: float,
    caller: str | None,
    tool: str | None = None,
) -> None:
    global _stamp
    latency_ms = round((time.perf_counter() - started) * 1000, 2)
    now = int(time.time())
    if _stamp[0] != now:  # strftime once a second, not once a request
        _stamp = (now, json_string(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))))
    who = "null" if caller is None else json_string(caller)
    # Formatted by hand, each text JSON-escaped (to ASCII, so any stdout encoding takes it):
    # 40% of the cost of json.dumps on a dict.
    line = (
        '{"time":' + _stamp[1]
        + ',"method":' + json_string(method)
        + ',"path":' + json_string(path)
        + ',"status":' + str(status)
        + ',"latency_ms":' + str(latency_ms)
        + ',"caller":' + who
        + ("" if tool is None else ',"tool":' + json_string(tool))
        + "}\n"
    )  # fmt: skip
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # a WSGI server's thread: at once
        return _write(line)
    if lines := _pending.get(loop):
        lines.append(line)
    else:
        _pending[loop] = [line]
        loop.call_soon(_write_pending, loop)


def _write_pending(loop: asyncio.AbstractEventLoop) -> None:
    _write("".join(_pending.pop(loop)))


def _write(text: str) -> None:
    # One write per call, so lines from a server's threads never interleave.
    sys.stdout.write(text)
    sys.stdout.flush()
