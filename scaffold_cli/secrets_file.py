"""Add what an update newly needs to a project's existing .env, made as the template makes it.

The template lists .env in _skip_if_exists so an update never replaces its secrets; the price
is that an update needing a new variable (another auth mode, the retrieval example's admin
token, a newer template's setting) leaves .env without it, and the server refuses to start.
So Copier renders the template's .env for the project as it was and as it is now, and what
only the new one assigns is appended: fresh secrets, empty values to paste, their comments.
"""

import os
import tempfile
from pathlib import Path
from typing import Any

ENV_FILE = ".env"
PRIVATE_MODE = 0o600  # its secrets are for its owner: no other account on the machine reads them


def make_private(project: Path) -> None:
    """Let only the owner read the project's .env, if it has one (Copier writes it 0644)."""
    env_file = project / ENV_FILE
    if env_file.is_file():
        os.chmod(env_file, PRIVATE_MODE)


def template_env(src: str, ref: str | None, answers: dict[str, Any]) -> str:
    """The .env Copier renders from template `src` at `ref` for `answers` ('' when none)."""
    # Imported here: Copier loads slowly, and only an update that changed something needs it.
    from copier import run_copy

    from scaffold_cli.render import copier_errors

    data = {key: value for key, value in answers.items() if not key.startswith("_")}
    with tempfile.TemporaryDirectory(prefix="plugin-scaffold-env-") as folder:
        with copier_errors():
            # Everything but .env is excluded, so only it is rendered.
            run_copy(
                src,
                folder,
                data=data,
                vcs_ref=ref,
                exclude=["*", f"!/{ENV_FILE}"],
                defaults=True,
                quiet=True,
            )
        env = Path(folder) / ENV_FILE
        return env.read_text() if env.is_file() else ""


def defined_keys(text: str) -> set[str]:
    """The variables a .env text assigns (`KEY=...` or `export KEY=...`), set or empty."""
    return set(_assignments(text))


def add_missing(env_file: Path, before: str, after: str, note: str) -> dict[str, str]:
    """Append the variables template .env `after` assigns and `before` does not, unless
    `env_file` has them already; return them with their values.

    Each comes with the comment lines above it in `after`, the block under `# note`. A missing
    file is created; existing lines are never changed.
    """
    text = env_file.read_text() if env_file.exists() else ""
    present = defined_keys(before) | defined_keys(text)
    added = {key: lines for key, lines in _assignments(after).items() if key not in present}
    if not added:
        return {}
    separator = "" if not text or text.endswith("\n") else "\n"
    block = [f"# {note}", *(line for lines in added.values() for line in lines)]
    env_file.touch(mode=PRIVATE_MODE)  # a file made here is private from its first byte
    env_file.write_text(text + separator + "\n".join(block) + "\n")
    return {key: lines[-1].partition("=")[2].strip() for key, lines in added.items()}


def _assignments(text: str) -> dict[str, list[str]]:
    """Each variable `text` assigns: the comment lines right above it, then its line."""
    found: dict[str, list[str]] = {}
    comments: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            comments.append(line)
        elif "=" in stripped:
            key = stripped.split("=", 1)[0].strip().removeprefix("export ").strip()
            found[key] = [*comments, line]
            comments = []
        else:
            comments = []
    return found
