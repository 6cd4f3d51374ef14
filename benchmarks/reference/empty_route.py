"""Each framework's own ceiling: one route that answers the same fixed JSON body as bare_asgi.py,
on the server a rendered plugin of that framework uses, with nothing of the plugin around it.

A rendered plugin can come close to this number but not pass it: the gap between this and
bare_asgi.py is the framework's cost, the gap between this and the plugin is the plugin's.
Usage: python benchmarks/reference/empty_route.py fastapi|quart|flask PORT
"""

import sys

BODY = b'{"todos": [{"todo_idx": 1, "todo": "benchmark"}]}'
PATH = "/todos/{username}"


def fastapi_app():
    from fastapi import FastAPI, Response

    # Configured as the rendered plugin configures it, telemetry included.
    off = {"tracing": False, "metrics": False, "logs": False}
    app = FastAPI(telemetry=off, openapi_url=None, docs_url=None, redoc_url=None)

    # A plain route, as the rendered plugin registers its operations.
    async def todos(request):
        await request.body()
        return Response(BODY, media_type="application/json")

    app.add_route(PATH, todos, methods=["GET", "POST"])
    return app


def quart_app():
    from quart import Quart, request

    app = Quart(__name__)

    @app.route("/todos/<username>", methods=["GET", "POST"])
    async def todos(username):
        await request.get_data()
        return BODY, 200, {"Content-Type": "application/json"}

    return app


def flask_app():
    from flask import Flask, request

    app = Flask(__name__)

    @app.route("/todos/<username>", methods=["GET", "POST"])
    def todos(username):
        request.get_data()
        return BODY, 200, {"Content-Type": "application/json"}

    return app


def main():
    framework, port = sys.argv[1], int(sys.argv[2])
    if framework == "quart":
        import uvicorn

        uvicorn.run(quart_app(), host="127.0.0.1", port=port, access_log=False, log_level="warning")
        return
    from granian import Granian
    from granian.constants import Interfaces, Loops

    # As the rendered server.py runs them: Flask with one thread per process, FastAPI on uvloop.
    if framework == "flask":
        options = {"interface": Interfaces.WSGI, "blocking_threads": 1}
    else:
        options = {"interface": Interfaces.ASGI, "loop": Loops.uvloop}
    Granian(
        f"empty_route:{framework}_app",
        factory=True,
        address="127.0.0.1",
        port=port,
        websockets=False,
        **options,
    ).serve()


if __name__ == "__main__":
    main()
