# Owned by the template: `plugin-scaffold update` rewrites this file. Keep your code out of it.
"""The database: SQLite by default, PostgreSQL when DATABASE_URL names one."""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Executable, MetaData, create_engine, event, text
from sqlalchemy.engine import URL, Compiled, Dialect, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError

metadata = MetaData()
# Any fixed number: PostgreSQL serialises schema creation by servers starting at once.
SCHEMA_LOCK = 7_370_001
# On PostgreSQL, every statement that changes a table of `metadata` sends a notification on
# this channel from its own transaction (answers.py reuses answers until one arrives). A
# table whose changes no reused answer depends on opts out with info={NOT_NOTIFIED: True}.
CHANGES_CHANNEL = "plugin_changes"
CHANGES_TRIGGER = "plugin_changes"
NOT_NOTIFIED = "not_notified"
# The execution option that holds a SQLite engine's Writer, so the writer lives as long as
# its engine does.
WRITER_OPTION = "plugin_writer"
# How long a writer waits for another process's write to end before it fails.
BUSY_TIMEOUT_MS = 30_000
# PostgreSQL connections a server process keeps open, at most. None past it: the pool would
# close each on its return, and PostgreSQL starts a process for every new one (under 32 calls
# at once, with 10 kept and 20 more allowed, the slowest 1% of getTodos took 330 ms; 50 ms).
POOL_SIZE = 30
PRIVATE_MODE = 0o600  # SQLite files: their owner's alone


def database_url(url: str) -> URL:
    """Accept the usual spellings of a PostgreSQL URL and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    return make_url(url)


def parsed_url(url: str) -> URL | None:
    """database_url(url), or None when it is not a URL at all."""
    try:
        return database_url(url)
    except (ArgumentError, ValueError):
        return None


def anchored(url: str, folder: Path) -> str:
    """The URL with a relative SQLite path taken as relative to `folder`; any other unchanged."""
    parsed = parsed_url(url)
    if parsed is None:  # the settings refuse it in one line
        return url
    path = parsed.database
    if parsed.get_backend_name() != "sqlite" or not path or path == ":memory:":
        return url
    if Path(path).is_absolute():
        return url
    return parsed.set(database=str(folder / path)).render_as_string(hide_password=False)


def connect(url: str) -> Engine:
    """Open a pooled engine and create any missing table, the plugin's own included."""
    from .operations import import_handlers  # their modules define the plugin's tables

    import_handlers()
    parsed = database_url(url)
    if parsed.get_backend_name() == "sqlite":
        try:
            engine = _sqlite_engine(parsed)
        except OSError as error:  # its folder cannot be made
            raise Unavailable(f"cannot make the folder of DATABASE_URL's file: {error}") from None
    else:
        try:
            engine = create_engine(parsed, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=0)
        except ModuleNotFoundError:
            reason = "its PostgreSQL driver is not installed (pip install '.[postgres]')"
            raise Unavailable.cannot_open(reason) from None
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                key = {"key": SCHEMA_LOCK}
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), key)
            metadata.create_all(connection)
            if engine.dialect.name == "postgresql":
                _notify_changes(connection)
    except OperationalError as error:  # unreachable, refused, or a file that cannot be opened
        engine.dispose()
        raise Unavailable.cannot_open(str(error.orig).strip().splitlines()[0]) from None
    return engine


def _notify_changes(connection: Connection) -> None:
    """Give every table of `metadata` that lacks it the trigger that notifies CHANGES_CHANNEL.
    Once per statement, and PostgreSQL sends one notification per transaction for all the
    identical ones, so a batch of writes costs one."""
    connection.execute(
        text(
            "CREATE OR REPLACE FUNCTION plugin_notify_change() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"PERFORM pg_notify('{CHANGES_CHANNEL}', TG_TABLE_NAME); RETURN NULL; END $$"
        )
    )
    quote = connection.dialect.identifier_preparer.format_table
    has_trigger = text(
        "SELECT 1 FROM pg_trigger WHERE tgname = :name AND tgrelid = to_regclass(:table)"
    )
    for table in metadata.sorted_tables:
        name = {"name": CHANGES_TRIGGER, "table": quote(table)}
        if table.info.get(NOT_NOTIFIED) or connection.execute(has_trigger, name).first():
            continue
        connection.execute(
            text(
                f"CREATE TRIGGER {CHANGES_TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {quote(table)} FOR EACH STATEMENT EXECUTE FUNCTION plugin_notify_change()"
            )
        )


class Unavailable(Exception):
    """The database of DATABASE_URL cannot be opened; the message says why, on one line."""

    @classmethod
    def cannot_open(cls, reason: str) -> Unavailable:
        return cls(f"cannot open the database of DATABASE_URL: {reason}")


class Busy(Exception):
    """Another writer holds the database, and the caller asked not to wait."""


@contextlib.contextmanager
def writing(engine: Engine, wait: bool = True) -> Iterator[Connection]:
    """engine.begin() for a transaction that writes. On SQLite, this process's writers first
    queue for a lock: a writer that finds SQLite locked sleeps and retries, which at 32
    concurrent calls made the slowest 1% wait ten times longer (540 ms against 50 ms). The
    transaction then takes SQLite's write lock at once (BEGIN IMMEDIATE), so what it reads
    still holds when it writes: another process's write waits for its commit.

    With wait=False, for an event loop that must never block: Busy, or SQLite's "database is
    locked", at once instead of waiting for another writer. On PostgreSQL it changes nothing;
    the async adapters run its writes in worker threads (Service.runs_inline)."""
    writer: Writer | None = engine.get_execution_options().get(WRITER_OPTION)
    if writer is None:  # PostgreSQL: its own row locks order the writers
        with engine.begin() as connection:
            yield connection
        return
    if not writer.lock.acquire(blocking=wait):
        raise Busy("another writer in this process holds the database")
    try:
        connection = writer.connection(engine)
        sqlite = connection.connection.driver_connection
        if not wait:
            sqlite.execute("PRAGMA busy_timeout=0")
        try:
            with connection.begin():
                sqlite.execute("BEGIN IMMEDIATE")  # the connection is in autocommit mode
                yield connection
        finally:
            if not wait:
                sqlite.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    finally:
        writer.lock.release()


class Writer:
    """This process's one writer of a SQLite database: a lock, and one connection kept for the
    writes made under it, since taking a connection from the pool costs more than a quick write.

    The connection is in autocommit mode: an operation's one statement is a transaction by
    itself (Write.run), and `writing` begins the longer ones, which saves a BEGIN and a COMMIT
    around each such statement."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._connection: Connection | None = None

    def connection(self, engine: Engine) -> Connection:
        """The kept connection, opened on first use; call it with the lock held."""
        if self._connection is None:
            self._connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._connection

    def close(self, _engine: Engine | None = None) -> None:
        """Close the kept connection (on engine.dispose()); the next write opens another."""
        with self.lock:
            if self._connection is not None:
                # Closes the driver's connection too: dispose() has already let go of the pool
                # it came from, where a plain close() would leave it open until collected.
                self._connection.invalidate()
                self._connection.close()
                self._connection = None


@dataclass(frozen=True)
class Write:
    """An operation's one statement on the database, and the answer made from the first value
    it returns (None when it returns no row). One statement is all or nothing by itself, so
    several may share a transaction (loop_dispatch.py); `run` gives it one of its own."""

    statement: Executable
    params: Mapping[str, Any]
    answer: Callable[[Any], Any]

    def run(self, engine: Engine) -> Any:
        writer: Writer | None = engine.get_execution_options().get(WRITER_OPTION)
        keys = tuple(self.params)
        if writer is not None and (
            compiled := _driver_statement(self.statement, engine.dialect, keys)
        ):
            # One statement, which SQLite makes all or nothing by itself: no BEGIN or COMMIT.
            with writer.lock:
                value = _run_on_driver(writer.connection(engine), compiled, self.params)
        else:
            with writing(engine) as connection:
                value = self.execute(connection)
        return self.answer(value)

    def execute(self, connection: Connection) -> Any:
        """The first value the statement returns, in the connection's transaction (on SQLite's
        writer connection outside one, a transaction of its own). It goes straight to the
        driver when SQLAlchemy would convert none of its values: SQLAlchemy's execution costs
        twice the driver's, and in a batch a row costs less this way than in an executemany.
        The driver's errors then come unwrapped (sqlite3.Error, psycopg.Error)."""
        compiled = _driver_statement(self.statement, connection.dialect, tuple(self.params))
        if compiled is None:
            return connection.execute(self.statement, self.params).scalar()
        return _run_on_driver(connection, compiled, self.params)

    def then(self, next_step: Callable[[Any], Any]) -> Write:
        """The same write, its answer passed through next_step."""
        return replace(self, answer=lambda value: next_step(self.answer(value)))


def run_together(connection: Connection, writes: Sequence[Write]) -> list[Any]:
    """Each write's first value, in the connection's transaction. On PostgreSQL the driver
    sends them all at once (psycopg's pipeline mode), so a batch waits for the database once,
    not once per write."""
    dialect = connection.dialect
    compiled = [_driver_statement(w.statement, dialect, tuple(w.params)) for w in writes]
    if dialect.name != "postgresql" or None in compiled or len(writes) < 2:
        return [write.execute(connection) for write in writes]
    driver = connection.connection.driver_connection
    with driver.pipeline():
        cursors = [
            driver.execute(statement.string, statement.construct_params(write.params))
            for statement, write in zip(compiled, writes, strict=True)
        ]
    return [_first_value(cursor) for cursor in cursors]


def _run_on_driver(connection: Connection, compiled: Compiled, params: Mapping[str, Any]) -> Any:
    """The first value of a statement _driver_statement compiled, run by the driver."""
    values = compiled.construct_params(params)
    if compiled.positiontup is not None:  # SQLite's ?, in order
        values = [values[key] for key in compiled.positiontup]  # type: ignore[assignment]
    return _first_value(connection.connection.driver_connection.execute(compiled.string, values))


def _first_value(cursor: Any) -> Any:
    try:
        row = cursor.fetchone() if cursor.description is not None else None
    finally:
        cursor.close()
    return None if row is None else row[0]


@functools.lru_cache(maxsize=256)
def _driver_statement(
    statement: Executable, dialect: Dialect, keys: tuple[str, ...]
) -> Compiled | None:
    """The statement compiled once for the driver, or None where SQLAlchemy must run it: a
    value to convert on the way in or out (a DateTime, say), or a database other than SQLite
    and PostgreSQL."""
    if dialect.name not in ("sqlite", "postgresql"):
        return None
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    binds = compiled.binds.values()
    if any(bind.expanding for bind in binds):
        return None  # an IN list SQLAlchemy expands at each call
    if dialect.name == "sqlite" and compiled.positiontup is None:
        return None  # named parameters
    sent = [bind.type.dialect_impl(dialect) for bind in binds]
    returned = getattr(statement, "exported_columns", ())  # an INSERT's RETURNING, say
    received = [column.type.dialect_impl(dialect) for column in returned]
    if any(type_.bind_processor(dialect) for type_ in sent):
        return None
    if any(type_.result_processor(dialect, None) for type_ in received):
        return None
    return compiled


def _make_private(database: Path) -> None:
    """Create the database file readable by its owner only, or make it so: it holds the users'
    data and credentials. SQLite gives its -wal and -shm files the database file's mode."""
    try:
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE))
    except FileExistsError:
        if database.stat().st_mode & 0o077 and database.stat().st_uid == os.geteuid():
            os.chmod(database, PRIVATE_MODE)
    except OSError:
        return  # SQLite, opening it next, says why it cannot


def _sqlite_engine(url: URL) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        _make_private(Path(url.database))
    timeout = BUSY_TIMEOUT_MS / 1000
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": timeout})

    @event.listens_for(engine, "connect")
    def _configure(connection, _record) -> None:
        cursor = connection.cursor()
        # WAL lets readers and one writer work at once, also across server processes.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    writer = Writer()
    event.listen(engine, "engine_disposed", writer.close)
    engine.update_execution_options(**{WRITER_OPTION: writer})
    return engine
