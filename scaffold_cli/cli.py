"""Pieces every command-line verb shares: the app's settings, --version and the one-line
error exit."""

from typing import Annotated, NoReturn

import typer

from scaffold_cli import __version__


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
