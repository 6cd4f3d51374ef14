"""The API's operations as data. Each web adapter registers these routes and nothing else, so an
example's code never touches a framework."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class Headers(Protocol):
    """The request's headers as every framework offers them: a value by its name, in any case."""

    def get(self, name: str) -> str | None: ...


class Query(Protocol):
    """The query string as every framework offers it: one value, or all of a repeated name."""

    def get(self, key: str) -> str | None: ...

    def getlist(self, key: str) -> list[str]: ...


@dataclass
class Call:
    """One call to an operation: what arrived, and who the caller turned out to be."""

    headers: Headers
    client: str | None
    query: Query
    path: Mapping[str, str] = field(default_factory=dict)
    query_string: bytes = b""  # as sent: with the path, what a read-only answer depends on
    body: bytes = b""  # adapters never read a GET's: no operation takes one, and reading costs
    # Filled in by Service.dispatch: the signed-in user (per-user auth only), and the key that
    # the rate limit and the request log count the call under.
    owner: str | None = None
    caller: str | None = None


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # as in openapi.yaml, {name} for a path parameter
    operation: Callable[[Call], Any]
    status: int = 200
    # Admin routes are not in the model's spec and need ADMIN_TOKEN, whatever the auth mode.
    admin: bool = False
    # Only reads the plugin's own database: no writes, no calls to other services. Its answer
    # depends on nothing but the caller, the path, the query and the data, so it is reused
    # until the data changes (answers.py).
    read_only: bool = False
    # Its operation returns a db.Write: one statement on the plugin's own database and nothing
    # else, so an async adapter may commit it together with others (loop_dispatch.py).
    one_write: bool = False

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"
