"""The GitHub workflows, the generator's and each rendered project's, pass actionlint: GitHub
runs what it finds (an action on a runtime GitHub has removed from its runners fails there)."""

import shutil
import subprocess
from pathlib import Path

import pytest

from scaffold_cli.choices import Auth

ROOT = Path(__file__).resolve().parents[1]


def actionlint(workflow: Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("actionlint")
    if binary is None:
        pytest.skip("actionlint is not installed (pip install -e '.[test]')")
    return subprocess.run(
        [binary, "-no-color", str(workflow)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_generators_workflow_passes_actionlint() -> None:
    result = actionlint(ROOT / ".github" / "workflows" / "ci.yml")
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


# The rendered workflow differs by auth mode only (the container job's secrets and MCP call).
@pytest.mark.parametrize("auth", [auth.value for auth in Auth])
def test_a_rendered_workflow_passes_actionlint(render_project, auth: str) -> None:
    project = render_project(project_name="demo", auth=auth)
    result = actionlint(project / ".github" / "workflows" / "ci.yml")
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
