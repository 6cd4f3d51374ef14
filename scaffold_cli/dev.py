"""`plugin-scaffold dev --upstream URL`: a local proxy in front of a plugin's API for development.

It serves the manifest and spec (local files, reloaded on change, or the upstream's) with every
URL pointing at itself, forwards every other call (MCP's /mcp too, event streams as they come,
with the OAuth discovery documents pointing at itself), and shows each call in the terminal
and on a live page at /_events, an MCP call with the tool it called and whether it failed.
"""

import signal
import socket
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer

from scaffold_cli.cli import INTERRUPTED, fail
from scaffold_cli.devproxy import DEFAULT_TIMEOUT
from scaffold_cli.devproxy.rewrite import MANIFEST_PATH

HOST = "127.0.0.1"


def dev(
    upstream: Annotated[
        str,
        typer.Option(
            metavar="URL",
            show_default=False,
            help="The plugin's API to forward to, e.g. http://127.0.0.1:5003.",
        ),
    ],
    port: Annotated[
        int, typer.Option(metavar="PORT", help=f"Port to listen on, on {HOST}.")
    ] = 3333,
    manifest: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Serve this ai-plugin.json instead of the upstream's; reloaded when it changes.",
        ),
    ] = None,
    spec: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Serve this OpenAPI spec (YAML or JSON) instead of the upstream's; reloaded too.",
        ),
    ] = None,
    max_events: Annotated[
        int, typer.Option(metavar="N", help="How many recent calls to keep for /_events.")
    ] = 500,
    timeout: Annotated[
        float, typer.Option(metavar="SECONDS", help="Give up on the upstream after this long.")
    ] = DEFAULT_TIMEOUT,
) -> None:
    """Proxy a plugin's API and /mcp locally: its files point here, and every call is shown."""
    _check_upstream(upstream)
    for flag, path in (("--manifest", manifest), ("--spec", spec)):
        if path is not None and not path.is_file():
            fail(f"{flag} {path}: no such file")
    if not 1 <= port <= 65535:
        fail(f"--port must be 1-65535, not {port}")
    if max_events < 1:
        fail(f"--max-events must be at least 1, not {max_events}")
    if not timeout > 0:
        fail(f"--timeout must be more than 0 seconds, not {timeout:g}")
    # Bound here and handed to the server: a taken port is one line, and calls made as soon
    # as the address is printed wait in the backlog instead of being refused.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # As uvicorn does: a restart may reuse the port while old connections linger in TIME_WAIT.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
        sock.listen(2048)
    except OSError as error:
        sock.close()
        fail(f"cannot listen on {HOST}:{port} ({error.strerror}); pass another --port")
    # Imported only here: Starlette and uvicorn would add a fifth of a second to every verb.
    from scaffold_cli.devproxy.app import create_proxy_app
    from scaffold_cli.devproxy.events import log_line
    from scaffold_cli.devproxy.server import server

    app = create_proxy_app(
        upstream,
        manifest.absolute() if manifest else None,
        spec.absolute() if spec else None,
        max_events,
        timeout=timeout,
        on_record=lambda event: typer.echo(log_line(event)),
    )
    here = f"http://{HOST}:{port}"
    typer.echo(f"Proxying {here} -> {upstream.rstrip('/')}")
    typer.echo(f"  manifest  {here}{MANIFEST_PATH} ({_origin(manifest)})")
    if spec is not None:
        typer.echo(f"  spec      {spec} (reloaded when it changes)")
    typer.echo(f"  MCP       {here}/mcp")
    typer.echo(f"  calls     {here}/_events (live page), {here}/_events.json")
    typer.echo("Press Ctrl+C to stop.")
    proxy = server(app, sock)
    try:
        proxy.run(sockets=[sock])
    except KeyboardInterrupt:
        raise typer.Exit(INTERRUPTED) from None
    finally:
        sock.close()
    # uvicorn re-raises the Ctrl+C it stopped on; under load it was once seen to return instead.
    if proxy.stopped_by == signal.SIGINT:
        raise typer.Exit(INTERRUPTED)


def _check_upstream(upstream: str) -> None:
    parts = urlsplit(upstream)
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        fail(f"--upstream {upstream!r} has an invalid port")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        fail(f"--upstream must be an http(s) URL such as http://127.0.0.1:5003, not {upstream!r}")
    if parts.query or parts.fragment:
        fail(f"--upstream takes a base URL without ?query or #fragment, not {upstream!r}")


def _origin(manifest: Path | None) -> str:
    return f"from {manifest}, reloaded when it changes" if manifest else "from the upstream"
