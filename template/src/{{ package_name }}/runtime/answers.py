# Owned by the template: `plugin-scaffold update` rewrites this file. Keep your code out of it.
"""Answers as the JSON every framework sends, and read-only answers reused until anything in
the database changes.

A model re-reads the same list or table again and again. On SQLite, `PRAGMA data_version`
tells whether any connection, in any server process, has committed since the last look, at
the cost of one read of shared memory, so a repeated read is answered without a query and
never with stale data.

On PostgreSQL, a trigger on every table of the plugin (db.py) sends a NOTIFY from the very
transaction that writes, which PostgreSQL delivers on its commit to every server process, on
every host, listening on a connection of its own. A read reuses an answer only if no
notification has come by the end of one round trip on that connection (an empty query, which
touches no table, shared by all the reads waiting for it): no query, no pooled connection. A
process whose listening connection drops reuses nothing until it has listened again; what
was kept before is then dropped, as anything may have changed in between.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import select
import sqlite3
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import Engine

from .db import CHANGES_CHANNEL

# Past this many bytes of kept answers the cache starts again, so it never grows past it.
MAX_KEPT_BYTES = 8 * 1024 * 1024
# How long a process whose PostgreSQL listener is down waits between attempts to listen again.
RELISTEN_SECONDS = 1.0
# The least time from one round trip's start to the next's: the reads that arrive meanwhile
# share the next one. Back to back, a round trip served a read or two, and PostgreSQL's
# process for the listening connection took much of a core; with this, 3.5% of one for two
# server processes at 17,500 reads a second. A longer wait left those processes idle: 1 ms
# served 15,300 reads a second.
ROUND_TRIP_INTERVAL = 0.0002
# A round trip to PostgreSQL that takes longer counts as a lost connection: answers are
# computed until it listens again.
ROUND_TRIP_TIMEOUT = 10.0
# libpq's status of the answer to an empty query (psycopg.pq.ExecStatus.EMPTY_QUERY).
EMPTY_QUERY = 0
# A peer that vanishes without closing (a host or a network gone) is found out by TCP
# keepalives after about idle + interval x count seconds, and nothing is reused meanwhile.
LISTENER_KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 2,
}


# Built once: json.dumps with any option sets up a new JSONEncoder on every call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def to_json(answer: Any) -> bytes:
    """An operation's answer as sent: compact UTF-8 JSON, keys in the order they were built."""
    return _ENCODER.encode(answer).encode()


class AnswerCache:
    def __init__(self, engine: Engine) -> None:
        self._watcher: SqliteCommits | PostgresChanges | None = None
        path = engine.url.database
        if engine.dialect.name == "sqlite" and path and path != ":memory:":
            self._watcher = SqliteCommits(path)
        elif engine.dialect.name == "postgresql":
            self._watcher = PostgresChanges(engine)
        self._answers: dict[Hashable, tuple[int, bytes]] = {}
        self._kept_bytes = 0

    def close(self) -> None:
        """Stop watching the database; answers are computed afresh from then on."""
        if self._watcher is not None:
            self._watcher.close()

    def _version(self) -> int | None:
        """A number that changes whenever the database may have, or None when nothing tells."""
        return None if self._watcher is None else self._watcher.version()

    def kept(self, key: Hashable, version: int | None) -> bytes | None:
        """The answer kept for `key` if it was kept at this version (from version_on_loop)."""
        kept = self._answers.get(key)
        return kept[1] if kept is not None and version is not None and kept[0] == version else None

    async def version_on_loop(self) -> int | None:
        """_version(), for an event loop: on PostgreSQL awaited, not blocking."""
        if isinstance(self._watcher, PostgresChanges):
            return await self._watcher.synced()
        return self._version()

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


class SqliteCommits:
    """SQLite's count of the commits of every connection but its own, in any process."""

    def __init__(self, path: str) -> None:
        # A connection of its own: data_version counts the commits of all the others.
        self._connection: sqlite3.Connection | None = sqlite3.connect(path, check_same_thread=False)
        self._lock = threading.Lock()

    def version(self) -> int | None:
        with self._lock:
            if self._connection is None:
                return None
            return self._connection.execute("PRAGMA data_version").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


class PostgresChanges:
    """A count of the notifications of CHANGES_CHANNEL this process has received, on a
    connection of its own that LISTENs, or None while that connection is down.

    PostgreSQL delivers a notification a moment after its commit, which a read arriving just
    after the write's answer could beat. But a session gets every notification committed
    before its query's answer, so a count is only given out after a round trip (an empty
    query) that started after it was asked for: then it counts every write committed before.
    The reads that arrive during one round trip share the next one."""

    def __init__(self, engine: Engine) -> None:
        import psycopg  # the postgres extra, which a PostgreSQL engine has already imported

        self._error = psycopg.Error
        self._connect = psycopg.connect
        arguments, options = engine.dialect.create_connect_args(engine.url)
        self._arguments = arguments
        self._options = {
            **options,
            **LISTENER_KEEPALIVES,
            "autocommit": True,
            "application_name": CHANGES_CHANNEL,  # as pg_stat_activity shows it
        }
        self._lock = threading.Lock()  # guards what follows
        self._connection: Any = None  # a psycopg.Connection while listening
        self._count = 0
        self._waiting: list[_Waiter] = []  # for the next round trip
        self._trip: list[_Waiter] = []  # for the one under way (the thread's own)
        self._shared: _LoopWaiter | None = None  # the one the event loop's reads join
        self._stopped = False
        self._wake_read, wake_write = os.pipe()
        self._wake_write: int | None = wake_write
        os.set_blocking(self._wake_read, False)
        os.set_blocking(wake_write, False)
        self._thread = threading.Thread(target=self._watch, name="postgres-changes", daemon=True)
        self._thread.start()

    def version(self) -> int | None:
        """The count once a round trip that starts now has ended. It blocks for that long."""
        waiter = _Waiter()
        self._wait_for(waiter)
        waiter.done.wait()  # the thread ends every round trip within ROUND_TRIP_TIMEOUT
        return waiter.version

    async def synced(self) -> int | None:
        """version(), awaited on an event loop."""
        loop = asyncio.get_running_loop()
        waiter = self._shared
        # Joining a round trip that has not started is as good as asking for one.
        if waiter is None or waiter.taken or waiter.loop is not loop:
            waiter = self._shared = _LoopWaiter(loop)
            self._wait_for(waiter)
        # Shielded: a call cancelled when its client leaves must not cancel the others'.
        return await asyncio.shield(waiter.future)

    def close(self) -> None:
        """Stop listening; the thread ends at once."""
        with self._lock:
            self._stopped = True
        self._wake()

    def _wait_for(self, waiter: _Waiter) -> None:
        with self._lock:
            listening = self._connection is not None
            if listening:
                self._waiting.append(waiter)
            # The thread looks for waiters whenever a round trip ends: it is only woken when
            # none is under way, as it may be asleep.
            wake = listening and not self._trip and len(self._waiting) == 1
        if wake:
            self._wake()
        elif not listening:
            waiter.taken = True  # answered, so no read joins it once listening again
            waiter.resolve(None)

    def _wake(self) -> None:
        with self._lock:  # the thread closes the pipe under it when it ends
            if self._wake_write is not None:
                with contextlib.suppress(BlockingIOError):  # a wake-up is pending already
                    os.write(self._wake_write, b"!")

    def _watch(self) -> None:
        """Listen, make the round trips asked for, and count notifications as they come, so
        they never pile up on PostgreSQL's side; listen again whenever the connection drops."""
        wake = select.poll()
        wake.register(self._wake_read, select.POLLIN)
        while not self._stopped:
            try:
                connection = self._connect(*self._arguments, **self._options)
            except self._error:
                wake.poll(RELISTEN_SECONDS * 1000)
                self._drain_wake()
                continue
            try:
                self._listen(connection)
            except (self._error, OSError):
                pass  # down: whoever waits is told so, and nothing is reused until it is back
            finally:
                with self._lock:
                    self._connection, waiting, self._waiting = None, self._waiting, []
                waiting += self._trip
                self._trip = []
                for waiter in waiting:
                    waiter.resolve(None)
                with contextlib.suppress(self._error, OSError):
                    connection.close()
        with self._lock:
            os.close(self._wake_read)
            os.close(self._wake_write)
            self._wake_write = None

    def _listen(self, connection: Any) -> None:
        connection.execute(f"LISTEN {CHANGES_CHANNEL}")
        with self._lock:
            # Listening from here on, and nothing kept from before is reused: any write may
            # have been committed while no connection listened.
            self._connection = connection
            self._count += 1
        pgconn = connection.pgconn
        ready = select.poll()
        ready.register(connection.fileno(), select.POLLIN)
        ready.register(self._wake_read, select.POLLIN)
        sendable = select.poll()
        sendable.register(connection.fileno(), select.POLLOUT)
        started = deadline = 0.0
        while not self._stopped:
            wait = RELISTEN_SECONDS
            if not self._trip:
                now = time.monotonic()
                with self._lock:
                    if self._waiting and now >= started + ROUND_TRIP_INTERVAL:
                        self._trip, self._waiting = self._waiting, []
                    elif self._waiting:
                        wait = started + ROUND_TRIP_INTERVAL - now
                if self._trip:
                    for waiter in self._trip:
                        waiter.taken = True
                    pgconn.send_query(b"")
                    started, deadline = now, now + ROUND_TRIP_TIMEOUT
                    # psycopg leaves the connection nonblocking: send all that is left.
                    while pgconn.flush() and sendable.poll(ROUND_TRIP_TIMEOUT * 1000):
                        pass
            elif time.monotonic() > deadline:
                raise self._error("PostgreSQL did not answer the round trip in time")
            for fd, _ in ready.poll(wait * 1000):
                if fd == self._wake_read:
                    self._drain_wake()
                    continue
                # A closed connection is always readable, and then consume_input raises.
                pgconn.consume_input()
                with self._lock:
                    while pgconn.notifies() is not None:
                        self._count += 1
                    count = self._count
                if self._trip and _ended(pgconn, self._error):
                    with self._lock:
                        trip, self._trip = self._trip, []
                    for waiter in trip:
                        waiter.resolve(count)

    def _drain_wake(self) -> None:
        with contextlib.suppress(BlockingIOError):
            os.read(self._wake_read, 4096)


def _ended(pgconn: Any, error: type[Exception]) -> bool:
    """Whether the empty query's answer has come whole; it raises if it is not that answer."""
    while not pgconn.is_busy():
        result = pgconn.get_result()
        if result is None:
            return True
        if result.status != EMPTY_QUERY:
            raise error(f"the round trip was answered with status {result.status}")
    return False


class _Waiter:
    """One who waits for a round trip: the count it ended with, or None if it could not."""

    def __init__(self) -> None:
        self.taken = False  # its round trip has started
        self.version: int | None = None
        self.done = threading.Event()

    def resolve(self, version: int | None) -> None:
        self.version = version
        self.done.set()


class _LoopWaiter(_Waiter):
    """The same, for the reads on one event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.loop = loop
        self.future: asyncio.Future[int | None] = loop.create_future()

    def resolve(self, version: int | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting
            self.loop.call_soon_threadsafe(_settle, self.future, version)


def _settle(future: asyncio.Future[int | None], version: int | None) -> None:
    if not future.done():
        future.set_result(version)
