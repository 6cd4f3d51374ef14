"""plugin-scaffold update: a rendered project follows newer template versions, keeping edits.

Fast tests use the tiny template from conftest; the ones marked e2e update projects of the
real template, from a tagged git copy of this checkout's or from the bundled repository.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import assert_refused, console_script, run_project_tests
from typer.testing import CliRunner

from scaffold_cli import app, bundled, new, secrets_file, template_versions

ROOT = Path(__file__).resolve().parent.parent
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
CORS = Path("template/src/{{ package_name }}/cors.py")
CORS_LINE = "# v2.0.0 of the template added this line."
MARKERS = ("<<<<<<<", ">>>>>>>")
# What the server does at start, minus serving: read .env, then check the settings.
SETTINGS_FROM_DOTENV = (
    "from dotenv import dotenv_values; from demo.settings import Settings; "
    "Settings.from_env(dotenv_values('.env'))"
)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        [*GIT, *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def commit_all(repo: Path, message: str, tag: str | None = None) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)
    if tag:
        git(repo, "tag", tag)


def render_bundled_and_commit(where: Path) -> Path:
    """`plugin-new demo --defaults` from the bundled template, as a committed git project."""
    result = CliRunner().invoke(new.app, ["demo", "--defaults", "--output-dir", where])
    assert result.exit_code == 0, result.output
    project = where / "demo"
    git(project, "init", "-q")
    commit_all(project, "rendered")
    return project


def answers_of(project: Path) -> dict:
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


def plugin_scaffold(*args: str | Path):
    return CliRunner().invoke(app.app, [str(arg) for arg in args])


def script(name: str, *args: str | Path, cwd: Path, home: Path) -> subprocess.CompletedProcess:
    return console_script(name, *args, cwd=cwd, env={**os.environ, bundled.HOME_ENV: str(home)})


# ─── the tiny template: refusals and --check ─────────────────────────────────


@pytest.fixture
def tiny_tagged(tiny_source: Path, tmp_path: Path) -> Path:
    """The tiny template as a git repository tagged v1.0.0 and, with another README, v2.0.0."""
    repo = tmp_path / "tiny-tagged"
    shutil.copytree(tiny_source, repo)
    git(repo, "init", "-q")
    for tag in ("v1.0.0", "v2.0.0"):
        (repo / "template" / "README.md.jinja").write_text(f"{{{{ project_name }}}} {tag}\n")
        commit_all(repo, tag, tag)
    return repo


@pytest.fixture
def tiny_project(tiny_tagged: Path, tmp_path: Path) -> Path:
    """The tiny template's v1.0.0 rendered and committed."""
    result = CliRunner().invoke(
        new.app,
        ["demo", "--defaults", "--template", str(tiny_tagged), "--vcs-ref", "v1.0.0"]
        + ["--output-dir", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    project = tmp_path / "demo"
    git(project, "init", "-q")
    commit_all(project, "rendered")
    return project


def test_update_in_the_current_folder(tiny_project, monkeypatch):
    monkeypatch.chdir(tiny_project)
    result = plugin_scaffold("update")
    assert result.exit_code == 0, result.output
    assert (tiny_project / "README.md").read_text() == "demo v2.0.0\n"
    assert answers_of(tiny_project)["_commit"] == "v2.0.0"
    assert "v1.0.0 → v2.0.0" in result.stdout
    assert " M README.md" in result.stdout


def test_check_exits_2_before_and_0_after(tiny_project):
    before = plugin_scaffold("update", "--check", "--project", tiny_project)
    assert before.exit_code == 2, before.output
    assert "v1.0.0" in before.stdout and "v2.0.0" in before.stdout
    assert git(tiny_project, "status", "--porcelain") == ""  # --check changes nothing
    assert plugin_scaffold("update", "--project", tiny_project).exit_code == 0
    commit_all(tiny_project, "updated")
    after = plugin_scaffold("update", "--check", "--project", tiny_project)
    assert after.exit_code == 0, after.output
    assert "Up to date" in after.stdout and "v2.0.0" in after.stdout


def test_check_ignores_pre_releases(tiny_project, tiny_tagged):
    assert plugin_scaffold("update", "--project", tiny_project).exit_code == 0
    commit_all(tiny_project, "updated")
    (tiny_tagged / "template" / "README.md.jinja").write_text("beta\n")
    commit_all(tiny_tagged, "beta", "v3.0.0b1")
    assert plugin_scaffold("update", "--check", "--project", tiny_project).exit_code == 0


def test_data_changes_an_answer(tiny_project):
    result = plugin_scaffold("update", "--project", tiny_project, "--data", "framework=flask")
    assert result.exit_code == 0, result.output
    assert answers_of(tiny_project)["framework"] == "flask"


def test_vcs_ref_picks_the_version(tiny_project):
    result = plugin_scaffold("update", "--project", tiny_project, "--vcs-ref", "v1.0.0")
    assert result.exit_code == 0, result.output
    assert "v1.0.0 (unchanged)" in result.stdout
    assert "No files changed." in result.stdout


@pytest.mark.parametrize("change", ["modified", "untracked", "staged"])
def test_dirty_tree_is_refused(tiny_project, change):
    readme = tiny_project / "README.md"
    if change == "modified":
        readme.write_text("edited\n")
    elif change == "untracked":
        (tiny_project / "notes.txt").write_text("mine\n")
    else:
        (tiny_project / "notes.txt").write_text("mine\n")
        git(tiny_project, "add", "notes.txt")
    result = plugin_scaffold("update", "--project", tiny_project)
    assert_refused(result, "uncommitted changes", "commit or stash")
    assert answers_of(tiny_project)["_commit"] == "v1.0.0"


def test_ignored_files_do_not_make_the_tree_dirty(tiny_project):
    (tiny_project / ".gitignore").write_text("*.log\n")
    commit_all(tiny_project, "ignore logs")
    (tiny_project / "server.log").write_text("noise\n")
    assert plugin_scaffold("update", "--project", tiny_project).exit_code == 0


def test_not_a_git_repository_is_refused(tiny_project):
    shutil.rmtree(tiny_project / ".git")
    result = plugin_scaffold("update", "--project", tiny_project)
    assert_refused(result, "not a git repository", "git history")


def test_outside_a_project_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for args in (["update"], ["update", "--check"]):
        assert_refused(plugin_scaffold(*args), "not a rendered project", ".copier-answers.yml")


def test_malformed_data_is_refused(tiny_project):
    result = plugin_scaffold("update", "--project", tiny_project, "--data", "nonsense")
    assert_refused(result, "--data expects KEY=VALUE")


def test_an_invalid_answer_is_refused_on_one_line(tiny_project):
    result = plugin_scaffold("update", "--project", tiny_project, "--data", "auth=telepathy")
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert git(tiny_project, "status", "--porcelain") == ""


def test_downgrade_is_refused(tiny_project):
    assert plugin_scaffold("update", "--project", tiny_project).exit_code == 0
    commit_all(tiny_project, "updated")
    result = plugin_scaffold("update", "--project", tiny_project, "--vcs-ref", "v1.0.0")
    assert_refused(result, "owngrad")


def test_the_bundled_template_updates_to_the_installed_version(tiny_bundled, tmp_path):
    """`pip install -U plugin-scaffold`, then update: the new version's files come in."""
    project = render_bundled_and_commit(tmp_path)
    assert plugin_scaffold("update", "--check", "--project", project).exit_code == 0

    (tiny_bundled / "template" / "README.md.jinja").write_text("{{ project_name }} is newer\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bundled, "__version__", "9.9.9")
        check = plugin_scaffold("update", "--check", "--project", project)
        assert check.exit_code == 2 and "v9.9.9" in check.stdout, check.output
        result = plugin_scaffold("update", "--project", project)
    assert result.exit_code == 0, result.output
    assert (project / "README.md").read_text() == "demo is newer\n"
    assert answers_of(project)["_commit"] == "v9.9.9"


def test_a_bundled_version_missing_from_this_machine_is_explained(tiny_bundled, tmp_path):
    project = render_bundled_and_commit(tmp_path)
    shutil.rmtree(bundled.scaffold_home())  # as on another machine
    (tiny_bundled / "template" / "README.md.jinja").write_text("newer\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bundled, "__version__", "9.9.9")
        result = plugin_scaffold("update", "--project", project)
    assert_refused(result, "rendered from template v", "lacks")


# ─── .env and versions ───────────────────────────────────────────────────────


def test_add_missing_appends_only_what_is_missing(tmp_path):
    env = tmp_path / ".env"
    env.write_text("DATABASE_URL=sqlite:///x\nexport OPENAI_VERIFICATION_TOKEN=abc")
    assert secrets_file.add_missing(env, "service_http") == ["PLUGIN_SERVICE_TOKEN"]
    text = env.read_text()
    assert text.startswith("DATABASE_URL=sqlite:///x\nexport OPENAI_VERIFICATION_TOKEN=abc\n")
    assert re.search(r"^PLUGIN_SERVICE_TOKEN=[0-9a-f]{64}$", text, re.MULTILINE)
    assert secrets_file.add_missing(env, "service_http") == []
    assert env.read_text() == text


def test_add_missing_makes_fresh_secrets_and_a_missing_file(tmp_path):
    first, second = tmp_path / "a.env", tmp_path / "b.env"
    for env in (first, second):
        added = secrets_file.add_missing(env, "oauth")
        assert added == ["OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET", "OPENAI_VERIFICATION_TOKEN"]
    assert first.read_text() != second.read_text()
    assert "\nOPENAI_VERIFICATION_TOKEN=\n" in first.read_text()
    assert secrets_file.add_missing(tmp_path / "c.env", "none") == []
    assert not (tmp_path / "c.env").exists()


@pytest.mark.parametrize("auth", sorted(secrets_file.VARIABLES))
def test_env_keys_match_the_templates_env(auth, real_tagged, tmp_path):
    """The keys added on an auth change are the ones a fresh render's .env has."""
    result = CliRunner().invoke(
        new.app,
        ["demo", "--defaults", "--template", str(real_tagged), "--auth", auth]
        + ["--output-dir", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    rendered = secrets_file.defined_keys((tmp_path / "demo" / ".env").read_text())
    assert rendered - {"DATABASE_URL"} == set(secrets_file.VARIABLES[auth])


@pytest.mark.parametrize(
    "ref, expected",
    [
        ("v1.2.3", "1.2.3"),
        ("1.2.3", "1.2.3"),
        ("v0.1.0+g0123456789", "0.1.0+g0123456789"),
        ("v1.0.0-3-gabc1234", "1.0.0.post3"),
        ("main", None),
        ("", None),
    ],
)
def test_parse_reads_tags_and_describe_strings(ref, expected):
    version = template_versions.parse(ref)
    assert (None if version is None else str(version)) == expected


# ─── the real template, from a tagged copy of this checkout ──────────────────


@pytest.fixture(scope="module")
def real_tagged(tmp_path_factory) -> Path:
    """This checkout's template tagged v1.0.0, and v2.0.0 with a line added to cors.py and
    the README's title changed."""
    repo = tmp_path_factory.mktemp("real") / "template-repo"
    repo.mkdir()
    shutil.copy2(ROOT / "copier.yml", repo / "copier.yml")
    ignore = shutil.ignore_patterns("__pycache__", "*.py[co]")
    shutil.copytree(ROOT / "template", repo / "template", ignore=ignore)
    git(repo, "init", "-q")
    commit_all(repo, "v1", "v1.0.0")
    with (repo / CORS).open("a") as cors:
        cors.write(f"{CORS_LINE}\n")
    readme = repo / "template" / "README.md.jinja"
    title, rest = readme.read_text().split("\n", 1)
    readme.write_text(f"{title} (version two)\n{rest}")
    commit_all(repo, "v2", "v2.0.0")
    return repo


@pytest.fixture
def real_project(real_tagged: Path, tmp_path: Path, scaffold_home: Path) -> Path:
    """v1.0.0 rendered by plugin-new, committed, then edited by its user and committed."""
    result = script(
        "plugin-new",
        *("demo", "--template", real_tagged, "--vcs-ref", "v1.0.0", "--defaults"),
        cwd=tmp_path,
        home=scaffold_home,
    )
    assert result.returncode == 0, result.stderr
    project = tmp_path / "demo"
    git(project, "init", "-q")
    commit_all(project, "rendered")
    with (project / "README.md").open("a") as readme:
        readme.write("\nNotes of my own.\n")
    (project / "src" / "demo" / "mine.py").write_text('"""My own module."""\n')
    commit_all(project, "my edits")
    return project


def assert_updated_keeping_edits(project: Path) -> None:
    assert CORS_LINE in (project / "src" / "demo" / "cors.py").read_text()
    readme = (project / "README.md").read_text()
    assert "(version two)" in readme.splitlines()[0]
    assert readme.endswith("\nNotes of my own.\n")
    assert (project / "src" / "demo" / "mine.py").read_text() == '"""My own module."""\n'
    assert answers_of(project)["_commit"] == "v2.0.0"
    assert not any(marker in readme for marker in MARKERS)


@pytest.mark.e2e
def test_copier_update_applies_v2_and_keeps_edits(real_project, scaffold_home):
    result = script(
        "copier", "update", "--trust", "--defaults", cwd=real_project, home=scaffold_home
    )
    assert result.returncode == 0, result.stderr
    assert_updated_keeping_edits(real_project)


@pytest.mark.e2e
def test_update_applies_v2_keeps_edits_and_lists_changes(real_project, scaffold_home):
    before = script("plugin-scaffold", "update", "--check", cwd=real_project, home=scaffold_home)
    assert before.returncode == 2, before.stderr
    result = script("plugin-scaffold", "update", cwd=real_project, home=scaffold_home)
    assert result.returncode == 0, result.stderr
    assert_updated_keeping_edits(real_project)
    assert "v1.0.0 → v2.0.0" in result.stdout
    for line in (" M .copier-answers.yml", " M README.md", " M src/demo/cors.py"):
        assert line in result.stdout
    assert "mine.py" not in result.stdout
    commit_all(real_project, "updated")
    after = script("plugin-scaffold", "update", "--check", cwd=real_project, home=scaffold_home)
    assert after.returncode == 0, after.stdout + after.stderr


@pytest.mark.e2e
def test_an_edit_of_a_line_the_template_changed_conflicts_inline(real_project, scaffold_home):
    readme = real_project / "README.md"
    title, rest = readme.read_text().split("\n", 1)
    readme.write_text(f"{title} (my title)\n{rest}")
    commit_all(real_project, "my title")
    result = script("plugin-scaffold", "update", cwd=real_project, home=scaffold_home)
    assert result.returncode == 0, result.stderr
    text = readme.read_text()
    assert all(marker in text for marker in MARKERS)
    assert "(my title)" in text and "(version two)" in text
    assert "Conflicts in 1 file(s): README.md" in result.stdout
    assert "UU README.md" in result.stdout
    assert CORS_LINE in (real_project / "src" / "demo" / "cors.py").read_text()


@pytest.mark.e2e
def test_switching_to_service_auth_fills_env_and_the_tests_pass(real_project, scaffold_home):
    result = script(
        "plugin-scaffold",
        *("update", "--data", "auth=service_http"),
        cwd=real_project,
        home=scaffold_home,
    )
    assert result.returncode == 0, result.stderr
    assert_updated_keeping_edits(real_project)
    assert answers_of(real_project)["auth"] == "service_http"
    assert (real_project / "src" / "demo" / "auth.py").is_file()
    assert "?? src/demo/auth.py" in result.stdout
    assert "added PLUGIN_SERVICE_TOKEN, OPENAI_VERIFICATION_TOKEN to .env" in result.stdout
    env = (real_project / ".env").read_text()
    assert env.startswith("# Generated for this project")  # the old lines are kept
    assert re.search(r"^PLUGIN_SERVICE_TOKEN=[0-9a-f]{64}$", env, re.MULTILINE)
    project_env = {**os.environ, "PYTHONPATH": str(real_project / "src")}
    for variable in secrets_file.VARIABLES["oauth"] | secrets_file.VARIABLES["service_http"]:
        project_env.pop(variable, None)
    # The server's settings accept the .env as it now is (without the token they refuse).
    settings = subprocess.run(
        [sys.executable, "-c", SETTINGS_FROM_DOTENV],
        cwd=real_project,
        env=project_env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert settings.returncode == 0, settings.stderr
    run_project_tests(real_project, env=project_env)


# ─── the real bundled template, offline ──────────────────────────────────────


@pytest.mark.e2e
def test_a_newer_install_updates_a_bundled_project_offline(tmp_path, monkeypatch):
    project = render_bundled_and_commit(tmp_path)
    first = answers_of(project)["_commit"]

    # The next release: this one's files with a change, under a higher version.
    newer = tmp_path / "newer-install"
    shutil.copytree(bundled.bundled_source() / "template", newer / "template")
    shutil.copy2(bundled.bundled_source() / "copier.yml", newer / "copier.yml")
    with (newer / CORS).open("a") as cors:
        cors.write(f"{CORS_LINE}\n")
    monkeypatch.setattr(bundled, "bundled_source", lambda: newer)
    monkeypatch.setattr(bundled, "__version__", "99.0.0")
    # No network: git may only use local repositories.
    monkeypatch.setenv("GIT_ALLOW_PROTOCOL", "file")
    monkeypatch.chdir(project)
    assert plugin_scaffold("update", "--check").exit_code == 2
    result = plugin_scaffold("update")
    assert result.exit_code == 0, result.output
    assert f"{first} → v99.0.0" in result.stdout
    assert CORS_LINE in (project / "src" / "demo" / "cors.py").read_text()
    assert answers_of(project)["_commit"] == "v99.0.0"
