"""Checks shared by the test modules."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from typer.testing import CliRunner

from scaffold_cli.app import app


def assert_refused(result, *needles: str) -> None:
    """Exit status 2 and exactly one line on stderr that contains every needle."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0]


def run_project_tests(project: Path, *pytest_args: str, env: dict | None = None) -> None:
    """Run a rendered project's own test suite in this virtualenv, importing it from src/."""
    env = {**(os.environ if env is None else env), "PYTHONPATH": str(project / "src")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *pytest_args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]


def console_script(
    name: str, *args: str | Path, cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess:
    """Run a console script installed next to this interpreter: the installed package, not
    the checkout, is what users run."""
    return subprocess.run(
        [str(Path(sys.executable).with_name(name)), *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=180,
        check=False,
    )


def loopback_socket() -> tuple[socket.socket, str]:
    """A socket bound to a free port on 127.0.0.1, and its http:// URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    """An ASGI app on uvicorn in a thread, on a free loopback port (or on `sock`)."""

    def __init__(self, app: Any, sock: socket.socket | None = None) -> None:
        from scaffold_cli.devproxy.server import server as quiet_server

        if sock is None:
            sock, self.url = loopback_socket()
        else:
            self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self.server = quiet_server(app, sock)
        self.thread = threading.Thread(target=self.server.run, args=([sock],), daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "server did not start"
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not come up: {log.read_text()}")


def serve_rendered_plugin(
    project: Path, package: str, data_dir: Path, processes: list[subprocess.Popen], **env: str
) -> str:
    """Start a rendered plugin as `python -m` runs it, with its own SQLite file in `data_dir`
    and the settings in `env`; wait until it answers, and return its base URL."""
    port = free_port()
    log = data_dir / "plugin.log"
    environment = {
        **os.environ,
        "PYTHONPATH": str(project / "src"),
        "DATABASE_URL": f"sqlite:///{data_dir}/plugin.db",
        **env,
    }
    with log.open("w") as output:
        command = [sys.executable, "-m", package, "--port", str(port)]
        processes.append(
            subprocess.Popen(
                command, cwd=data_dir, env=environment, stdout=output, stderr=subprocess.STDOUT
            )
        )
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url + "/.well-known/ai-plugin.json", processes[-1], log)
    return url


def check(*args: str) -> tuple[int, dict[str, Any]]:
    """`plugin-scaffold check --json ARGS`: its exit status and its report."""
    result = CliRunner().invoke(app, ["check", "--json", *args])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def found(report: dict[str, Any]) -> set[tuple[str, str]]:
    """(rule, severity) of each finding in a check's report."""
    return {(finding["rule"], finding["severity"]) for finding in report["findings"]}
