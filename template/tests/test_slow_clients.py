"""Clients that connect and go quiet, or send slowly, hold up nobody else."""

from __future__ import annotations

import http.client
import json
import resource
import socket
from pathlib import Path

import pytest

from .conftest import Server, new_account, plugin_env, run_cli, start_server

MANIFEST = "/.well-known/ai-plugin.json"
# Past the 1,024 connections a server process gets by default from many systems and servers.
QUIET_CONNECTIONS = 2_000


def connect(server: Server, timeout: float = 10) -> socket.socket:
    port = int(server.base_url.rsplit(":", 1)[1])
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)


def test_quiet_connections_lock_nobody_out(server: Server) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < QUIET_CONNECTIONS + 100:
        pytest.skip(f"this machine allows {hard} open files, too few to open the connections")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, QUIET_CONNECTIONS + 100), hard))
    quiet: list[socket.socket] = []
    try:
        for _ in range(QUIET_CONNECTIONS):
            sock = connect(server)
            sock.sendall(f"GET {MANIFEST} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode())  # no end
            quiet.append(sock)
        # Anyone else is served at once: within a second, or the client gives up.
        with server.client(timeout=1) as http_client:
            assert http_client.get(MANIFEST).status_code == 200
    finally:
        for sock in quiet:
            sock.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_body_that_stalls_gets_a_json_408_and_holds_up_nobody(tmp_path: Path) -> None:
    # A server of its own, which gives each request's body one second to arrive.
    slow = start_server(plugin_env(tmp_path, BODY_TIMEOUT="1"), tmp_path)
    try:
        # Signed in, so the body is read: a route that refuses a caller answers before it.
        credentials = "".join(f"{k}: {v}\r\n" for k, v in new_account(slow).headers.items())
        host = slow.base_url.removeprefix("http://")
        head = f"POST /mcp HTTP/1.1\r\nHost: {host}\r\n{credentials}Content-Length: 1000\r\n\r\n"
        stalled = []
        for _ in range(20):
            sock = connect(slow)
            sock.sendall(head.encode() + b'{"')  # and then nothing more
            stalled.append(sock)
        with slow.client(timeout=1) as http_client:
            assert http_client.get(MANIFEST).status_code == 200
        for sock in stalled:
            response = http.client.HTTPResponse(sock)
            response.begin()
            assert response.status == 408
            assert json.loads(response.read())["error"] == "request_timeout"
            sock.close()
    finally:
        slow.stop()


def test_a_malformed_body_timeout_stops_the_server_with_one_line(tmp_path: Path) -> None:
    result = run_cli(plugin_env(tmp_path, BODY_TIMEOUT="soon"), tmp_path)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "error: BODY_TIMEOUT must be a number of seconds above 0 and at most 300"
    ]
