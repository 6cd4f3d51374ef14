"""The bundled template: where it is found, and the tagged git repository it is rendered from."""

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import platformdirs
import pytest
import yaml
from typer.testing import CliRunner

from scaffold_cli import __version__, bundled, new
from scaffold_cli.choices import Auth, Example, Framework

ROOT = Path(__file__).resolve().parent.parent


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()


def tags(repo: Path) -> list[str]:
    """The tags of this install's version; those of earlier releases are tested below."""
    earlier = {
        archive.name.removesuffix(".tar.gz") for archive in bundled.earlier_release_archives()
    }
    return [tag for tag in git(repo, "tag", "--list").splitlines() if tag not in earlier]


def test_earlier_releases_are_tagged_too(tiny_bundled, scaffold_home):
    repo, _ = bundled.ensure_template_repo()
    for archive in bundled.earlier_release_archives():
        tag = archive.name.removesuffix(".tar.gz")
        files = git(repo, "ls-tree", "-r", "--name-only", tag).splitlines()
        assert "copier.yml" in files and any(f.startswith("template/") for f in files), tag


def test_home_is_the_env_var_when_set(scaffold_home):
    assert bundled.scaffold_home() == scaffold_home


def test_home_defaults_to_the_user_data_dir(monkeypatch):
    monkeypatch.delenv(bundled.HOME_ENV)
    expected = platformdirs.user_data_dir("plugin-scaffold", appauthor=False)
    assert bundled.scaffold_home() == Path(expected)


def test_the_bundled_template_is_this_checkouts():
    # The checkout itself when installed editable; the wheel's package data otherwise.
    source = bundled.bundled_source()
    assert (source / "copier.yml").read_text() == (ROOT / "copier.yml").read_text()
    for file in (ROOT / "template").rglob("*"):
        if file.is_file() and "__pycache__" not in file.parts:
            twin = source / file.relative_to(ROOT)
            assert twin.read_bytes() == file.read_bytes(), file


@pytest.mark.parametrize(
    "question, choices", [("auth", Auth), ("framework", Framework), ("example", Example)]
)
def test_the_ci_matrix_covers_every_choice(question, choices):
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    matrix = workflow["jobs"]["template"]["strategy"]["matrix"]
    assert sorted(matrix[question]) == sorted(c.value for c in choices)


def test_first_sync_tags_the_version(tiny_bundled, scaffold_home):
    repo, tag = bundled.ensure_template_repo()
    assert (repo, tag) == (scaffold_home / "template", f"v{__version__}")
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "describe", "--tags", tag) == tag  # what Copier records as _commit
    assert (
        git(repo, "show", f"{tag}:copier.yml") == (tiny_bundled / "copier.yml").read_text().strip()
    )


def test_unchanged_source_reuses_the_tag_and_commit(tiny_bundled):
    repo, first = bundled.ensure_template_repo()
    head = git(repo, "rev-parse", "HEAD")
    assert bundled.ensure_template_repo() == (repo, first)
    assert git(repo, "rev-parse", "HEAD") == head
    assert tags(repo) == [first]


def test_a_mirror_that_lost_its_tag_is_tagged_again(tiny_bundled):
    repo, tag = bundled.ensure_template_repo()
    git(repo, "tag", "--delete", tag)  # the unchanged source must not trust what it recorded
    assert bundled.ensure_template_repo() == (repo, tag)
    assert git(repo, "describe", "--tags", tag) == tag


def test_edited_source_gets_a_local_version_tag(tiny_bundled):
    repo, original = bundled.ensure_template_repo()
    readme = tiny_bundled / "template" / "README.md.jinja"
    original_text = readme.read_text()
    readme.write_text("edited without a version bump\n")
    _, edited = bundled.ensure_template_repo()
    tree = git(repo, "rev-parse", f"{edited}^{{tree}}")
    assert edited == f"v{__version__}+g{tree[:10]}"
    assert re.fullmatch(r"v\d+\.\d+\.\d+\+g[0-9a-f]{10}", edited)  # a PEP 440 local version
    assert (
        git(repo, "show", f"{edited}:template/README.md.jinja") == "edited without a version bump"
    )
    assert git(repo, "describe", "--tags", edited) == edited

    readme.write_text(original_text)  # back to what v<version> holds: its tag is reused
    assert bundled.ensure_template_repo() == (repo, original)
    assert sorted(tags(repo)) == sorted([original, edited])


def test_version_bump_tags_its_own_commit(tiny_bundled, monkeypatch):
    repo, old = bundled.ensure_template_repo()
    monkeypatch.setattr(bundled, "__version__", "9.9.9")
    _, new = bundled.ensure_template_repo()
    assert new == "v9.9.9"
    # Same files, but a commit of its own so `git describe` names the new tag.
    assert git(repo, "rev-parse", f"{old}^{{commit}}") != git(
        repo, "rev-parse", f"{new}^{{commit}}"
    )
    assert git(repo, "describe", "--tags", new) == new


def test_sync_deletes_stale_files_and_skips_bytecode(tiny_bundled):
    stale = tiny_bundled / "template" / "stale.txt"
    stale.write_text("soon gone")
    cache = tiny_bundled / "template" / "__pycache__"
    cache.mkdir()
    (cache / "x.cpython-311.pyc").write_bytes(b"\0")
    repo, _ = bundled.ensure_template_repo()
    assert (repo / "template" / "stale.txt").exists()
    stale.unlink()
    _, tag = bundled.ensure_template_repo()
    files = git(repo, "ls-tree", "-r", "--name-only", tag).splitlines()
    assert "template/stale.txt" not in files
    assert not any("__pycache__" in name for name in files)


def test_template_gitignore_does_not_hide_template_files(tiny_bundled):
    (tiny_bundled / "template" / ".gitignore").write_text(".env\n")
    repo, tag = bundled.ensure_template_repo()
    assert "template/.env" in git(repo, "ls-tree", "-r", "--name-only", tag).splitlines()


def test_renders_record_the_local_repository_and_tag(tiny_bundled, scaffold_home, tmp_path):
    def render(name: str) -> dict:
        result = CliRunner().invoke(new.app, [name, "--defaults", "--output-dir", str(tmp_path)])
        assert result.exit_code == 0, result.output
        return yaml.safe_load((tmp_path / name / ".copier-answers.yml").read_text())

    first, again = render("first"), render("again")
    assert first["_src_path"] == again["_src_path"] == str(scaffold_home / "template")
    assert first["_commit"] == again["_commit"] == f"v{__version__}"
    (tiny_bundled / "template" / "NEW.md").write_text("new file")
    assert render("edited")["_commit"].startswith(f"v{__version__}+g")
    assert (tmp_path / "edited" / "NEW.md").is_file()


def test_missing_git_is_reported(tiny_bundled, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(bundled.BundledTemplateError, match="git is required"):
        bundled.ensure_template_repo()


def test_parallel_syncs_agree_on_one_tag(tiny_bundled, scaffold_home):
    code = (
        "import sys; from pathlib import Path; from scaffold_cli import bundled; "
        "bundled.bundled_source = lambda: Path(sys.argv[1]); "
        "print(bundled.ensure_template_repo()[1])"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tiny_bundled)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    outputs = [process.communicate(timeout=60)[0].strip() for process in processes]
    assert all(process.returncode == 0 for process in processes)
    assert outputs == [f"v{__version__}"] * 4
    assert tags(scaffold_home / "template") == [f"v{__version__}"]


def test_wheel_ships_the_template_and_finds_it(tmp_path):
    """Build the wheel (needs README.md and template/) and locate the template inside it."""
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", tmp_path, ROOT],
        check=False,
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = tmp_path.glob("plugin_scaffold-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path / "site")
    assert "scaffold_cli/_template/copier.yml" in names
    # The earlier releases' templates, which an update of their projects renders again.
    assert "scaffold_cli/template_history/v0.1.0.tar.gz" in names
    # Every template file, even one the template's own .gitignore would match.
    template_files = {
        f"scaffold_cli/_template/{path.relative_to(ROOT).as_posix()}"
        for path in (ROOT / "template").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert template_files and template_files <= set(names)
    assert not any("__pycache__" in name for name in names)
    found = subprocess.run(
        [sys.executable, "-c", "from scaffold_cli import bundled; print(bundled.bundled_source())"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path / "site"), "PATH": ""},
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert found == str(tmp_path / "site" / "scaffold_cli" / "_template")
