"""The ceiling for one Python process: a bare ASGI app on uvicorn (httptools, uvloop).

It answers every request with the same small JSON body, reading any request body first, so
the difference to a rendered plugin is the cost of the framework, the plugin and the database.
Usage: python benchmarks/reference/bare_asgi.py PORT
"""

import sys

import uvicorn

BODY = b'{"todos": [{"todo_idx": 1, "todo": "benchmark"}]}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    more = True
    while more:  # drain the request body, as a real handler must
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5004
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        loop="uvloop",
        http="httptools",
        access_log=False,
        server_header=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
