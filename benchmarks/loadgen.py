"""Load from wrk, in its own process so it never shares an interpreter with a server."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

CONNECTIONS = 32
HERE = Path(__file__).resolve().parent
POST_SCRIPT = HERE / "post_todo.lua"
# getTodos as an MCP tools/call, in each protocol era a server must answer.
MCP_SCRIPTS = {
    "2026-07-28": HERE / "mcp_get_todos.lua",
    "2025-11-25": HERE / "mcp_get_todos_2025.lua",
}
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class WrkResult:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx/3xx answers plus socket errors


def run_wrk(url: str, seconds: int, script: Path | None = None) -> WrkResult:
    """wrk's numbers for GET url, or for the requests a wrk Lua script makes of it."""
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run(
        [*command, url], check=True, capture_output=True, text=True, timeout=seconds + 60
    ).stdout
    return parse_wrk(output)


def parse_wrk(output: str) -> WrkResult:
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    if rate is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    return WrkResult(
        requests_per_s=float(rate.group(1)),
        p50_ms=_percentile(output, "50%"),
        p99_ms=_percentile(output, "99%"),
        errors=_errors(output),
    )


def _percentile(output: str, label: str) -> float:
    found = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
    return float(found.group(1)) * _UNITS_MS[found.group(2)] if found else float("nan")


def _errors(output: str) -> int:
    count = 0
    if found := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output):
        count += int(found.group(1))
    if found := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        # Read errors are connections the server closed; count them all as failures.
        count += sum(int(n) for n in found.groups())
    return count
