"""Starting, measuring and always stopping the servers under test, and a throwaway PostgreSQL."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"  # loopback only: nothing here is reachable from outside the machine
START_TIMEOUT = 60  # seconds; a cold import of FastAPI and SQLAlchemy takes a few
STOP_TIMEOUT = 10


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int
    log: Path

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"


@contextlib.contextmanager
def running(
    name: str, command: list[str], cwd: Path, env: dict[str, str], port: int, ready_path: str
) -> Iterator[Server]:
    """Run a server in its own process group, wait until it answers, and always stop it."""
    log = Path(tempfile.mkstemp(prefix=f"bench-{name}-", suffix=".log")[1])
    with log.open("wb") as out:
        # Own session: Ctrl-C in the terminal reaches us, and we stop the whole group.
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(name, process, port, log)
    try:
        _wait_ready(server, ready_path)
        yield server
    finally:
        _stop(process)
        log.unlink(missing_ok=True)


def _wait_ready(server: Server, path: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited at start:\n{_tail(server.log)}")
        try:
            with urllib.request.urlopen(server.url(path), timeout=2) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as error:
            if error.code < 500:  # an answer all the same, e.g. MCP's to a plain GET
                return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(
        f"{server.name} did not answer within {START_TIMEOUT} s:\n{_tail(server.log)}"
    )


def _tail(log: Path, lines: int = 15) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the process group (graceful for uvicorn, Granian, hypercorn), then SIGKILL."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        pass
    # Also catches workers that outlived their parent.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def post_json(url: str, body: dict) -> int:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


# --- memory -----------------------------------------------------------------------------------


def process_tree(pid: int) -> list[int]:
    """The pid and all its descendants, from /proc (psutil is not a dependency)."""
    found = [pid]
    for children in glob.glob(f"/proc/{pid}/task/*/children"):
        with contextlib.suppress(OSError):
            for child in Path(children).read_text().split():
                found.extend(process_tree(int(child)))
    return found


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def tree_rss(pid: int) -> list[float]:
    """RSS in MB of each live process of a server (master and workers)."""
    return [mb for mb in map(rss_mb, process_tree(pid)) if mb is not None]


# --- PostgreSQL -------------------------------------------------------------------------------


def postgres_bin() -> Path | None:
    # Debian keeps the server programs off PATH, in a folder per major version.
    found = shutil.which("initdb") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))), ""
    )
    return Path(found).parent if found else None


@contextlib.contextmanager
def temporary_postgres(bin_dir: Path) -> Iterator[str]:
    """A fresh cluster on a loopback port, as template/tests/test_postgres.py.jinja starts one."""
    data = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        user = pwd.getpwnam("postgres")
        os.chown(data, user.pw_uid, user.pw_gid)
        # runuser is in /usr/sbin, which a root shell's PATH may lack.
        runuser = shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin")
        run_as = [runuser or "runuser", "-u", "postgres", "--"]

    def pg(*args: str) -> None:
        subprocess.run([*run_as, *args], check=True, capture_output=True, timeout=120)

    port, cluster, pg_ctl = free_port(), str(data / "db"), str(bin_dir / "pg_ctl")
    try:
        pg(str(bin_dir / "initdb"), "-D", cluster, "-U", "postgres", "--auth=trust")
        options = f"-p {port} -k {data} -c listen_addresses={HOST}"
        pg(pg_ctl, "-D", cluster, "-o", options, "-l", str(data / "log"), "-w", "start")
        try:
            yield f"postgresql://postgres@{HOST}:{port}/postgres"
        finally:
            pg(pg_ctl, "-D", cluster, "-m", "fast", "-w", "stop")
    finally:
        shutil.rmtree(data, ignore_errors=True)
