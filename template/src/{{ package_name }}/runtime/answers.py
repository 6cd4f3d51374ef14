# Owned by the template: `plugin-scaffold update` rewrites this file. Keep your code out of it.
"""Answers as the JSON every framework sends, and read-only answers reused until anything in
the database changes.

A model re-reads the same list or table again and again. On SQLite, `PRAGMA data_version`
tells whether any connection, in any server process, has committed since the last look, at
the cost of one read of shared memory, so a repeated read is answered without a query and
never with stale data. Other databases are asked every time.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import Engine

# Past this many bytes of kept answers the cache starts again, so it never grows past it.
MAX_KEPT_BYTES = 8 * 1024 * 1024


# Built once: json.dumps with any option sets up a new JSONEncoder on every call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def to_json(answer: Any) -> bytes:
    """An operation's answer as sent: compact UTF-8 JSON, keys in the order they were built."""
    return _ENCODER.encode(answer).encode()


class AnswerCache:
    def __init__(self, engine: Engine) -> None:
        path = engine.url.database
        self._watcher: sqlite3.Connection | None = None
        if engine.dialect.name == "sqlite" and path and path != ":memory:":
            # A connection of its own: data_version counts the commits of all the others.
            self._watcher = sqlite3.connect(path, check_same_thread=False)
        self._watcher_lock = threading.Lock()
        self._answers: dict[Hashable, tuple[int, bytes]] = {}
        self._kept_bytes = 0

    def close(self) -> None:
        """Close the watcher's connection; answers are computed afresh from then on."""
        with self._watcher_lock:
            if self._watcher is not None:
                self._watcher.close()
                self._watcher = None

    def _version(self) -> int | None:
        """How many commits the database has seen, or None when there is nothing to watch."""
        with self._watcher_lock:
            if self._watcher is None:
                return None
            return self._watcher.execute("PRAGMA data_version").fetchone()[0]

    def answer(self, key: Hashable, compute: Callable[[], bytes]) -> bytes:
        """The answer kept for `key` if nothing has changed since, else `compute()`'s."""
        # Read before computing: an answer is kept under the version it is at least as new as.
        version = self._version()
        if version is None:
            return compute()
        kept = self._answers.get(key)
        if kept is not None and kept[0] == version:
            return kept[1]
        answer = compute()
        if self._kept_bytes + len(answer) > MAX_KEPT_BYTES:
            self._answers.clear()
            self._kept_bytes = 0
        previous = self._answers.get(key)
        self._kept_bytes += len(answer) - (len(previous[1]) if previous else 0)
        self._answers[key] = (version, answer)
        return answer
