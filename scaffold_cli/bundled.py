"""The bundled template, served from a local git repository so renders record a usable version.

Copier records `_commit` only for git sources, and `copier update` needs `_src_path` and
`_commit` to resolve later. So the bundled files are mirrored into `<home>/template`, committed
and tagged `v<version>` there, and rendered from that tag.
"""

import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import platformdirs
from filelock import FileLock, Timeout

from scaffold_cli import __version__, git
from scaffold_cli.errors import ScaffoldError

HOME_ENV = "PLUGIN_SCAFFOLD_HOME"
_PACKAGE_DIR = Path(__file__).resolve().parent
_LOCK_TIMEOUT = 120  # seconds; a sync takes well under one
_NOT_TEMPLATE = shutil.ignore_patterns("__pycache__", "*.py[co]")
# In the mirror's .git: what the last sync copied and tagged, so an unchanged source skips it.
_SYNCED = "plugin-scaffold-synced"
# The templates of earlier releases (v<version>.tar.gz), so that a project rendered by one of
# them updates on a machine that never ran it: Copier renders the project's version again to
# tell the user's edits from the template's.
_HISTORY = _PACKAGE_DIR / "template_history"


class BundledTemplateError(ScaffoldError):
    """The bundled template could not be prepared."""


def scaffold_home() -> Path:
    """The directory for plugin-scaffold's own data: $PLUGIN_SCAFFOLD_HOME or the user data dir."""
    if home := os.environ.get(HOME_ENV):
        return Path(home).expanduser()
    return Path(platformdirs.user_data_dir("plugin-scaffold", appauthor=False))


def bundled_source() -> Path:
    """The directory holding the bundled copier.yml and template/.

    A source checkout (editable install) has them at the repository root; a wheel ships them
    as package data.
    """
    for candidate in (_PACKAGE_DIR.parent, _PACKAGE_DIR / "_template"):
        if (candidate / "copier.yml").is_file() and (candidate / "template").is_dir():
            return candidate
    raise BundledTemplateError(
        f"the bundled template is missing from {_PACKAGE_DIR}; reinstall plugin-scaffold"
    )


def ensure_template_repo() -> tuple[Path, str]:
    """Mirror the bundled template into the local repository; return it and the tag to render.

    The tag is `v<version>`, or `v<version>+g<tree>` when `v<version>` already names other
    files (the template was edited without a version bump).
    """
    if shutil.which("git") is None:
        raise BundledTemplateError("git is required to render the bundled template; install git")
    source = bundled_source()
    home = scaffold_home()
    repo = home / "template"
    try:
        home.mkdir(parents=True, exist_ok=True)
        # Several processes may render at once (pytest-xdist); one syncs at a time.
        with FileLock(home / "template.lock", timeout=_LOCK_TIMEOUT):
            if not (repo / ".git").is_dir():
                repo.mkdir(exist_ok=True)
                git.output(repo, "init", "--quiet", own=True)
            # A git stopped mid-command (Ctrl-C) leaves this; holding the lock, none runs now.
            (repo / ".git" / "index.lock").unlink(missing_ok=True)
            digest, synced = _source_digest(source), repo / ".git" / _SYNCED
            if tag := _still_tagged(repo, synced, digest):
                return repo, tag  # one git call instead of a copy and four
            _sync_work_tree(source, repo)
            tag = _tag_tree(repo)
            _tag_history(repo)
            synced.write_text(f"{digest} {tag} {_tree_of(repo, f'refs/tags/{tag}')}\n")
            return repo, tag
    except Timeout as error:
        raise BundledTemplateError(
            f"another plugin-scaffold has held {error.lock_file} for {_LOCK_TIMEOUT} s; "
            "retry, or delete the lock file if no other one is running"
        ) from error
    except subprocess.CalledProcessError as error:
        raise BundledTemplateError(
            f"git failed in {repo} ({git.failure(error)}); delete that folder to rebuild it"
        ) from error
    except OSError as error:
        raise BundledTemplateError(f"cannot prepare {repo}: {error}") from error


def _source_digest(source: Path) -> str:
    """A hash of all that _sync_work_tree copies, and of the version that names its tag."""
    digest = hashlib.sha256(__version__.encode())
    for archive in earlier_release_archives():
        digest.update(archive.name.encode() + b"\0")
    for path in [source / "copier.yml", *_template_files(source / "template")]:
        digest.update(path.relative_to(source).as_posix().encode() + b"\0")
        content = os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
        digest.update(len(content).to_bytes(8, "big") + content)
    return digest.hexdigest()


def _template_files(top: Path) -> list[Path]:
    """The files and symlinks under top that copytree copies (with _NOT_TEMPLATE), sorted."""
    found = []
    for folder, dirs, files in os.walk(top):
        ignored = _NOT_TEMPLATE(folder, [*dirs, *files])
        kept = [d for d in dirs if d not in ignored]
        links = [d for d in kept if Path(folder, d).is_symlink()]  # copied as links
        dirs[:] = [d for d in kept if d not in links]
        found += [Path(folder, name) for name in [*files, *links] if name not in ignored]
    return sorted(found)


def _still_tagged(repo: Path, synced: Path, digest: str) -> str | None:
    """The tag of the last sync, if it copied this same source and the tag still holds it."""
    try:
        recorded_digest, tag, tree = synced.read_text().split()
    except (OSError, ValueError):
        return None
    if recorded_digest != digest or _tree_of(repo, f"refs/tags/{tag}") != tree:
        return None
    return tag


def _sync_work_tree(source: Path, repo: Path) -> None:
    """Make the work tree hold exactly the bundled copier.yml and template/."""
    for entry in repo.iterdir():
        if entry.name == ".git":
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    shutil.copy2(source / "copier.yml", repo / "copier.yml")
    shutil.copytree(source / "template", repo / "template", ignore=_NOT_TEMPLATE, symlinks=True)


def _tag_tree(repo: Path) -> str:
    """Commit the work tree if it changed and return a tag whose tree is exactly it."""
    # --force: the template's own .gitignore must not hide template files.
    git.output(repo, "add", "--all", "--force", ".", own=True)
    tree = git.output(repo, "write-tree", own=True)
    if _tree_of(repo, "HEAD") != tree:
        _commit(repo)
    for tag in (f"v{__version__}", f"v{__version__}+g{tree[:10]}"):
        tagged_tree = _tree_of(repo, f"refs/tags/{tag}")
        if tagged_tree == tree:
            return tag
        if tagged_tree is None:
            # One tag per commit, so `git describe` (Copier's _commit) names this one.
            if git.output(repo, "tag", "--points-at", "HEAD", own=True):
                _commit(repo, "--allow-empty")
            git.output(repo, "tag", tag, own=True)
            return tag
    raise BundledTemplateError(
        f"tags v{__version__}* in {repo} do not match the bundled template; delete that folder"
    )


def earlier_release_archives() -> list[Path]:
    """The earlier releases' templates this install ships, by name."""
    return sorted(_HISTORY.glob("v*.tar.gz"))


def _tag_history(repo: Path) -> None:
    """Tag each earlier release's template that the mirror lacks, on a commit of its own
    beside the mirror's branch (Copier checks a version out by its tag)."""
    for archive in earlier_release_archives():
        tag = archive.name.removesuffix(".tar.gz")
        if _tree_of(repo, f"refs/tags/{tag}") is not None:
            continue
        with tempfile.TemporaryDirectory() as folder:
            files, index = Path(folder) / "files", Path(folder) / "index"
            _extract(archive, files)
            where = {"GIT_INDEX_FILE": str(index), "GIT_WORK_TREE": str(files)}
            git.output(repo, "add", "--all", "--force", ".", own=True, env=where)
            tree = git.output(repo, "write-tree", own=True, env=where)
        message = f"plugin-scaffold {tag.removeprefix('v')} (an earlier release)"
        commit = git.output(repo, "commit-tree", tree, "-m", message, own=True)
        git.output(repo, "tag", tag, commit, own=True)


def _extract(archive: Path, folder: Path) -> None:
    with tarfile.open(archive) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(folder, filter="data")
        else:  # Python before 3.10.12 and 3.11.4; the archive is this package's own
            tar.extractall(folder)


def _commit(repo: Path, *options: str) -> None:
    message = f"plugin-scaffold {__version__}"
    git.output(repo, "commit", "--quiet", "--no-verify", *options, "-m", message, own=True)


def _tree_of(repo: Path, rev: str) -> str | None:
    result = git.run(repo, "rev-parse", "--quiet", "--verify", f"{rev}^{{tree}}", own=True)
    return result.stdout.strip() if result.returncode == 0 else None
