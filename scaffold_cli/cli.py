"""Pieces the command-line verbs share: the app's settings, --version, --data, and the exits
for an error and for Ctrl+C."""

from typing import Annotated, NoReturn

import typer

from scaffold_cli import __version__
from scaffold_cli.errors import ScaffoldError

INTERRUPTED = 130  # the shell's status for a process stopped by SIGINT


def typer_app(**settings: object) -> typer.Typer:
    """A Typer app with plain help: Rich's panels would double `--help`'s start-up time."""
    return typer.Typer(add_completion=False, rich_markup_mode=None, **settings)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"plugin-scaffold {__version__}")
        raise typer.Exit()


VersionOption = Annotated[
    bool | None,
    typer.Option(
        "--version", callback=_show_version, is_eager=True, help="Show the version and exit."
    ),
]


def fail(message: str) -> NoReturn:
    """Print `message` as one line on stderr and exit with status 2 (a usage error)."""
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    raise typer.Exit(2)


def interrupted() -> NoReturn:
    """Say so on stderr and exit as a process stopped by Ctrl+C does."""
    typer.echo("interrupted", err=True)
    raise typer.Exit(INTERRUPTED)


def parse_data(items: list[str]) -> dict[str, str]:
    """Turn repeated `--data KEY=VALUE` into answers; a later KEY wins."""
    answers = {}
    for item in items:
        key, equals, value = item.partition("=")
        if not equals or not key.strip():
            raise ScaffoldError(f"--data expects KEY=VALUE (got {item!r})")
        answers[key.strip()] = value
    return answers
