"""Template versions: a project's `_commit`, and the newest release tag of its `_src_path`.

Copier's own check (`get_update_data`) is not public API, so this repeats its rule: tags are
PEP 440 versions with an optional leading `v`, pre-releases are ignored, the highest wins.
"""

import re

from packaging.version import InvalidVersion, Version

from scaffold_cli import git
from scaffold_cli.errors import ScaffoldError

# `git describe` output for a commit after a tag: v1.0.0-3-gabc1234
_DESCRIBED = re.compile(r"(?P<tag>.+)-(?P<distance>\d+)-g[0-9a-f]+")
# Copier's shortcuts for hosted repositories.
_SHORTCUTS = {"gh:": "https://github.com/", "gl:": "https://gitlab.com/"}


class TemplateVersionError(ScaffoldError):
    """The template's tags could not be read."""


def parse(ref: str) -> Version | None:
    """The version a tag or `git describe` string names; None when it names none."""
    described = _DESCRIBED.fullmatch(ref)
    distance = 0
    if described:
        ref, distance = described["tag"], int(described["distance"])
    try:
        version = Version(ref)
    except InvalidVersion:
        return None
    if distance:  # commits after a tag come after it, as Copier's dunamai has it
        version = Version(f"{version.public}.post{distance}")
    return version


def newest_tag(src: str) -> tuple[str, Version] | None:
    """The highest release tag of the git repository `src` (path or URL), or None."""
    for prefix, url in _SHORTCUTS.items():
        if src.startswith(prefix):
            src = url + src.removeprefix(prefix)
    result = git.run(None, "ls-remote", "--tags", "--refs", src)
    if result.returncode != 0:
        raise TemplateVersionError(f"cannot list the tags of {src} ({git.failure(result)})")
    tags = []
    for line in result.stdout.splitlines():
        tag = line.partition("refs/tags/")[2]
        version = parse(tag)
        if version is not None and not version.is_prerelease:
            tags.append((version, tag))
    if not tags:
        return None
    version, tag = max(tags)
    return tag, version
