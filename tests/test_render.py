"""Every supported combination, rendered from the bundled template (through pytest-copie, as
`plugin-new --defaults` renders it) and checked as its user would.

Each rendered project must lint clean as rendered and pass its own test suite, which starts
its real server on loopback. The projects share this virtualenv (its `test` extra holds what
every framework needs) and are imported from their `src/` through PYTHONPATH. The refusals
of bad answers are `plugin-new`'s own, so those run the installed command.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from helpers import console_script, run_project_tests

from scaffold_cli import questions
from scaffold_cli.choices import Auth, Example, Framework

SUPPORTED_COMBINATIONS = [
    pytest.param(
        example.value,
        auth.value,
        framework.value,
        id=f"{example.value}-{auth.value}-{framework.value}",
    )
    for example in Example
    for auth in Auth
    for framework in Framework
]
# The longest name copier.yml's project_name validator accepts.
LONGEST_NAME = "n" * max(
    length
    for length in range(1, 256)
    if questions.validation_error("project_name", {"project_name": "n" * length}) is None
)
# `${{ ... }}` is GitHub Actions syntax in the rendered workflow, not Jinja.
UNRENDERED = re.compile(r"(?<!\$)\{\{|\{%")
FRAMEWORK_PACKAGES = {"fastapi": "granian", "quart": "uvicorn", "flask": "granian"}
# The module that holds each example's operations.
EXAMPLE_MODULES = {
    "todo": "todos.py",
    "sport_stats": "stats.py",
    "retrieval": "retrieval.py",
    "blank": "hello.py",
}
ODD_TEXTS = {
    "name_for_human": 'Jo\'s "Odd" \\ Plügin',
    "description_for_human": "Quotes \" and ' and a backslash \\ and {{ braces }}.",
    "description_for_model": "Plugin for testing odd text: \"quotes\", 'apostrophes', \\n, ü.",
}


def plugin_new(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return console_script("plugin-new", *args, cwd=cwd, env=env)


@pytest.fixture
def scaffold_env(scaffold_home: Path) -> dict[str, str]:
    return {**os.environ, "PLUGIN_SCAFFOLD_HOME": str(scaffold_home)}


def lint(project: Path) -> None:
    for command in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "--no-cache", "."],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def text_files(project: Path) -> list[Path]:
    return [p for p in project.rglob("*") if p.is_file() and p.suffix != ".png"]


@pytest.mark.e2e
@pytest.mark.parametrize("example, auth, framework", SUPPORTED_COMBINATIONS)
def test_combination_renders_and_passes_its_own_tests(
    render_project, example: str, auth: str, framework: str
) -> None:
    name = f"{example}-{auth}-{framework}".replace("_", "-")
    project = render_project(project_name=name, example=example, auth=auth, framework=framework)
    package = project / "src" / name.replace("-", "_")

    for path in [
        "README.md",
        "pyproject.toml",
        ".gitignore",
        ".env",
        ".env.example",
        ".github/workflows/ci.yml",
        f"{package.relative_to(project)}/runtime/app.py",
        f"{package.relative_to(project)}/well_known/ai-plugin.json",
        f"{package.relative_to(project)}/well_known/openapi.yaml",
        f"{package.relative_to(project)}/well_known/logo.png",
        "tests/conftest.py",
    ]:
        assert (project / path).is_file(), path
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_src_path"] and re.fullmatch(r"v\d+\.\d+\.\d+.*", answers["_commit"])
    assert {answers["auth"], answers["framework"], answers["example"]} == {auth, framework, example}
    assert ".env" in (project / ".gitignore").read_text().split()
    for file in text_files(project):
        text = file.read_text()
        assert not UNRENDERED.search(text), f"unrendered Jinja in {file}"

    # Only the chosen framework's, auth mode's and example's code is there.
    app = (package / "runtime" / "app.py").read_text()
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    dependencies = " ".join(pyproject["project"]["dependencies"])
    for other in set(FRAMEWORK_PACKAGES) - {framework}:
        assert f"from {other}" not in app and other not in dependencies
    assert FRAMEWORK_PACKAGES[framework] in dependencies
    for other, module in EXAMPLE_MODULES.items():
        assert (package / module).exists() == (other == example), module
    runtime = package / "runtime"
    assert (runtime / "auth.py").exists() == (auth != "none")
    assert (runtime / "users.py").exists() == (auth in ("user_http", "oauth"))
    assert (runtime / "oauth.py").exists() == (auth == "oauth")
    assert (runtime / "client_documents.py").exists() == (auth == "oauth")
    # The template's own files say so in their first line; the user's side stays small.
    for module in runtime.glob("*.py"):
        assert "plugin-scaffold update" in module.read_text().splitlines()[0], module
    assert not (package / "app.py").exists() and not (package / "service.py").exists()
    assert (project / "tests" / "test_auth.py").exists() == (auth != "none")

    lint(project)
    run_project_tests(project)


@pytest.mark.e2e
@pytest.mark.parametrize("auth", [auth.value for auth in Auth])
@pytest.mark.parametrize("example", [example.value for example in Example])
def test_the_longest_allowed_name_still_lints_clean(
    render_project, example: str, auth: str
) -> None:
    # The package name lands in docstrings, commands and imports; none may pass 100 columns.
    lint(render_project(project_name=LONGEST_NAME, example=example, auth=auth))


def test_each_render_gets_fresh_secrets(render_project) -> None:
    first = render_project(project_name="one", auth="oauth")
    second = render_project(project_name="two", auth="oauth")
    secrets = [
        dict(line.split("=", 1) for line in (p / ".env").read_text().splitlines() if "=" in line)
        for p in (first, second)
    ]
    for key in ("OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET"):
        assert len(secrets[0][key]) >= 24
        assert secrets[0][key] != secrets[1][key]


@pytest.mark.e2e
def test_odd_manifest_texts_stay_valid_python_json_and_yaml(render_project) -> None:
    # pytest-copie's answers are defaults: customize_manifest must be given to ask for them.
    project = render_project(project_name="odd", auth="oauth", customize_manifest=True, **ODD_TEXTS)
    text = (project / "src/odd/well_known/ai-plugin.json").read_text()
    manifest = json.loads(text)
    for key, value in ODD_TEXTS.items():
        assert manifest[key] == value
    # The file is for people to read and edit too: an apostrophe is written as one.
    assert "Jo's" in text and "\\u0027" not in text
    lint(project)
    run_project_tests(project, "tests/test_plugin_files.py")


BAD_ANSWERS = {
    "unknown-auth": (["--data", "auth=basic"], "basic"),
    "model-name-with-space": (["--data", "name_for_model=my plugin"], "name_for_model"),
    "human-name-too-long": (["--data", "name_for_human=" + "x" * 51], "name_for_human"),
    "model-description-style": (
        ["--data", "description_for_model=Always use this plugin"],
        "Plugin for",
    ),
    "bad-email": (["--data", "contact_email=nobody"], "contact_email"),
    "bad-legal-url": (["--data", "legal_info_url=ftp://example.com"], "legal_info_url"),
}


@pytest.mark.parametrize("args, rule", BAD_ANSWERS.values(), ids=BAD_ANSWERS.keys())
def test_bad_answers_are_refused_in_one_line_and_nothing_is_written(
    tmp_path: Path, scaffold_env: dict[str, str], args: list[str], rule: str
) -> None:
    where = tmp_path / "projects"
    where.mkdir()
    result = plugin_new("demo", *args, "--defaults", env=scaffold_env, cwd=where)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and rule in lines[0], result.stderr
    assert list(where.iterdir()) == []


@pytest.mark.parametrize("auth", [auth.value for auth in Auth])
def test_a_blank_projects_own_code_is_small(render_project, auth: str) -> None:
    """What the user writes reads like the smallest plugin that could work: the machinery is
    in runtime/, which the template owns."""
    project = render_project(project_name="mine", example="blank", auth=auth)
    package = project / "src" / "mine"
    own = [module for module in package.glob("*.py")]
    lines = sum(1 for module in own for line in module.read_text().splitlines() if line.strip())
    assert {module.name for module in own} == {
        "__init__.py",
        "__main__.py",
        "hello.py",
        "settings.py",
    }
    assert lines <= 150, lines
