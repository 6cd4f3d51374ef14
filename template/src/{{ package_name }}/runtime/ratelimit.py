# Owned by the template: `plugin-scaffold update` rewrites this file. Keep your code out of it.
"""Rate limiting per caller, counted in the database so every server process shares the count."""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass

from sqlalchemy import Column, Engine, Integer, String, Table, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .db import NOT_NOTIFIED, metadata, writing
from .errors import ApiError
from .operations import Headers

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
LIMIT = re.compile(r"\s*(\d+)\s*/\s*(second|minute|hour|day)s?\s*")


def counter_table(name: str) -> Table:
    """A table of calls per caller and window, as a RateLimiter counts them. Each limit with
    its own window length needs a table of its own: windows are numbered in its length.
    No answer depends on it: on PostgreSQL its writes, one per call, leave reused answers be."""
    return Table(
        name,
        metadata,
        Column("caller", String(200), primary_key=True),
        Column("window", Integer, primary_key=True),
        Column("hits", Integer, nullable=False),
        info={NOT_NOTIFIED: True},
    )


rate_limits = counter_table("rate_limits")


@dataclass(frozen=True)
class RateLimit:
    calls: int
    seconds: int


def parse_rate_limit(value: str) -> RateLimit | None:
    """`60/minute` and the like; empty means no limit. Raises ValueError naming the format."""
    if not value.strip():
        return None
    match = LIMIT.fullmatch(value)
    if not match or int(match.group(1)) < 1:
        raise ValueError("RATE_LIMIT must look like 60/minute (per second, minute, hour or day)")
    return RateLimit(int(match.group(1)), PERIODS[match.group(2)])


SERVICE_CALLER = "service"  # everyone who holds the plugin's service token


def caller_key(
    user: str | None,
    headers: Headers,
    client: str | None,
    *,
    trust_openai_user_id: bool = False,
    service: bool = False,
) -> str:
    """Who is calling: the credential's user; else ChatGPT's user id, where the operator
    trusts that header (any client can send any id); else the service token's holder; else
    the address."""
    if user:
        return user
    if trust_openai_user_id and (ephemeral := headers.get("openai-ephemeral-user-id")):
        return "openai:" + ephemeral[:100]
    if service:
        return SERVICE_CALLER
    return "address:" + (client or "unknown")


class RateLimiter:
    """At most `calls` calls per `seconds` for each caller, over a sliding window.

    Each caller has a count per fixed window; the previous window's count is weighted by the
    share of it that still lies within the last `seconds`. So, unlike plain fixed windows, no
    caller gets twice the limit by calling on both sides of a window boundary.
    """

    def __init__(self, engine: Engine, limit: RateLimit | None, table: Table = rate_limits) -> None:
        self.engine = engine
        self.limit = limit
        self.table = table
        self._pruned_window: int | None = None  # the window this process last pruned in
        dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
        self._insert = dialect.insert

    def admit(self, caller: str) -> None:
        """Count a call; past the limit, refuse it (uncounted) with a 429 and when to retry."""
        if self.limit is None:
            return
        calls, seconds = self.limit.calls, self.limit.seconds
        now = time.time()
        window = int(now // seconds)
        elapsed = now / seconds - window  # the share of the current window gone by
        table = self.table
        mine = table.c.caller == caller
        count = self._insert(table).values(caller=caller, window=window, hits=1)
        count = count.on_conflict_do_update(
            index_elements=[table.c.caller, table.c.window],
            set_={"hits": table.c.hits + 1},
        ).returning(table.c.hits)
        earlier = select(table.c.hits).where(mine, table.c.window == window - 1)
        # One transaction: the count row stays locked until the decision is made.
        with writing(self.engine) as connection:
            hits = connection.execute(count).scalar_one()
            previous = connection.execute(earlier).scalar_one_or_none() or 0
            if hits == 1:  # a new window: the caller's older ones are done with
                stale = delete(table).where(mine, table.c.window < window - 1)
                connection.execute(stale)
            if self._pruned_window != window:
                # And everyone's, once per window and process: callers who never come back
                # would otherwise keep their rows for ever.
                connection.execute(delete(table).where(table.c.window < window - 1))
                self._pruned_window = window
            admitted = previous * (1 - elapsed) + hits <= calls
            if not admitted:  # a refused call does not count against the caller
                connection.execute(
                    update(table)
                    .where(mine, table.c.window == window)
                    .values(hits=table.c.hits - 1)
                )
        if not admitted:
            retry_after = _seconds_until_admitted(calls, seconds, previous, hits - 1, elapsed)
            raise ApiError(
                429,
                "rate_limited",
                f"more than {calls} calls in {seconds} s; retry in {retry_after} s",
                {"Retry-After": str(retry_after)},
            )

    def forgive(self, caller: str) -> None:
        """Take one call back off the caller's count: what was counted turned out well."""
        if self.limit is None:
            return
        table, window = self.table, int(time.time() // self.limit.seconds)
        mine = (table.c.caller == caller, table.c.window == window, table.c.hits > 0)
        with writing(self.engine) as connection:
            connection.execute(update(table).where(*mine).values(hits=table.c.hits - 1))


def _seconds_until_admitted(
    calls: int, seconds: int, previous: int, hits: int, elapsed: float
) -> int:
    """When one more call fits: previous * (1 - share gone by) + hits + 1 <= calls."""
    if hits + 1 <= calls:  # later in this window, once enough of the previous one has aged
        share = 1 - (calls - hits - 1) / previous
        wait = (share - elapsed) * seconds
    else:  # in the next window, where this window's calls become the weighted ones
        wait = (1 - elapsed + 1 - (calls - 1) / hits) * seconds
    return max(math.ceil(wait), 1)
