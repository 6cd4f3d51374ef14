"""Checks shared by the test modules."""

import os
import subprocess
import sys
from pathlib import Path


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
