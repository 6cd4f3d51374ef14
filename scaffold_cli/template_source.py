"""Which template a project updates from, when its `.copier-answers.yml` names another machine's.

plugin-new renders from the bundled template's repository under the user's data folder, and
Copier records that path as `_src_path`. On a teammate's machine the path does not exist, but
the same template does, in that machine's own repository: the update uses it instead.
"""

import contextlib
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path, PureWindowsPath

import yaml

from scaffold_cli import bundled, git
from scaffold_cli.errors import ScaffoldError

ANSWERS_FILE = ".copier-answers.yml"
# Copier's own shortcuts and URL forms; anything else is a path on this machine.
_URL = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://|gh:|gl:|git@|git\+)")
# The repository's place in a data folder named for plugin-scaffold (its default on any OS).
_BUNDLED_PARTS = ("plugin-scaffold", "template")


def locate(recorded: str) -> tuple[str, str | None]:
    """The template to update from, and the tag this install's bundled template has there
    (None when the project is not from the bundled template)."""
    mirror = bundled.scaffold_home() / "template"
    if _is_path(recorded) and _same_path(recorded, mirror):
        src = recorded
    elif _another_machines_bundle(recorded):
        src = str(mirror)
    else:
        return recorded, None
    _, tag = bundled.ensure_template_repo()
    return src, tag


def is_missing(src: str) -> bool:
    """Whether `src` is a path that this machine does not have."""
    return _is_path(src) and not Path(src).expanduser().exists()


def _is_path(src: str) -> bool:
    return not _URL.match(src)


def _same_path(src: str, path: Path) -> bool:
    return Path(src).expanduser().absolute() == path.absolute()


def _another_machines_bundle(src: str) -> bool:
    # PureWindowsPath splits at '/' and '\', so a project rendered on Windows is read here too.
    return is_missing(src) and PureWindowsPath(src).parts[-2:] == _BUNDLED_PARTS


@contextlib.contextmanager
def recorded_as(root: Path, src: str) -> Iterator[None]:
    """For the block's length, the project's answers name `src` as `_src_path`, and the tree is
    clean, as `copier update` needs: it renders the old version from the recorded template.

    HEAD points at a commit of plugin-scaffold's own with that one change, and goes back to
    the user's after; the answers file then holds whatever the block left (Copier records the
    template it used), with its index entry as before. No branch keeps that commit.
    """
    answers_file = root / ANSWERS_FILE
    original = answers_file.read_text()
    if (yaml.safe_load(original) or {}).get("_src_path") == src:
        yield  # Copier finds it as recorded
        return
    message = f"plugin-scaffold update: _src_path {src} for this update only"
    try:
        head = git.output(root, "rev-parse", "HEAD")
        answers_file.write_text(_with_src_path(original, src))
        git.output(root, "add", "--", ANSWERS_FILE)
        tree = git.output(root, "write-tree")
        ours = git.output(root, "commit-tree", tree, "-p", head, "-m", message, own=True)
        git.output(root, "update-ref", "-m", message, "HEAD", ours, head)
    except subprocess.CalledProcessError as error:
        answers_file.write_text(original)
        git.run(root, "reset", "--quiet", "--", ANSWERS_FILE)
        raise ScaffoldError(f"git failed in {root} ({git.failure(error)})") from error
    try:
        yield
    except BaseException:
        answers_file.write_text(original)
        raise
    finally:
        back = git.run(root, "update-ref", "-m", "plugin-scaffold update: back", "HEAD", head, ours)
        git.run(root, "reset", "--quiet", head, "--", ANSWERS_FILE)
        if back.returncode != 0:
            raise ScaffoldError(
                f"cannot point HEAD back at {head} ({git.failure(back)}); "
                f"run git update-ref HEAD {head} in {root}"
            )


def _with_src_path(answers: str, src: str) -> str:
    """`answers` with `_src_path` set to `src`, written as Copier's to_nice_yaml writes it, so
    the old version Copier renders has that file byte for byte."""
    entry = yaml.dump({"_src_path": src}, indent=4, allow_unicode=True, default_flow_style=False)
    # A long value may go on over indented lines.
    pattern = re.compile(r"^_src_path:.*(?:\n[ \t]+.*)*$", re.MULTILINE)
    return pattern.sub(lambda _: entry.rstrip("\n"), answers, count=1)
