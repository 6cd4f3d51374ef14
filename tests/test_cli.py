"""plugin-new / plugin-scaffold new: flags, refusals and how a render lands on disk.

Most tests render the tiny template from conftest; the ones marked below use the real one.
"""

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
import yaml
from copier.errors import CopierAnswersInterrupt
from helpers import assert_refused
from typer.testing import CliRunner

from scaffold_cli import __version__, app, new, render
from scaffold_cli.names import InvalidNameError, package_name

WIDE = {"COLUMNS": "200", "TERMINAL_WIDTH": "200"}  # so --help doesn't wrap choice lists
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]


def plugin_new(*args: str | Path, **kwargs) -> object:
    return CliRunner().invoke(new.app, [str(arg) for arg in args], **kwargs)


def answers_of(project: Path) -> dict:
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


# ─── help, version, the two scripts ──────────────────────────────────────────


def test_help_lists_every_flag_and_choice():
    result = plugin_new("--help", env=WIDE)
    assert result.exit_code == 0
    for text in (
        "none|service_http|user_http|oauth",
        "fastapi|quart|flask",
        "todo|sport_stats|retrieval|blank",
        *("--output-dir", "--data", "--defaults", "--template", "--vcs-ref", "--force"),
        "--version",
    ):
        assert text in result.stdout


@pytest.mark.parametrize("application", [new.app, app.app], ids=["plugin-new", "plugin-scaffold"])
def test_version(application):
    result = CliRunner().invoke(application, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"plugin-scaffold {__version__}\n"


def test_plugin_scaffold_without_a_verb_shows_help():
    result = CliRunner().invoke(app.app, [])
    assert "new" in result.output and "Usage" in result.output


def test_plugin_scaffold_new_renders_like_plugin_new(tiny_bundled, tmp_path):
    result = CliRunner().invoke(
        app.app, ["new", "demo", "--defaults", "--output-dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert answers_of(tmp_path / "demo")["project_name"] == "demo"


# ─── flags and --data reach Copier ───────────────────────────────────────────


def test_flags_and_data_become_answers(tiny_bundled, tmp_path):
    result = plugin_new(
        "My-Plugin",
        *("--auth", "oauth", "--framework", "flask", "--example", "todo"),
        *("--data", "name_for_model=custom_name", "--defaults", "--output-dir", tmp_path),
    )
    assert result.exit_code == 0, result.output
    answers = answers_of(tmp_path / "My-Plugin")
    assert answers["project_name"] == "My-Plugin"
    assert (answers["auth"], answers["framework"], answers["example"]) == ("oauth", "flask", "todo")
    assert answers["name_for_model"] == "custom_name"


def test_defaults_prints_folder_and_next_steps(tiny_bundled, tmp_path):
    result = plugin_new("My-Plugin", "--defaults", "--output-dir", tmp_path)
    target = tmp_path / "My-Plugin"
    assert f"Created {target}" in result.stdout
    assert f"cd {target}" in result.stdout
    assert "pip install -e '.[test]'" in result.stdout
    assert "python -m my_plugin" in result.stdout
    assert "http://127.0.0.1:5003/.well-known/ai-plugin.json" in result.stdout
    assert "http://127.0.0.1:5003/mcp" in result.stdout


def test_the_secrets_file_is_its_owners_alone(tiny_bundled, tmp_path):
    umask = os.umask(0o022)  # the usual one, under which Copier writes files readable by all
    try:
        result = plugin_new("demo", "--defaults", "--output-dir", tmp_path)
    finally:
        os.umask(umask)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE((tmp_path / "demo" / ".env").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "demo" / "README.md").stat().st_mode) == 0o644


def test_output_dir_defaults_to_cwd(tiny_bundled, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert plugin_new("demo", "--defaults").exit_code == 0
    assert (tmp_path / "demo" / "README.md").is_file()


def test_output_dir_is_created(tiny_bundled, tmp_path):
    assert plugin_new("demo", "--defaults", "--output-dir", tmp_path / "a" / "b").exit_code == 0
    assert (tmp_path / "a" / "b" / "demo" / "README.md").is_file()


def test_parse_data_splits_at_the_first_equals():
    assert new.parse_data(["a=1", "url=https://x/?q=1", "empty="]) == {
        "a": "1",
        "url": "https://x/?q=1",
        "empty": "",
    }


@pytest.mark.parametrize("item", ["no_equals", "=value"], ids=["no-equals", "no-key"])
def test_malformed_data_is_refused(tiny_bundled, tmp_path, item):
    out = tmp_path / "out"
    result = plugin_new("demo", "--defaults", "--data", item, "--output-dir", out)
    assert_refused(result, "--data expects KEY=VALUE", item)
    assert not out.exists()


@pytest.mark.parametrize(
    "args, needle",
    [
        (
            ["--auth", "none", "--data", "auth=oauth"],
            "--auth none conflicts with --data auth=oauth",
        ),
        (["--framework", "flask", "--data", "framework=quart"], "--framework flask"),
        (["--data", "project_name=other"], "NAME demo conflicts with --data project_name=other"),
    ],
    ids=["auth", "framework", "name"],
)
def test_flag_and_data_disagreeing_is_refused(tiny_bundled, tmp_path, args, needle):
    result = plugin_new("demo", "--defaults", "--output-dir", tmp_path, *args)
    assert_refused(result, needle)
    assert not (tmp_path / "demo").exists()


def test_flag_and_data_agreeing_is_fine(tiny_bundled, tmp_path):
    result = plugin_new(
        "demo", "--defaults", "--output-dir", tmp_path, "--auth", "oauth", "--data", "auth=oauth"
    )
    assert result.exit_code == 0, result.output


# ─── refusals write nothing ──────────────────────────────────────────────────


def leftovers(folder: Path) -> list[str]:
    """What a refused render left in `folder` (the home is the fixture's, not ours)."""
    if not folder.exists():
        return []
    return sorted(p.name for p in folder.iterdir() if p.name != "scaffold-home")


@pytest.mark.parametrize(
    "name, rule",
    [
        ("", "must start with a letter"),
        ("1plugin", "must start with a letter"),
        ("my plugin", "must start with a letter"),
        ("my.plugin", "must start with a letter"),
        ("Class", "must not be a Python keyword"),
        ("a" * 51, "at most 50 characters"),
    ],
    ids=["empty", "leading-digit", "space", "dot", "keyword", "too-long"],
)
def test_bad_name_is_refused(tiny_bundled, tmp_path, name, rule):
    out = tmp_path / "out"
    result = plugin_new(name, "--defaults", "--output-dir", out)
    assert_refused(result, rule)
    assert not out.exists()


@pytest.mark.parametrize(
    "name, package",
    [("demo", "demo"), ("My-Plugin_2", "my_plugin_2"), ("match", "match"), ("a" * 50, "a" * 50)],
)
def test_package_name(name, package):
    assert package_name(name) == package


@pytest.mark.parametrize("name", ["None", "async", "Import", "demo\n", "é"])
def test_package_name_refuses(name):
    with pytest.raises(InvalidNameError):
        package_name(name)


def test_no_terminal_without_defaults_is_refused(tiny_bundled, tmp_path, scaffold_home):
    out = tmp_path / "out"
    result = plugin_new("demo", "--output-dir", out)
    assert_refused(result, "no terminal", "--defaults")
    assert not out.exists()
    assert not scaffold_home.exists()


def test_copier_validator_failure_is_one_line_and_writes_nothing(tiny_bundled, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    result = plugin_new(
        "demo", "--defaults", "--output-dir", out, "--data", "name_for_model=bad name"
    )
    assert_refused(result, "name_for_model must be 1-50 letters, digits or '_'")
    assert leftovers(out) == []


def test_copier_choice_failure_is_refused(tiny_bundled, tmp_path):
    out = tmp_path / "out"
    result = plugin_new("demo", "--defaults", "--output-dir", out, "--data", "auth=bogus")
    assert_refused(result, "bogus")
    assert not out.exists()


def test_existing_non_empty_folder_is_refused(tiny_bundled, tmp_path):
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "mine.txt").write_text("keep")
    result = plugin_new("demo", "--defaults", "--output-dir", tmp_path)
    assert_refused(result, "not empty", "--force")
    assert leftovers(tmp_path / "demo") == ["mine.txt"]
    assert leftovers(tmp_path) == ["demo", "tiny-source"]


def test_existing_empty_folder_is_used(tiny_bundled, tmp_path):
    (tmp_path / "demo").mkdir()
    assert plugin_new("demo", "--defaults", "--output-dir", tmp_path).exit_code == 0
    assert (tmp_path / "demo" / "README.md").is_file()


def test_existing_file_is_refused(tiny_bundled, tmp_path):
    (tmp_path / "demo").write_text("a file")
    assert_refused(plugin_new("demo", "--defaults", "--output-dir", tmp_path), "not a folder")


def test_force_renders_over_existing_files_but_keeps_skip_if_exists(tiny_bundled, tmp_path):
    project = tmp_path / "demo"
    project.mkdir()
    (project / "mine.txt").write_text("keep")
    (project / "README.md").write_text("old")
    (project / ".env").write_text("SECRET=old\n")
    result = plugin_new(
        "demo", "--defaults", "--force", "--output-dir", tmp_path, "--auth", "oauth"
    )
    assert result.exit_code == 0, result.output
    assert (project / "README.md").read_text() == "demo oauth fastapi todo\n"
    assert (project / "mine.txt").read_text() == "keep"
    assert (project / ".env").read_text() == "SECRET=old\n"  # secrets are never replaced
    assert leftovers(tmp_path) == ["demo", "tiny-source"]


@pytest.mark.parametrize(
    "interrupt",
    [KeyboardInterrupt, CopierAnswersInterrupt(None, None, None)],
    ids=["while-rendering", "at-a-prompt"],
)
def test_interrupt_exits_130_and_leaves_nothing(tiny_bundled, tmp_path, monkeypatch, interrupt):
    def interrupted_copy(src, dst, **kwargs):
        Path(dst).mkdir(parents=True)
        (Path(dst) / "half.txt").write_text("half")
        raise interrupt

    monkeypatch.setattr(render, "run_copy", interrupted_copy)
    out = tmp_path / "out"
    result = plugin_new("demo", "--defaults", "--output-dir", out)
    assert result.exit_code == 130
    assert "interrupted" in result.stderr
    assert not out.exists()


def test_missing_git_is_refused(tiny_bundled, tmp_path):
    empty = tmp_path / "no-git"
    empty.mkdir()
    result = plugin_new("demo", "--defaults", "--output-dir", tmp_path, env={"PATH": str(empty)})
    assert_refused(result, "git is required")
    assert not (tmp_path / "demo").exists()


def test_unwritable_output_dir_is_refused(tiny_bundled, tmp_path):
    (tmp_path / "a-file").write_text("")
    result = plugin_new("demo", "--defaults", "--output-dir", tmp_path / "a-file" / "sub")
    assert_refused(result, "cannot create", "--output-dir")


def test_after_copy_message_names_the_target_not_the_staging_folder(tiny_source, tmp_path, capsys):
    target = tmp_path / "demo"
    render.render(
        str(tiny_source), target, {"project_name": "demo"}, vcs_ref=None, defaults=True, quiet=False
    )
    err = capsys.readouterr().err
    assert f"Done. cd {target}\n" in err
    assert leftovers(tmp_path) == ["demo", "tiny-source"]


# ─── --template and --vcs-ref ────────────────────────────────────────────────


@pytest.fixture
def tagged_repo(tiny_source, tmp_path) -> Path:
    """A git repository of the tiny template tagged v1.0.0 and, with another README, v2.0.0."""
    repo = tmp_path / "tagged"
    shutil.copytree(tiny_source, repo)
    readme = repo / "template" / "README.md.jinja"
    subprocess.run([*GIT, "init", "-q"], cwd=repo, check=True)
    for tag in ("v1.0.0", "v2.0.0"):
        readme.write_text(f"{{{{ project_name }}}} from {tag}\n")
        for command in (["add", "-A"], ["commit", "-qm", tag], ["tag", tag]):
            subprocess.run([*GIT, *command], cwd=repo, check=True)
    return repo


def test_template_renders_its_latest_tag(tagged_repo, tmp_path, scaffold_home):
    result = plugin_new("demo", "--defaults", "--template", tagged_repo, "--output-dir", tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "demo" / "README.md").read_text() == "demo from v2.0.0\n"
    answers = answers_of(tmp_path / "demo")
    assert (answers["_src_path"], answers["_commit"]) == (str(tagged_repo), "v2.0.0")
    assert not scaffold_home.exists()  # the bundled template was not involved


def test_vcs_ref_picks_an_older_tag(tagged_repo, tmp_path):
    result = plugin_new(
        "demo",
        "--defaults",
        "--template",
        tagged_repo,
        "--vcs-ref",
        "v1.0.0",
        "--output-dir",
        tmp_path,
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "demo" / "README.md").read_text() == "demo from v1.0.0\n"
    assert answers_of(tmp_path / "demo")["_commit"] == "v1.0.0"


def test_unknown_vcs_ref_is_refused(tagged_repo, tmp_path):
    result = plugin_new(
        "demo", "--defaults", "--template", tagged_repo, "--vcs-ref", "v9", "--output-dir", tmp_path
    )
    assert_refused(result, "v9")
    assert not (tmp_path / "demo").exists()


def test_missing_template_is_refused(tmp_path):
    result = plugin_new(
        "demo", "--defaults", "--template", tmp_path / "nowhere", "--output-dir", tmp_path
    )
    assert_refused(result, "template")
    assert not (tmp_path / "demo").exists()


def test_vcs_ref_without_template_is_refused(tiny_bundled, tmp_path):
    result = plugin_new("demo", "--defaults", "--vcs-ref", "v1.0.0", "--output-dir", tmp_path)
    assert_refused(result, "--vcs-ref needs --template")


# ─── the real bundled template (fails until template/ renders) ───────────────


def test_bundled_render_records_src_path_and_commit(tmp_path, scaffold_home):
    result = plugin_new("demo", "--defaults", "--output-dir", tmp_path)
    assert result.exit_code == 0, result.output
    answers = answers_of(tmp_path / "demo")
    assert answers["_src_path"] == str(scaffold_home / "template")
    assert answers["_commit"] == f"v{__version__}"
    assert "python -m demo" in result.stdout


def spawn_plugin_new(*args: str, home: Path) -> pexpect.spawn:
    """Run plugin-new on a real pseudo-terminal, so Copier asks its questions."""
    return pexpect.spawn(
        sys.executable,
        ["-m", "scaffold_cli.new", *args],
        # No cursor-position requests: pexpect would never answer them.
        env={**os.environ, "PLUGIN_SCAFFOLD_HOME": str(home), "PROMPT_TOOLKIT_NO_CPR": "1"},
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 200),
    )


def test_interactive_prompts_skip_what_flags_answered(tmp_path, scaffold_home):
    child = spawn_plugin_new(
        "demo", "--auth", "oauth", "--output-dir", str(tmp_path), home=scaffold_home
    )
    asked = []
    for prompt in ("Which web framework", "Which example API", "Edit the manifest texts"):
        child.expect_exact(prompt)
        asked.append(child.before)
        child.send("\r")
    child.expect(pexpect.EOF)
    child.close()
    transcript = "".join(asked) + child.before
    assert child.exitstatus == 0, transcript
    assert "How does ChatGPT authenticate" not in transcript
    answers = answers_of(tmp_path / "demo")
    assert (answers["auth"], answers["framework"], answers["example"]) == (
        "oauth",
        "fastapi",
        "todo",
    )


def test_ctrl_c_at_a_prompt_exits_130_and_writes_nothing(tmp_path, scaffold_home):
    out = tmp_path / "out"
    child = spawn_plugin_new("demo", "--output-dir", str(out), home=scaffold_home)
    child.expect_exact("How does ChatGPT authenticate")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130, child.before
    assert not out.exists()
