"""`plugin-scaffold VERB`: every verb in one command; each verb lives in its own module."""

from scaffold_cli import check, dev, new, update
from scaffold_cli.cli import VersionOption, typer_app

app = typer_app(no_args_is_help=True)


@app.callback()
def scaffold(version: VersionOption = None) -> None:
    """Create and maintain ChatGPT plugin projects."""


app.command("new")(new.new)
app.command("check")(check.check)
app.command("dev")(dev.dev)
app.command("update")(update.update)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
