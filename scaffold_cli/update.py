"""`plugin-scaffold update`: bring a rendered project to a newer template, keeping its edits.

A thin wrapper over Copier's update: it refuses early with one line where Copier would fail
later, keeps the bundled template's repository in step with this install (and uses it for a
project rendered on another machine), adds to .env what the new answers or version need, and
lists what the update changed.
"""

from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from scaffold_cli import git, secrets_file, template_source, template_versions
from scaffold_cli.cli import VersionOption, fail, interrupted, parse_data
from scaffold_cli.errors import ScaffoldError
from scaffold_cli.template_source import ANSWERS_FILE

UPDATE_AVAILABLE = 2  # like `copier check-update --quiet`


def update(
    data: Annotated[
        list[str] | None,
        typer.Option(
            metavar="KEY=VALUE",
            help="Change an answer, e.g. auth=service_http (repeatable).",
        ),
    ] = None,
    vcs_ref: Annotated[
        str | None,
        typer.Option(
            metavar="REF",
            help="Update to this git tag, branch or commit of the template.",
            show_default="the newest release",
        ),
    ] = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Change nothing; exit 2 when a newer template version exists."
        ),
    ] = False,
    project: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            help="The project to update.",
            show_default="current directory",
            file_okay=False,
        ),
    ] = None,
    version: VersionOption = None,
) -> None:
    """Update this project to the newest template version; your edits are kept."""
    root = (project or Path.cwd()).absolute()
    try:
        answers = read_answers(root)
        recorded = answers.get("_src_path")
        if not recorded:
            raise ScaffoldError(f"{root / ANSWERS_FILE} records no _src_path to update from")
        src, installed_tag = template_source.locate(str(recorded))
        if template_source.is_missing(src):
            raise ScaffoldError(
                f"the template {src} that {ANSWERS_FILE} records is not on this machine; "
                "set its _src_path to a copy of the template (a path or git URL) and commit"
            )
        target_ref = vcs_ref or installed_tag
        if check:
            if data:
                raise ScaffoldError("--check changes nothing; drop --data")
            _check(answers, src, target_ref)
            return
        changes = parse_data(data or [])
        _require_clean_git(root)
        if installed_tag is not None:
            _require_old_version(src, answers)
        with template_source.recorded_as(root, src):
            _run_update(root, changes, target_ref)
        updated = read_answers(root)
    except ScaffoldError as error:
        fail(str(error))
    except KeyboardInterrupt:
        interrupted()
    _report(root, answers, updated)
    try:
        added = _add_env_variables(root, answers, updated)
    except ScaffoldError as error:
        fail(f"updated, but cannot add the variables it needs to {secrets_file.ENV_FILE}: {error}")
    except KeyboardInterrupt:
        interrupted()
    if added:
        message = f"added {', '.join(added)} to {secrets_file.ENV_FILE}"
        if empty := [key for key, value in added.items() if not value]:
            message += f" (fill in {', '.join(empty)}: the comment above it says with what)"
        typer.echo(message)
    typer.echo("Review with git diff, run the tests, then commit.")


def read_answers(root: Path) -> dict[str, Any]:
    """The project's recorded answers; refuses a folder that Copier did not render."""
    path = root / ANSWERS_FILE
    if not path.is_file():
        raise ScaffoldError(
            f"{root} is not a rendered project (no {ANSWERS_FILE}); "
            "run update in the folder plugin-new created, or pass --project DIR"
        )
    try:
        answers = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise ScaffoldError(f"cannot read {path}: {error}") from error
    if not isinstance(answers, dict):
        raise ScaffoldError(f"{path} is not a mapping of answers")
    return answers


def _check(answers: dict[str, Any], src: str, target_ref: str | None) -> None:
    current_ref = str(answers.get("_commit") or "")
    current = template_versions.parse(current_ref)
    if current is None:
        raise ScaffoldError(
            f"the project records no template version (_commit: {current_ref or 'none'}); "
            "cannot compare"
        )
    if target_ref is None:
        newest = template_versions.newest_tag(src)
        if newest is None:
            raise ScaffoldError(f"{src} has no release tags to compare with")
        target_ref, target = newest
    else:
        target = template_versions.parse(target_ref)
        if target is None:
            raise ScaffoldError(f"{target_ref} is not a version; cannot compare")
    # A different build of one version (v1.0+g<tree>) counts as newer: its files differ.
    if target > current or (target.public == current.public and target_ref != current_ref):
        typer.echo(
            f"Update available: the project is at {current_ref}, the newest template is "
            f"{target_ref}. Run: plugin-scaffold update"
        )
        raise typer.Exit(UPDATE_AVAILABLE)
    typer.echo(f"Up to date: the project is at {current_ref} ({src}).")


def _require_clean_git(root: Path) -> None:
    inside = git.run(root, "rev-parse", "--is-inside-work-tree")
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        raise ScaffoldError(
            f"{root} is not a git repository; copier update needs the project's git history "
            "(git init && git add -A && git commit)"
        )
    status = git.run(root, "status", "--porcelain")
    if status.returncode != 0:
        raise ScaffoldError(f"git status failed in {root}: {status.stderr}")
    if status.stdout.strip():
        count = len(status.stdout.splitlines())
        raise ScaffoldError(
            f"{root} has uncommitted changes ({count} paths); commit or stash them first, "
            "so the update's changes can be reviewed on their own"
        )


def _require_old_version(src: str, answers: dict[str, Any]) -> None:
    """The bundled repository only holds versions that have run on this machine."""
    commit = str(answers.get("_commit") or "")
    found = git.run(Path(src), "rev-parse", "--quiet", "--verify", f"{commit}^{{commit}}")
    if commit and found.returncode != 0:
        raise ScaffoldError(
            f"this project was rendered from template {commit}, which {src} lacks "
            "(rendered on another machine?); install that plugin-scaffold version and run its "
            "plugin-new once (into any scratch folder), or point _src_path at a hosted copy "
            "of the template (see the README), then update again"
        )


def _run_update(root: Path, data: dict[str, str], vcs_ref: str | None) -> None:
    # Copier loads slowly, and every other verb's start-up would wait for it.
    from copier import run_update

    from scaffold_cli.render import copier_errors

    # The template has no tasks, migrations or extensions, so no `unsafe`.
    with copier_errors():
        run_update(
            dst_path=root,
            data=data,
            vcs_ref=vcs_ref,
            defaults=True,
            overwrite=True,
            conflict="inline",
            quiet=True,
        )


def _add_env_variables(root: Path, before: dict[str, Any], after: dict[str, Any]) -> dict[str, str]:
    """Add to .env what the template's .env has for the updated project and had not before."""
    if _besides_src_path(before) == _besides_src_path(after):
        return {}  # the same answers and version make the same .env
    src = str(after["_src_path"])
    old = secrets_file.template_env(src, before.get("_commit"), before)
    new = secrets_file.template_env(src, after.get("_commit"), after)
    note = f"Added by plugin-scaffold update to template {after.get('_commit')}."
    try:
        return secrets_file.add_missing(root / secrets_file.ENV_FILE, old, new, note)
    except OSError as error:
        raise ScaffoldError(str(error)) from error


def _besides_src_path(answers: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in answers.items() if key != "_src_path"}


def _report(root: Path, before: dict[str, Any], after: dict[str, Any]) -> None:
    old, new = before.get("_commit"), after.get("_commit")
    if old == new:
        typer.echo(f"Template version: {new} (unchanged)")
    else:
        typer.echo(f"Template version: {old} → {new}")
    status = git.run(root, "status", "--porcelain", "--untracked-files=all", "--", ".")
    lines = status.stdout.splitlines()
    if lines:
        typer.echo("Changed files (git status --short):")
        typer.echo("\n".join(f"  {line}" for line in lines))
    else:
        typer.echo("No files changed.")
    conflicted = [line[3:] for line in lines if "U" in line[:2] or line[:2] in ("AA", "DD")]
    if conflicted:
        typer.echo(
            f"Conflicts in {len(conflicted)} file(s): {', '.join(conflicted)}. "
            "Edit the <<<<<<< / >>>>>>> blocks, then git add them."
        )
