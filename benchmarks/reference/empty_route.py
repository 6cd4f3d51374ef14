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

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

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
    if framework == "flask":
        from granian import Granian
        from granian.constants import Interfaces

        # As the rendered server.py runs Flask: Granian, one thread per process.
        Granian(
            "empty_route:flask_app",
            factory=True,
            address="127.0.0.1",
            port=port,
            interface=Interfaces.WSGI,
            blocking_threads=1,
            websockets=False,
        ).serve()
    else:
        import uvicorn

        app = {"fastapi": fastapi_app, "quart": quart_app}[framework]()
        uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")


if __name__ == "__main__":
    main()
