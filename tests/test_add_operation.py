"""The rendered README's "Add an operation", followed to the letter on fresh projects: one spec
entry, one function (plain or async), one test. With no other edit, the project's own suite
and `plugin-scaffold check` stay green, and the rule written only in the spec is enforced."""

import json
import os
import re
from pathlib import Path

import pytest
from helpers import console_script, run_project_tests

# A README step: its marker, then its code block.
STEP = re.compile(r"<!-- add-operation: (?P<step>[\w-]+) -->\n```\w+\n(?P<code>.*?)```", re.DOTALL)
CASES = [
    pytest.param(example, auth, framework, handler, id=f"{example}-{auth}-{framework}-{handler}")
    for framework in ("fastapi", "quart", "flask")
    for example, auth, handler in (("blank", "none", "function"), ("todo", "user_http", "async"))
]


def readme_steps(project: Path) -> dict[str, str]:
    steps = {m["step"]: m["code"] for m in STEP.finditer((project / "README.md").read_text())}
    assert {"spec", "function", "async-function", "test"} <= set(steps), steps.keys()
    return steps


def add_operation(project: Path, package: str, handler: str) -> None:
    steps = readme_steps(project)
    spec = project / "src" / package / "well_known" / "openapi.yaml"
    text = spec.read_text()
    assert text.count("\npaths:\n") == 1
    spec.write_text(text.replace("\npaths:\n", "\npaths:\n" + steps["spec"], 1))
    function = steps["async-function" if handler == "async" else "function"]
    (project / "src" / package / "echo.py").write_text(function)
    (project / "tests" / "test_echo.py").write_text(steps["test"])


@pytest.mark.e2e
@pytest.mark.parametrize("example, auth, framework, handler", CASES)
def test_the_readme_steps_add_a_working_operation(
    render_project, example: str, auth: str, framework: str, handler: str
) -> None:
    name = f"{example}-{framework}"
    project = render_project(project_name=name, example=example, auth=auth, framework=framework)
    add_operation(project, name.replace("-", "_"), handler)

    # The README's own test calls /echo over HTTP, within and beyond the spec's maxLength.
    run_project_tests(project)
    result = console_script(
        "plugin-scaffold", "check", project, "--json", cwd=project, env=dict(os.environ)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert not [f for f in report["findings"] if f["severity"] == "error"], report


def test_the_readme_test_checks_the_spec_rule(render_project) -> None:
    """The constraint in the README's spec entry is one its test exercises, so the end-to-end
    run above shows a rule written only in openapi.yaml enforced over HTTP."""
    project = render_project(project_name="rules", example="blank")
    steps = readme_steps(project)
    assert "maxLength: 100" in steps["spec"]
    assert '"x" * 101' in steps["test"] and "status_code == 400" in steps["test"]
    assert "maxLength" not in steps["function"] and "len(" not in steps["function"]
