"""The dev proxy's uvicorn server: quiet, on a socket bound beforehand, and quick to stop."""

from __future__ import annotations

import socket
from types import FrameType

import uvicorn
from starlette.applications import Starlette


class _Server(uvicorn.Server):
    stopped_by: int | None = None  # the first signal that asked it to stop

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.stopped_by = self.stopped_by or sig
        super().handle_exit(sig, frame)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # Live pages keep their event streams open: end them first, or stopping waits on them.
        events = getattr(self.config.app.state, "events", None)
        if events is not None:
            events.close()
        await super().shutdown(sockets)


def server(app: Starlette, sock: socket.socket) -> _Server:
    """A quiet uvicorn server for `app` on the already bound `sock` (run it with `.run([sock])`)."""
    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        # The upstream's own Date and Server headers pass through; don't add a second pair.
        server_header=False,
        date_header=False,
        timeout_graceful_shutdown=5,  # a slow upstream call may hold a stop up this long
    )
    return _Server(config)
