"""One JSON line per request on stdout: method, path, status, latency and caller, never a secret.

The path is logged without its query string, and credentials are never passed in. The line is
written straight to stdout: building a logging record costs more than the rest of a quick
request, and a process manager or container runtime collects stdout either way.
"""

from __future__ import annotations

import json
import sys
import time


def log_request(method: str, path: str, status: int, started: float, caller: str | None) -> None:
    record = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "method": method,
        "path": path,
        "status": status,
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
        "caller": caller,
    }
    # One write per line, so lines from a server's threads never interleave.
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()
