"""copier.yml's questions as plugin-new reads them: choices, validators and computed values."""

import pytest

from scaffold_cli import questions


@pytest.fixture
def tiny_questions(tiny_bundled):
    """questions reads the tiny template's copier.yml, with three ways of writing choices."""
    copier_yml = tiny_bundled / "copier.yml"
    copier_yml.write_text(
        copier_yml.read_text()
        + "as_labels:\n  type: str\n  choices:\n    'First - one': one\n    'Second': two\n"
        + "as_pairs:\n  type: str\n  choices: [[First, one], [Second, two]]\n"
    )
    clear = (questions.questions.cache_clear, questions._compiled.cache_clear)
    for cache_clear in clear:
        cache_clear()
    yield
    for cache_clear in clear:  # back to the bundled copier.yml
        cache_clear()


@pytest.mark.parametrize("question", ["auth", "as_labels", "as_pairs"])
def test_choices_are_the_values_in_copier_yml_order(tiny_questions, question):
    expected = ["none", "service_http", "user_http", "oauth"] if question == "auth" else None
    assert questions.choices(question) == (expected or ["one", "two"])


def test_a_validator_gives_its_message_on_one_line(tiny_questions):
    assert questions.validation_error("name_for_model", {"name_for_model": "ok_name"}) is None
    assert questions.validation_error("name_for_model", {"name_for_model": "bad name"}) == (
        "name_for_model must be 1-50 letters, digits or '_' (no spaces)"
    )


def test_a_question_without_a_validator_accepts_anything(tiny_questions):
    assert questions.validation_error("project_name", {"project_name": "any thing"}) is None


def test_computed_renders_the_default(tiny_questions):
    assert questions.computed("name_for_model", {"project_name": "My-Plugin"}) == "my_plugin"


def test_the_bundled_package_name_is_the_lowercase_form():
    assert questions.computed("package_name", {"project_name": "My-Plugin_2"}) == "my_plugin_2"
