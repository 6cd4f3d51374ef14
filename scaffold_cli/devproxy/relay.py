"""Pass an upstream's event stream (SSE) on to the client chunk by chunk, as it arrives.

An MCP server may answer a call with a stream that carries progress first and the result
last, or keep a GET stream open for its own messages: the client must see each event when
the server sends it, so nothing waits for the stream to end. The stream ends when the
upstream ends it, breaks it off, or the client leaves; then `on_end` is told which.
"""

from __future__ import annotations

from collections.abc import Callable

import anyio
import httpx
from starlette.responses import Response
from starlette.types import Receive, Scope, Send


class RelayedStream(Response):
    def __init__(
        self,
        answer: httpx.Response,
        headers: list[tuple[str, str]],
        on_chunk: Callable[[bytes], None],
        on_end: Callable[[str | None], None],
    ) -> None:
        """`answer` is open with its body unread; `on_chunk` sees each chunk before the client
        does; `on_end` gets None, or a note on why the stream ended early."""
        self.answer = answer
        self.status_code = answer.status_code
        self.raw_headers = [
            (name.encode("latin-1"), value.encode("latin-1")) for name, value in headers
        ]
        self.background = None
        self.on_chunk = on_chunk
        self.on_end = on_end
        self._ended = False  # the last chunk is on its way: a disconnect now is the normal end

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        note: str | None = None
        try:
            async with anyio.create_task_group() as group:

                async def until_the_client_leaves() -> None:
                    nonlocal note
                    while (await receive())["type"] != "http.disconnect":
                        pass
                    if not self._ended:
                        note = "the client closed the connection before the stream ended"
                    group.cancel_scope.cancel()

                group.start_soon(until_the_client_leaves)
                note = await self._pass_on(send)
                group.cancel_scope.cancel()
        finally:
            self.on_end(note)
            with anyio.CancelScope(shield=True):
                await self.answer.aclose()

    async def _pass_on(self, send: Send) -> str | None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        note = None
        try:
            async for chunk in self.answer.aiter_bytes():
                self.on_chunk(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except httpx.HTTPError as error:
            # Too late for a 502: the client has the status. It gets the stream as it came.
            reason = " ".join(str(error).split()) or type(error).__name__
            note = f"the upstream's stream broke off: {reason}"
        self._ended = True
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return note


def is_event_stream(answer: httpx.Response) -> bool:
    media_type = answer.headers.get("content-type", "").split(";")[0].strip().lower()
    return media_type == "text/event-stream"


def whole_characters(data: bytes) -> bytes:
    """`data` (a stream's first bytes) without a UTF-8 character cut off at its end."""
    for cut in range(4):
        try:
            data[: len(data) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        return data[: len(data) - cut]
    return data  # not text: recorded as binary
