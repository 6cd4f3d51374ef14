"""Rate limiting per caller, counted in the database so every server process shares the count."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Column, Engine, Integer, String, Table, delete
from sqlalchemy.dialects import postgresql, sqlite

from .db import metadata
from .errors import ApiError

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
LIMIT = re.compile(r"\s*(\d+)\s*/\s*(second|minute|hour|day)s?\s*")

rate_limits = Table(
    "rate_limits",
    metadata,
    Column("caller", String(200), primary_key=True),
    Column("window", Integer, primary_key=True),
    Column("hits", Integer, nullable=False),
)


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


def caller_key(user: str | None, headers: Mapping[str, str], client: str | None) -> str:
    """Who is calling: the credential's user, else ChatGPT's user id, else the address."""
    if user:
        return user
    if ephemeral := headers.get("openai-ephemeral-user-id"):
        return "openai:" + ephemeral[:100]
    return "address:" + (client or "unknown")


class RateLimiter:
    """A fixed window per caller: at most `calls` calls each `seconds`."""

    def __init__(self, engine: Engine, limit: RateLimit | None) -> None:
        self.engine = engine
        self.limit = limit
        dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
        self._insert = dialect.insert

    def admit(self, caller: str) -> None:
        """Count a call; past the limit, refuse it with a 429 that says when to retry."""
        if self.limit is None:
            return
        now = time.time()
        window = int(now // self.limit.seconds)
        count = self._insert(rate_limits).values(caller=caller, window=window, hits=1)
        count = count.on_conflict_do_update(
            index_elements=[rate_limits.c.caller, rate_limits.c.window],
            set_={"hits": rate_limits.c.hits + 1},
        ).returning(rate_limits.c.hits)
        with self.engine.begin() as connection:
            hits = connection.execute(count).scalar_one()
            if hits == 1:  # a new window: the caller's older ones are done with
                connection.execute(
                    delete(rate_limits).where(
                        rate_limits.c.caller == caller, rate_limits.c.window < window
                    )
                )
        if hits > self.limit.calls:
            retry_after = math.ceil((window + 1) * self.limit.seconds - now)
            raise ApiError(
                429,
                "rate_limited",
                f"more than {self.limit.calls} calls in {self.limit.seconds} s; "
                f"retry in {retry_after} s",
                {"Retry-After": str(max(retry_after, 1))},
            )
