# Owned by the template: `plugin-scaffold update` rewrites this file. Keep your code out of it.
"""/healthz: whether this process can serve, for a container's HEALTHCHECK or a load balancer.

Outside openapi.yaml and MCP, and before auth and rate limits: a prober has no credential,
and one that calls every few seconds must never be refused for calling too often.
"""

from __future__ import annotations

import sys

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from .answers import to_json
from .errors import ApiError

HEALTH_PATH = "/healthz"
HEALTHY = to_json({"status": "ok"})
# The reason stays in the server's log, out of the answer: it may name hosts and users.
UNHEALTHY = to_json(ApiError(503, "unavailable", "the database does not answer").body())


def health(engine: Engine) -> tuple[int, bytes]:
    """200 when the database answers a trivial query, else 503; both with a JSON body.
    It blocks on the database: async adapters run it in a worker thread."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as error:
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        print(f"health: the database does not answer: {first_line}", file=sys.stderr)
        return 503, UNHEALTHY
    return 200, HEALTHY
