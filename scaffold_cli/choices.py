"""The choices of copier.yml's auth, framework and example questions, as the flags' Enums."""

from enum import Enum

from scaffold_cli import questions
from scaffold_cli.bundled import BundledTemplateError


def _choices_of(question: str) -> type[Enum]:
    try:
        values = questions.choices(question)
    except BundledTemplateError:
        # A broken install: check and dev still work, and plugin-new names the fix when run.
        values = []
    return Enum(question.capitalize(), [(value, value) for value in values], type=str)


Auth = _choices_of("auth")
Framework = _choices_of("framework")
Example = _choices_of("example")
