"""Fixtures shared by the tests: an isolated home, a tiny stand-in template, and projects of
the real template rendered through pytest-copie."""

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers import Served

from scaffold_cli import bundled

# The real template's question keys and a name_for_model validator, with three files.
TINY_COPIER_YML = """\
_subdirectory: template
_answers_file: .copier-answers.yml
_skip_if_exists:
  - .env
_message_after_copy: "Done. cd {{ _copier_conf.dst_path }}"
project_name:
  type: str
  default: "{{ _folder_name }}"
auth:
  type: str
  choices: [none, service_http, user_http, oauth]
  default: none
framework:
  type: str
  choices: [quart, fastapi, flask]
  default: fastapi
example:
  type: str
  choices: [todo]
  default: todo
name_for_model:
  type: str
  default: "{{ project_name | lower | replace('-', '_') }}"
  validator: >-
    {% if not (name_for_model | regex_search('^[A-Za-z0-9_]{1,50}$')) %}
    name_for_model must be 1-50 letters, digits or '_' (no spaces)
    {% endif %}
"""
TINY_FILES = {
    "{{_copier_conf.answers_file}}.jinja": "{{ _copier_answers | to_nice_yaml }}",
    "README.md.jinja": "{{ project_name }} {{ auth }} {{ framework }} {{ example }}\n",
    ".env": "SECRET=fresh\n",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slowest tests first: a rendered project's whole suite, then the other end-to-end
    ones. Under xdist the short ones then fill in at the end, and the workers finish together
    instead of one waiting out a last long test alone."""

    def weight(item: pytest.Item) -> int:
        if getattr(item, "originalname", "") == "test_combination_renders_and_passes_its_own_tests":
            return 0
        return 1 if item.get_closest_marker("e2e") else 2

    items.sort(key=weight)


@pytest.fixture(autouse=True)
def scaffold_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point $PLUGIN_SCAFFOLD_HOME at a fresh folder so no test touches the real home."""
    home = tmp_path / "scaffold-home"
    monkeypatch.setenv(bundled.HOME_ENV, str(home))
    return home


@pytest.fixture
def tiny_source(tmp_path: Path) -> Path:
    """A folder laid out like the bundled source: copier.yml and template/."""
    source = tmp_path / "tiny-source"
    (source / "template").mkdir(parents=True)
    (source / "copier.yml").write_text(TINY_COPIER_YML)
    for name, text in TINY_FILES.items():
        (source / "template" / name).write_text(text)
    return source


@pytest.fixture
def tiny_bundled(tiny_source: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make the tiny template the bundled one, so CLI tests don't depend on the real one."""
    monkeypatch.setattr(bundled, "bundled_source", lambda: tiny_source)
    return tiny_source


@pytest.fixture(scope="session")
def bundled_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This checkout's template as plugin-new renders it: the bundled repository and its tag.

    It has a home of its own, synced once per test process, so renders share it.
    """
    home = tmp_path_factory.mktemp("bundled-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(bundled.HOME_ENV, str(home))
        return bundled.ensure_template_repo()


@pytest.fixture
def render_project(copie, bundled_template: tuple[Path, str]) -> Callable[..., Path]:
    """Render the bundled template with these answers through pytest-copie's `copie`.

    The rest take their defaults, as with `plugin-new --defaults`; returns the project folder.
    """
    repo, tag = bundled_template

    def render(**answers: object) -> Path:
        result = copie.copy(extra_answers=answers, template_dir=repo, vcs_ref=tag)
        assert result.exit_code == 0, result.exception
        return result.project_dir

    return render


@pytest.fixture
def start_proxy() -> Iterator[Callable[..., str]]:
    """Start `create_proxy_app(upstream, ...)` (the dev proxy) in-process; its URL."""
    from scaffold_cli.devproxy.app import create_proxy_app

    started: list[Served] = []

    def start(upstream: str, *args, **kwargs) -> str:
        started.append(Served(create_proxy_app(upstream, *args, **kwargs)))
        return started[-1].url

    yield start
    for served in started:
        served.stop()


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen]]:
    """Processes a test starts, stopped after it."""
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.terminate()  # a plugin's server then stops its workers; kill() orphans them
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
