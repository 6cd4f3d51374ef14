"""Add the variables a new auth mode needs to a project's existing .env.

The template lists .env in _skip_if_exists so an update never replaces its secrets; the price
is that switching auth mode leaves .env without the new mode's variables, and the server
refuses to start. These are the keys template/.env.jinja writes for each mode.
"""

import secrets
from collections.abc import Callable
from functools import partial
from pathlib import Path

# Generated like template/.env.jinja does: a 64-hex secret, or a 24-hex client id.
_SECRET = partial(secrets.token_hex, 32)
_CLIENT_ID = partial(secrets.token_hex, 12)
_PASTED = None  # ChatGPT shows this value on registration; the user pastes it in
VERIFICATION_COMMENT = "# Paste the verification token ChatGPT shows when you register the plugin."

VARIABLES: dict[str, dict[str, Callable[[], str] | None]] = {
    "none": {},
    "user_http": {},
    "service_http": {"PLUGIN_SERVICE_TOKEN": _SECRET, "OPENAI_VERIFICATION_TOKEN": _PASTED},
    "oauth": {
        "OAUTH_CLIENT_ID": _CLIENT_ID,
        "OAUTH_CLIENT_SECRET": _SECRET,
        "OPENAI_VERIFICATION_TOKEN": _PASTED,
    },
}


def defined_keys(text: str) -> set[str]:
    """The variables a .env text assigns (`KEY=...` or `export KEY=...`), set or empty."""
    keys = set()
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key = line.split("=", 1)[0].strip()
        keys.add(key.removeprefix("export ").strip())
    return keys


def add_missing(env_file: Path, auth: str) -> list[str]:
    """Append the variables `auth` needs that `env_file` lacks; return their names.

    Secrets get fresh random values; OPENAI_VERIFICATION_TOKEN is left empty for the user.
    A missing file is created. Existing lines are never changed.
    """
    wanted = VARIABLES.get(auth, {})
    text = env_file.read_text() if env_file.exists() else ""
    missing = [key for key in wanted if key not in defined_keys(text)]
    if not missing:
        return []
    lines = [f"# Added by plugin-scaffold update for auth={auth}."]
    for key in missing:
        make = wanted[key]
        if make is None:
            lines += [VERIFICATION_COMMENT, f"{key}="]
        else:
            lines.append(f"{key}={make()}")
    separator = "" if not text or text.endswith("\n") else "\n"
    env_file.write_text(text + separator + "\n".join(lines) + "\n")
    return missing
