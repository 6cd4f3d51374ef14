"""The seeds' reference TODO plugin server (OpenAI's no-auth example), as the seed has it.

Kept as written: an in-memory dict, quart_cors, and `app.run()` (Quart's development server,
on hypercorn). Only the port is an argument, and it listens on loopback without debug mode,
so it can be benchmarked next to the rendered plugins.
Usage: python benchmarks/reference/seed_quart_todo.py PORT
"""

import json
import sys

import quart
from quart import request

try:
    import quart_cors
except ImportError:  # the seed needs `pip install quart-cors`; this adds the same header
    quart_cors = None


def _cors(app, allow_origin):
    if quart_cors is not None:
        return quart_cors.cors(app, allow_origin=allow_origin)

    @app.after_request
    async def add_origin(response):
        response.headers["Access-Control-Allow-Origin"] = allow_origin
        return response

    return app


# Note: Setting CORS to allow chat.openapi.com is only required when running a localhost plugin
app = _cors(quart.Quart(__name__), allow_origin="https://chat.openai.com")

_TODOS = {}


@app.post("/todos/<string:username>")
async def add_todo(username):
    request = await quart.request.get_json(force=True)
    if username not in _TODOS:
        _TODOS[username] = []
    _TODOS[username].append(request["todo"])
    return quart.Response(response="OK", status=200)


@app.get("/todos/<string:username>")
async def get_todos(username):
    return quart.Response(response=json.dumps(_TODOS.get(username, [])), status=200)


@app.delete("/todos/<string:username>")
async def delete_todo(username):
    request = await quart.request.get_json(force=True)
    todo_idx = request["todo_idx"]
    if 0 <= todo_idx < len(_TODOS[username]):
        _TODOS[username].pop(todo_idx)
    return quart.Response(response="OK", status=200)


@app.get("/logo.png")
async def plugin_logo():
    filename = "logo.png"
    return await quart.send_file(filename, mimetype="image/png")


@app.get("/.well-known/ai-plugin.json")
async def plugin_manifest():
    host = request.headers["Host"]
    with open("ai-plugin.json") as f:  # noqa: ASYNC230 (as the seed has it)
        text = f.read()
    # This is a trick we do to populate the PLUGIN_HOSTNAME constant in the manifest
    text = text.replace("PLUGIN_HOSTNAME", f"https://{host}")
    return quart.Response(text, mimetype="text/json")


@app.get("/openapi.yaml")
async def openapi_spec():
    host = request.headers["Host"]
    with open("openapi.yaml") as f:  # noqa: ASYNC230 (as the seed has it)
        text = f.read()
    # This is a trick we do to populate the PLUGIN_HOSTNAME constant in the OpenAPI spec
    text = text.replace("PLUGIN_HOSTNAME", f"https://{host}")
    return quart.Response(text, mimetype="text/yaml")


def main():
    # The seed: app.run(debug=True, host="0.0.0.0", port=5002)
    app.run(host="127.0.0.1", port=int(sys.argv[1]) if len(sys.argv) > 1 else 5002)


if __name__ == "__main__":
    main()
