"""The README's two set-up commands are what a newcomer runs, and what CI runs."""

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]


def readme_command(marker: str) -> str:
    """The one-line shell command in the ```sh block after `<!-- marker -->`."""
    match = re.search(rf"<!-- {marker} -->\n```sh\n(.+)\n```", (ROOT / "README.md").read_text())
    assert match, f"README.md has no {marker} block"
    return match.group(1)


def test_the_readme_starts_with_exactly_two_setup_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    setup = readme.split("## Set up", 1)[1].split("\n## ", 1)[0]
    assert setup.count("```sh") == 2
    assert "plugin-new" in readme_command("render-command")
    assert "pytest" in readme_command("test-command")


def test_ci_runs_the_readme_test_command() -> None:
    # .ci/run reads the command out of README.md; run that same extraction here.
    script = (ROOT / ".ci" / "run").read_text()
    extraction = re.search(r"test_command=\$\((.+)\)", script).group(1)
    extracted = subprocess.run(
        ["bash", "-c", extraction], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert extracted == readme_command("test-command")
    assert 'eval "$test_command"' in script


@pytest.mark.e2e
@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs a git checkout to clone")
def test_the_render_command_gives_a_running_plugin(tmp_path: Path) -> None:
    """Run the README's first command in a fresh clone, as a newcomer would, call the plugin,
    then run the rendered project's tests in the virtualenv that command made.

    It installs from the package index into a new virtualenv, so it needs the network.
    """
    clone = tmp_path / "plugin-scaffold"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    # The checkout under test may hold changes not yet committed: test those.
    for name in ("README.md", "copier.yml", "pyproject.toml", "scaffold_cli", "template"):
        source, target = ROOT / name, clone / name
        if source.is_dir():
            shutil.rmtree(target)
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PORT")
    }
    # Start from the machine's own PATH, not this test run's virtualenv.
    env["PATH"] = os.pathsep.join(
        p
        for p in env["PATH"].split(os.pathsep)
        if not p.startswith(os.environ.get("VIRTUAL_ENV", "\0"))
    )
    env["PLUGIN_SCAFFOLD_HOME"] = str(tmp_path / "home")
    process = subprocess.Popen(
        ["bash", "-c", readme_command("render-command")],
        cwd=clone,
        env=env,
        stdout=(tmp_path / "output.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail((tmp_path / "output.log").read_text()[-5000:])
            try:
                response = httpx.get("http://127.0.0.1:5003/.well-known/ai-plugin.json")
                break
            except httpx.TransportError:
                time.sleep(0.5)
        else:
            pytest.fail("the plugin did not answer within 10 minutes")
        assert response.status_code == 200
        assert response.json()["api"]["url"] == "http://127.0.0.1:5003/openapi.yaml"
        assert httpx.get("http://127.0.0.1:5003/todos/newcomer").json() == {"todos": []}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)

    # The rendered project's own tests pass in the virtualenv the newcomer just made.
    result = subprocess.run(
        [str(clone / ".venv" / "bin" / "pytest"), "-q", "-p", "no:cacheprovider"],
        cwd=clone / "my-plugin",
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-5000:]
    assert " passed" in result.stdout
