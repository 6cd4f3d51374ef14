"""Run Copier into a staging folder next to the target, then move the result into place.

Staging keeps a failed, refused or interrupted render from leaving anything behind.
"""

import contextlib
import io
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from copier import run_copy
from copier.errors import CopierError
from plumbum import ProcessExecutionError

from scaffold_cli.errors import ScaffoldError
from scaffold_cli.secrets_file import make_private


class RenderError(ScaffoldError):
    """Copier refused the answers or the template; the message is Copier's, on one line."""


def render(
    src: str,
    target: Path,
    data: dict[str, Any],
    *,
    vcs_ref: str | None,
    defaults: bool,
    quiet: bool,
) -> None:
    """Render template `src` into `target` (created, or overlaid when it exists).

    Files in an existing `target` that match the template's _skip_if_exists are kept.
    """
    try:
        created = _make_dirs(target.parent)
        staging_root = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    except OSError as error:
        raise RenderError(
            f"cannot create {target} ({error.strerror or error}); choose another --output-dir"
        ) from error
    staging = staging_root / target.name  # same name, so Copier's _folder_name is right
    try:
        with copier_errors(), _show_path_as(staging, target):
            worker = run_copy(
                src,
                staging,
                data=data,
                vcs_ref=vcs_ref,
                defaults=defaults,
                quiet=quiet,
            )
        make_private(staging)  # before it moves into place
        if target.exists():
            _overlay(staging, target, keep=worker.match_skip)
        else:
            staging.rename(target)
    except BaseException:  # Ctrl+C too: nothing is left behind
        if created is not None:
            shutil.rmtree(created, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(staging_root, ignore_errors=True)


@contextlib.contextmanager
def copier_errors() -> Iterator[None]:
    """Turn what Copier and its git calls raise for a bad template or answer into RenderError."""
    try:
        yield
    except KeyboardInterrupt:  # also Copier's CopierAnswersInterrupt, a CopierError too
        raise
    except ProcessExecutionError as error:
        raise RenderError(
            f"git failed: {_one_line(error.stderr)}; check the template source"
        ) from error
    except (CopierError, ValueError) as error:  # Copier's validators raise ValueError
        raise RenderError(_one_line(str(error))) from error


def _make_dirs(path: Path) -> Path | None:
    """Create `path` and its missing parents; return the topmost one created, if any."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(parents=True, exist_ok=True)
    return missing[-1] if missing else None


def _overlay(staging: Path, target: Path, keep: Callable[[Path], bool]) -> None:
    """Copy the rendered files over `target`, keeping its files that `keep` matches."""
    for source in sorted(staging.rglob("*")):
        relative = source.relative_to(staging)
        destination = target / relative
        if source.is_dir() and not source.is_symlink():
            destination.mkdir(exist_ok=True)
        elif not (destination.exists() and keep(relative)):
            if destination.is_symlink() or destination.is_file():
                destination.unlink()
            shutil.copy2(source, destination, follow_symlinks=False)


def _one_line(text: str) -> str:
    return " ".join(text.split())


class _Rewriting(io.TextIOBase):
    def __init__(self, stream: Any, old: str, new: str) -> None:
        self._stream, self._old, self._new = stream, old, new

    def write(self, text: str) -> int:
        self._stream.write(text.replace(self._old, self._new))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:
        return self._stream.encoding


@contextlib.contextmanager
def _show_path_as(staging: Path, target: Path) -> Iterator[None]:
    """Show `target` where Copier prints `staging` (its after-copy message says where to cd)."""
    with contextlib.redirect_stderr(_Rewriting(sys.stderr, str(staging), str(target))):
        yield
