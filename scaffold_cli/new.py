"""`plugin-new NAME` (also `plugin-scaffold new`): render a new plugin project."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from scaffold_cli import bundled
from scaffold_cli.choices import Auth, Example, Framework
from scaffold_cli.cli import VersionOption, fail, interrupted, parse_data, typer_app
from scaffold_cli.errors import ScaffoldError
from scaffold_cli.names import package_name

# Where a rendered plugin listens by default (its README: Run it).
LOCAL_URL = "http://127.0.0.1:5003"


def new(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME",
            show_default=False,
            help="Project name: the folder, and in lowercase with '_' for '-' the Python package.",
        ),
    ],
    auth: Annotated[
        Auth | None, typer.Option(help="How ChatGPT authenticates to your API.")
    ] = None,
    framework: Annotated[
        Framework | None, typer.Option(help="Web framework that serves the API.")
    ] = None,
    example: Annotated[Example | None, typer.Option(help="Example API to start from.")] = None,
    output_dir: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            help="Folder to create NAME in.",
            show_default="current directory",
            file_okay=False,
        ),
    ] = None,
    data: Annotated[
        list[str] | None,
        typer.Option(
            metavar="KEY=VALUE",
            help="Answer a template question, e.g. contact_email=me@example.com (repeatable).",
        ),
    ] = None,
    defaults: Annotated[
        bool,
        typer.Option("--defaults", help="Ask nothing: unanswered questions take their defaults."),
    ] = False,
    template: Annotated[
        str | None,
        typer.Option(
            metavar="SRC",
            help="Render this Copier template (git URL or path) instead of the bundled one.",
        ),
    ] = None,
    vcs_ref: Annotated[
        str | None,
        typer.Option(metavar="REF", help="Git tag, branch or commit of --template to render."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Render into NAME even when it exists and is not empty.")
    ] = False,
    version: VersionOption = None,
) -> None:
    """Create the ChatGPT plugin project NAME, asking the template's questions."""
    flags = {"project_name": ("NAME", name)}
    for key, choice in (("auth", auth), ("framework", framework), ("example", example)):
        if choice is not None:
            flags[key] = (f"--{key}", choice.value)
    try:
        answers = _merge(flags, parse_data(data or []))
        package = package_name(name)
        target = (output_dir or Path.cwd()).absolute() / name
        _check_target(target, force)
        interactive = sys.stdin.isatty()
        if not (defaults or interactive):
            raise ScaffoldError(
                "no terminal to ask questions on; pass --defaults "
                "(and --auth/--framework/--data) to render without prompts"
            )
        if template is None:
            if vcs_ref is not None:
                raise ScaffoldError(
                    "--vcs-ref needs --template; the bundled template has one version"
                )
            repo, tag = bundled.ensure_template_repo()
            template, vcs_ref = str(repo), tag
        # Imported here: Copier takes most of the start-up time, and --help needs none of it.
        from scaffold_cli.render import render

        render(template, target, answers, vcs_ref=vcs_ref, defaults=defaults, quiet=not interactive)
    except ScaffoldError as error:
        fail(str(error))
    except KeyboardInterrupt:
        interrupted()
    if not interactive:  # on a terminal, Copier has printed the template's own message
        typer.echo(
            f"Created {target}\n\nNext steps:\n  cd {target}\n"
            f"  pip install -e '.[test]'\n  python -m {package}\n\n"
            f"Then it serves:\n  manifest  {LOCAL_URL}/.well-known/ai-plugin.json\n"
            f"  MCP       {LOCAL_URL}/mcp"
        )


def _merge(flags: dict[str, tuple[str, str]], answers: dict[str, str]) -> dict[str, str]:
    """Add the flag answers (key: (flag, value)) to the --data ones; two values for a key fail."""
    merged = dict(answers)
    for key, (flag, value) in flags.items():
        if key in answers and answers[key] != value:
            raise ScaffoldError(
                f"{flag} {value} conflicts with --data {key}={answers[key]}; give one of them"
            )
        merged[key] = value
    return merged


def _check_target(target: Path, force: bool) -> None:
    if not (target.exists() or target.is_symlink()):
        return
    if not target.is_dir():
        raise ScaffoldError(
            f"{target} exists and is not a folder; choose another NAME or --output-dir"
        )
    if not force and any(target.iterdir()):
        raise ScaffoldError(f"{target} exists and is not empty; pass --force to render into it")


app = typer_app()
app.command()(new)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
