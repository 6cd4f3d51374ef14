"""One JSON line per request on stdout: method, path, status, latency and caller, never a secret.

The path is logged without its query string, and credentials are never passed in.
"""

from __future__ import annotations

import json
import logging
import sys
import time

logger = logging.getLogger(__name__)
if not logger.handlers:
    _handler = logging.StreamHandler(sys.stdout)
    _handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(_handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def log_request(method: str, path: str, status: int, started: float, caller: str | None) -> None:
    record = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "method": method,
        "path": path,
        "status": status,
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
        "caller": caller,
    }
    logger.info(json.dumps(record))
