"""Read a text/event-stream (SSE) as it passes: each event's data, one event at a time.

The stream itself is never held: only the line and the event being read are, each up to a
limit (a bigger event is skipped, not kept), so a stream open for hours costs nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable

LINE_END = re.compile(rb"\r\n|\r|\n")
MAX_EVENT_BYTES = 1 << 20


class EventStreamReader:
    """Fed the stream's chunks in order; calls `on_data` with each complete event's data."""

    def __init__(self, on_data: Callable[[str], None], max_event: int = MAX_EVENT_BYTES) -> None:
        self.on_data = on_data
        self.max_event = max_event
        self._pending = b""  # the line not yet ended
        self._data: list[bytes] = []
        self._size = 0
        self._skipping = False  # the event being read grew past max_event

    def feed(self, chunk: bytes) -> None:
        data = self._pending + chunk
        # A chunk may end between the \r and the \n of one line end: wait for the next byte.
        held = 1 if data.endswith(b"\r") else 0
        lines = LINE_END.split(data[: len(data) - held])
        self._pending = lines.pop() + data[len(data) - held :]
        for line in lines:
            self._line(line)
        if len(self._pending) > self.max_event:
            self._pending = b""
            self._skipping = True

    def _line(self, line: bytes) -> None:
        if not line:  # a blank line ends the event
            if self._data and not self._skipping:
                self.on_data(b"\n".join(self._data).decode("utf-8", errors="replace"))
            self._data, self._size, self._skipping = [], 0, False
            return
        name, colon, value = line.partition(b":")
        if name != b"data" or self._skipping:
            return  # a comment (":..."), the event's id, type or retry, or an event too big
        value = value[1:] if value.startswith(b" ") else value
        self._size += len(value) + 1
        if self._size > self.max_event:
            self._data, self._skipping = [], True
        else:
            self._data.append(value if colon else b"")
