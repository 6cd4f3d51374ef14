"""The bundled copier.yml's questions, read the way Copier reads them.

plugin-new offers their choices as flags and checks NAME against their validator before it
writes anything; reading them from copier.yml keeps each rule in one place.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import yaml

from scaffold_cli import bundled

if TYPE_CHECKING:
    from jinja2 import Template
    from jinja2.sandbox import SandboxedEnvironment


@functools.cache
def questions() -> dict[str, dict[str, Any]]:
    """Each question's settings by name (copier.yml's `_` keys are configuration, left out)."""
    path = bundled.bundled_source() / "copier.yml"
    try:
        # The C loader when built: copier.yml is read on every start of plugin-new.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        config = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except (OSError, yaml.YAMLError) as error:
        raise bundled.BundledTemplateError(f"cannot read {path}: {error}") from error
    return {
        name: settings
        for name, settings in config.items()
        if not name.startswith("_") and isinstance(settings, dict)
    }


def choices(question: str) -> list[str]:
    """The values (not the labels) `question` accepts, in copier.yml's order."""
    offered = questions()[question].get("choices", [])
    if isinstance(offered, dict):  # {label: value}
        return [str(value) for value in offered.values()]
    # A list of values, or of [label, value] pairs.
    return [str(item[1] if isinstance(item, list) else item) for item in offered]


def validation_error(question: str, answers: dict[str, Any]) -> str | None:
    """The message `question`'s validator gives for these answers, on one line; None if valid."""
    validator = _compiled(question, "validator")
    if validator is None:
        return None
    return " ".join(validator.render(answers).split()) or None


def computed(question: str, answers: dict[str, Any]) -> str:
    """`question`'s default, rendered from these answers (e.g. package_name from project_name)."""
    default = _compiled(question, "default")
    if default is None:
        raise KeyError(f"copier.yml's {question} has no default")
    return default.render(answers)


@functools.cache
def _compiled(question: str, key: str) -> Template | None:
    text = questions()[question].get(key)
    return None if text is None else _jinja().from_string(str(text))


@functools.cache
def _jinja() -> SandboxedEnvironment:
    """Jinja as Copier sets it up: sandboxed, with the Ansible filters (regex_search, ...)."""
    # Imported on first use: plugin-new --help needs none of it.
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(
        extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"],
        keep_trailing_newline=True,
    )
