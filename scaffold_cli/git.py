"""The one way plugin-scaffold runs git: with its output captured as text."""

import os
import subprocess
from pathlib import Path

# For the commits plugin-scaffold makes itself: its own identity, never the user's signing.
_OWN_COMMITS = (
    "user.name=plugin-scaffold",
    "user.email=plugin-scaffold@localhost",
    "commit.gpgsign=false",
    "tag.gpgsign=false",
    "core.autocrlf=false",
)


def run(
    cwd: Path | None,
    *args: str,
    check: bool = False,
    own: bool = False,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `git ARGS` in `cwd`; `own` commits as plugin-scaffold; `env` adds to the
    environment. `check` raises CalledProcessError on failure."""
    config = [part for setting in _OWN_COMMITS for part in ("-c", setting)] if own else []
    return subprocess.run(
        ["git", *config, *args],
        cwd=cwd,
        check=check,
        capture_output=True,
        text=True,
        env=None if env is None else {**os.environ, **env},
    )


def output(
    cwd: Path | None, *args: str, own: bool = False, env: dict[str, str] | None = None
) -> str:
    """The stripped stdout of `git ARGS`; raises CalledProcessError when git fails."""
    return run(cwd, *args, check=True, own=own, env=env).stdout.strip()


def failure(result: subprocess.CompletedProcess[str] | subprocess.CalledProcessError) -> str:
    """What went wrong with a git run, on one line."""
    return " ".join((result.stderr or "").split()) or f"exit status {result.returncode}"
