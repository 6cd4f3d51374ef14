"""plugin-scaffold update: a rendered project follows newer template versions, keeping edits.

Fast tests use the tiny template from conftest; the ones marked e2e update projects of the
real template (rendered through pytest-copie), from a tagged git copy of this checkout's or
from the bundled repository.
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

from scaffold_cli import (
    __version__,
    app,
    bundled,
    new,
    secrets_file,
    template_source,
    template_versions,
)

ROOT = Path(__file__).resolve().parent.parent
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
# A module the template owns; v2.0.0 adds a line to it.
CORS = Path("template/src/{{ package_name }}/runtime/cors.py")
PROJECT_CORS = Path("src/demo/runtime/cors.py")
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


def render_committed(copie, template: Path, tag: str) -> Path:
    """`demo` rendered from the template at this tag, committed in a repository of its own."""
    result = copie.copy(extra_answers={"project_name": "demo"}, template_dir=template, vcs_ref=tag)
    assert result.exit_code == 0, result.exception
    project = result.project_dir
    git(project, "init", "-q")
    commit_all(project, "rendered")
    return project


def answers_of(project: Path) -> dict:
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


def plugin_scaffold(*args: str | Path):
    return CliRunner().invoke(app.app, [str(arg) for arg in args])


def update_to_a_newer_install(project: Path):
    """`update --check` sees v9.9.9 installed, then `update` brings in its README."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bundled, "__version__", "9.9.9")
        check = plugin_scaffold("update", "--check", "--project", project)
        assert check.exit_code == 2 and "v9.9.9" in check.stdout, check.output
        result = plugin_scaffold("update", "--project", project)
    assert result.exit_code == 0, result.output
    assert (project / "README.md").read_text() == "demo is newer\n"
    assert answers_of(project)["_commit"] == "v9.9.9"
    return result


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
    update_to_a_newer_install(project)


def test_a_bundled_version_missing_from_this_machine_is_explained(tiny_bundled, tmp_path):
    project = render_bundled_and_commit(tmp_path)
    shutil.rmtree(bundled.scaffold_home())  # as on another machine
    (tiny_bundled / "template" / "README.md.jinja").write_text("newer\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bundled, "__version__", "9.9.9")
        result = plugin_scaffold("update", "--project", project)
    assert_refused(result, "rendered from template v", "lacks")


# ─── a project rendered on another machine ───────────────────────────────────


@pytest.fixture
def from_another_machine(tiny_bundled, tmp_path, monkeypatch) -> Path:
    """A project rendered, edited and committed on Alice's machine, now on Bob's: the same
    plugin-scaffold version installed elsewhere, and Alice's data folder nowhere."""
    alice = tmp_path / "alice" / "plugin-scaffold"  # named as in a user data folder
    monkeypatch.setenv(bundled.HOME_ENV, str(alice))
    project = render_bundled_and_commit(tmp_path)
    (project / "mine.txt").write_text("Alice's notes\n")
    commit_all(project, "notes")
    assert answers_of(project)["_src_path"] == str(alice / "template")

    shutil.rmtree(tmp_path / "alice")
    bobs_install = tmp_path / "bob-site-packages" / "_template"
    shutil.copytree(tiny_bundled, bobs_install)
    monkeypatch.setattr(bundled, "bundled_source", lambda: bobs_install)
    monkeypatch.setenv(bundled.HOME_ENV, str(tmp_path / "bob" / "plugin-scaffold"))
    return project


def changed(project: Path) -> list[str]:
    """The files the update changed, all left unstaged for review (and nothing else is)."""
    assert git(project, "diff", "--cached", "--name-only") == ""
    assert git(project, "ls-files", "--others", "--exclude-standard") == ""
    return git(project, "diff", "--name-only").splitlines()


def test_another_machines_project_updates_from_this_machines_template(from_another_machine):
    project = from_another_machine
    branch, head = git(project, "branch", "--show-current"), git(project, "rev-parse", "HEAD")
    check = plugin_scaffold("update", "--check", "--project", project)
    assert check.exit_code == 0 and "Up to date" in check.stdout, check.output

    result = plugin_scaffold("update", "--project", project)
    assert result.exit_code == 0, result.output
    assert "(unchanged)" in result.stdout
    # Copier now records this machine's repository; nothing else changed, nothing committed.
    assert answers_of(project)["_src_path"] == str(bundled.scaffold_home() / "template")
    assert changed(project) == [".copier-answers.yml"]
    assert git(project, "rev-parse", "HEAD") == head
    assert git(project, "branch", "--show-current") == branch
    assert (project / "mine.txt").read_text() == "Alice's notes\n"


def test_another_machines_project_updates_to_a_newer_install(from_another_machine):
    project = from_another_machine
    head = git(project, "rev-parse", "HEAD")
    bundled.ensure_template_repo()  # Bob once ran this version's plugin-new...
    bobs_install = bundled.bundled_source()  # ...then installed a newer one
    (bobs_install / "template" / "README.md.jinja").write_text("{{ project_name }} is newer\n")
    result = update_to_a_newer_install(project)
    assert "→ v9.9.9" in result.stdout
    assert (project / "mine.txt").read_text() == "Alice's notes\n"
    assert git(project, "rev-parse", "HEAD") == head
    assert changed(project) == [".copier-answers.yml", "README.md"]


def test_a_refused_update_leaves_another_machines_project_as_it_was(from_another_machine):
    project = from_another_machine
    answers = (project / ".copier-answers.yml").read_text()
    head = git(project, "rev-parse", "HEAD")
    result = plugin_scaffold("update", "--project", project, "--data", "auth=telepathy")
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert (project / ".copier-answers.yml").read_text() == answers
    assert git(project, "status", "--porcelain") == ""
    assert git(project, "rev-parse", "HEAD") == head


@pytest.mark.parametrize(
    "recorded, bundled_here",
    [
        ("/home/alice/.local/share/plugin-scaffold/template", True),
        ("/Users/alice/Library/Application Support/plugin-scaffold/template", True),
        (r"C:\Users\alice\AppData\Local\plugin-scaffold\template", True),
        ("/home/alice/projects/template", False),  # someone's own template
        ("gh:your-org/plugin-scaffold", False),
        ("https://example.com/plugin-scaffold/template", False),
    ],
)
def test_another_machines_bundled_template_is_recognised(tiny_bundled, recorded, bundled_here):
    src, tag = template_source.locate(recorded)
    if bundled_here:
        assert (src, tag) == (str(bundled.scaffold_home() / "template"), f"v{__version__}")
    else:
        assert (src, tag) == (recorded, None)


def test_another_machines_own_template_is_refused_in_one_line(tiny_project):
    answers_file = tiny_project / ".copier-answers.yml"
    answers_file.write_text(
        re.sub(
            r"(?m)^_src_path: .*$", "_src_path: /home/alice/my-template", answers_file.read_text()
        )
    )
    commit_all(tiny_project, "from Alice's machine")
    for args in (["update"], ["update", "--check"]):
        result = plugin_scaffold(*args, "--project", tiny_project)
        assert_refused(result, "/home/alice/my-template", "not on this machine", "_src_path")


# ─── .env and versions ───────────────────────────────────────────────────────


# A template's .env before and after an answer changed (as secrets_file.template_env renders).
OLD_ENV = "DATABASE_URL=sqlite:///a\n"
NEW_ENV = (
    "DATABASE_URL=sqlite:///a\nPLUGIN_SERVICE_TOKEN=abc123\n"
    "# Paste the token ChatGPT shows.\nOPENAI_VERIFICATION_TOKEN=\n"
)


def test_add_missing_appends_only_what_is_new_and_missing(tmp_path):
    env = tmp_path / ".env"
    env.write_text("DATABASE_URL=sqlite:///x\nexport OPENAI_VERIFICATION_TOKEN=abc")
    added = secrets_file.add_missing(env, OLD_ENV, NEW_ENV, "Added.")
    assert added == {"PLUGIN_SERVICE_TOKEN": "abc123"}
    text = env.read_text()
    assert text == (
        "DATABASE_URL=sqlite:///x\nexport OPENAI_VERIFICATION_TOKEN=abc\n"
        "# Added.\nPLUGIN_SERVICE_TOKEN=abc123\n"
    )
    assert secrets_file.add_missing(env, OLD_ENV, NEW_ENV, "Added.") == {}
    assert env.read_text() == text


def test_add_missing_keeps_the_templates_comments_and_makes_a_missing_file(tmp_path):
    env = tmp_path / ".env"
    added = secrets_file.add_missing(env, OLD_ENV, NEW_ENV, "Added.")
    assert added == {"PLUGIN_SERVICE_TOKEN": "abc123", "OPENAI_VERIFICATION_TOKEN": ""}
    assert env.read_text() == (
        "# Added.\nPLUGIN_SERVICE_TOKEN=abc123\n"
        "# Paste the token ChatGPT shows.\nOPENAI_VERIFICATION_TOKEN=\n"
    )
    # A variable the user removed is not brought back when the template had it already.
    assert secrets_file.add_missing(tmp_path / "other.env", NEW_ENV, NEW_ENV, "Added.") == {}
    assert not (tmp_path / "other.env").exists()


ENV_CHANGES = {
    "auth-none-to-oauth": (
        {"auth": "none"},
        {"auth": "oauth"},
        ["OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET", "OPENAI_VERIFICATION_TOKEN"],
    ),
    "auth-oauth-to-service": (
        {"auth": "oauth"},
        {"auth": "service_http"},
        ["PLUGIN_SERVICE_TOKEN"],
    ),
    "auth-service-to-none": ({"auth": "service_http"}, {"auth": "none"}, []),
    "example-todo-to-retrieval": ({"example": "todo"}, {"example": "retrieval"}, ["ADMIN_TOKEN"]),
}


@pytest.mark.parametrize("before, after, expected", ENV_CHANGES.values(), ids=ENV_CHANGES.keys())
def test_an_answer_change_adds_what_the_templates_env_has_for_it(
    real_tagged, tmp_path, before, after, expected
):
    env = tmp_path / ".env"
    env.write_text("DATABASE_URL=sqlite:///mine\n")
    old, new = (
        secrets_file.template_env(str(real_tagged), "v1.0.0", {"project_name": "demo", **answers})
        for answers in (before, after)
    )
    assert list(secrets_file.add_missing(env, old, new, "Added.")) == expected
    assert env.read_text().startswith("DATABASE_URL=sqlite:///mine\n")


def test_the_templates_env_makes_fresh_secrets(real_tagged):
    answers = {"project_name": "demo", "auth": "oauth"}
    first, second = (
        secrets_file.template_env(str(real_tagged), "v1.0.0", answers) for _ in range(2)
    )
    for text in (first, second):
        assert re.search(r"^OAUTH_CLIENT_ID=[0-9a-f]{24}$", text, re.MULTILINE)
        assert re.search(r"^OAUTH_CLIENT_SECRET=[0-9a-f]{64}$", text, re.MULTILINE)
    assert first != second


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
def real_project(real_tagged: Path, copie) -> Path:
    """v1.0.0 rendered, committed, then edited by its user and committed."""
    project = render_committed(copie, real_tagged, "v1.0.0")
    with (project / "README.md").open("a") as readme:
        readme.write("\nNotes of my own.\n")
    (project / "src" / "demo" / "mine.py").write_text('"""My own module."""\n')
    commit_all(project, "my edits")
    return project


def assert_updated_keeping_edits(project: Path) -> None:
    assert CORS_LINE in (project / PROJECT_CORS).read_text()
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
    for line in (" M .copier-answers.yml", " M README.md", f" M {PROJECT_CORS}"):
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
    assert CORS_LINE in (real_project / PROJECT_CORS).read_text()


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
    assert (real_project / "src" / "demo" / "runtime" / "auth.py").is_file()
    assert "?? src/demo/runtime/auth.py" in result.stdout
    assert "added PLUGIN_SERVICE_TOKEN, OPENAI_VERIFICATION_TOKEN to .env" in result.stdout
    env = (real_project / ".env").read_text()
    assert env.startswith("# Generated for this project")  # the old lines are kept
    assert re.search(r"^PLUGIN_SERVICE_TOKEN=[0-9a-f]{64}$", env, re.MULTILINE)
    project_env = {**os.environ, "PYTHONPATH": str(real_project / "src")}
    for variable in secrets_file.defined_keys(env):
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


# ─── from the last release before runtime/ ───────────────────────────────────

# The last commit whose template kept everything in one flat package, with no runtime/.
BEFORE_RUNTIME = "e1d20fd"
# A line of the TODO example that both releases have, as its user rewrote it.
TEMPLATE_LINE = (
    "        # Escaped as in the worst case (ensure_ascii), so no framework's JSON is longer."
)
MY_LINE = "        # Our clients count escaped characters too, so this bound is theirs as well."


@pytest.fixture(scope="module")
def previous_and_this(tmp_path_factory) -> Path:
    """The template of BEFORE_RUNTIME tagged v0.1.0, and this checkout's tagged v0.2.0."""
    repo = tmp_path_factory.mktemp("releases") / "template-repo"
    repo.mkdir()
    archive = subprocess.run(
        ["git", "archive", BEFORE_RUNTIME, "copier.yml", "template"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        pytest.skip(f"needs this repository's history back to {BEFORE_RUNTIME} (not shallow)")
    subprocess.run(["tar", "-x"], input=archive.stdout, cwd=repo, check=True)
    git(repo, "init", "-q")
    commit_all(repo, "v0.1.0", "v0.1.0")
    shutil.rmtree(repo / "template")
    shutil.copy2(ROOT / "copier.yml", repo / "copier.yml")
    ignore = shutil.ignore_patterns("__pycache__", "*.py[co]")
    shutil.copytree(ROOT / "template", repo / "template", ignore=ignore)
    commit_all(repo, "v0.2.0", "v0.2.0")
    return repo


@pytest.mark.e2e
def test_an_edited_project_of_the_previous_release_updates_and_passes(
    previous_and_this, copie, scaffold_home
):
    project = render_committed(copie, previous_and_this, "v0.1.0")
    todos = project / "src" / "demo" / "todos.py"
    assert not (project / "src" / "demo" / "runtime").exists()
    assert TEMPLATE_LINE in todos.read_text()
    todos.write_text(todos.read_text().replace(TEMPLATE_LINE, MY_LINE))
    (project / "src" / "demo" / "mine.py").write_text('"""My own module."""\n')
    readme = project / "README.md"
    readme.write_text("# Our team's plugin\n" + readme.read_text().split("\n", 1)[1])
    commit_all(project, "my edits")

    update = script("plugin-scaffold", "update", cwd=project, home=scaffold_home)
    assert update.returncode == 0, update.stdout + update.stderr
    assert "v0.1.0 → v0.2.0" in update.stdout
    assert "Conflicts" not in update.stdout, update.stdout
    text = todos.read_text()
    assert MY_LINE in text and TEMPLATE_LINE not in text and '@operation("getTodos"' in text
    assert readme.read_text().startswith("# Our team's plugin\n")
    assert (project / "src" / "demo" / "mine.py").is_file()
    assert (project / "src" / "demo" / "runtime" / "service.py").is_file()
    assert not (project / "src" / "demo" / "service.py").exists()
    run_project_tests(project)


@pytest.mark.e2e
def test_an_earlier_releases_project_updates_where_that_release_never_ran(
    tmp_path, copie, scaffold_home
):
    """Alice rendered with plugin-scaffold 0.1.0; Bob installed a later one and never 0.1.0.
    The release's template ships in the wheel (template_history/), so his update keeps her
    edits with no step of his own."""
    archive = ROOT / "scaffold_cli" / "template_history" / "v0.1.0.tar.gz"
    alices = tmp_path / "alice" / "plugin-scaffold" / "template"  # her bundled repository
    alices.mkdir(parents=True)
    subprocess.run(["tar", "-xzf", archive], cwd=alices, check=True)
    git(alices, "init", "-q")
    commit_all(alices, "plugin-scaffold 0.1.0", "v0.1.0")
    project = render_committed(copie, alices, "v0.1.0")
    (project / "src" / "demo" / "mine.py").write_text('"""Her module."""\n')
    commit_all(project, "Alice's edits")
    shutil.rmtree(tmp_path / "alice")  # on Bob's machine

    update = script("plugin-scaffold", "update", cwd=project, home=scaffold_home)
    assert update.returncode == 0, update.stdout + update.stderr
    assert f"v0.1.0 → v{__version__}" in update.stdout
    assert (project / "src" / "demo" / "runtime" / "operations.py").is_file()
    assert (project / "src" / "demo" / "mine.py").read_text() == '"""Her module."""\n'


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
    assert CORS_LINE in (project / PROJECT_CORS).read_text()
    assert answers_of(project)["_commit"] == "v99.0.0"
