"""A curriculum may say the language its text is written in (``language:`` in
curriculum.yaml): it is kept with the version, written back on export, and pages mark the
curriculum's own text with it whatever language they are in."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from training.curriculum import files, services
from training.curriculum.cli import DEFAULT_PATH
from training.extensions import db

SHIPPED = DEFAULT_PATH / "regenerative-fat-grafting"


@pytest.fixture
def spanish_copy(tmp_path: Path) -> Path:
    target = tmp_path / "injerto-de-grasa"
    shutil.copytree(SHIPPED, target)
    header = target / "curriculum.yaml"
    text = header.read_text()
    text = text.replace("slug: regenerative-fat-grafting\n", "slug: injerto-de-grasa\nlanguage: es\n", 1)
    header.write_text(text)
    return target


def test_the_language_is_kept_and_written_back(ctx, spanish_copy):
    loaded = files.load(spanish_copy)
    assert loaded.problems == []
    assert loaded.content["curriculum"]["language"] == "es"
    (outcome,) = services.import_folder(spanish_copy)
    db.session.commit()
    assert outcome.version.language == "es"
    assert services.version_content(outcome.version)["curriculum"]["language"] == "es"
    # The same files again are the same version: the language is part of the content.
    (again,) = services.import_folder(spanish_copy)
    assert not again.created


def test_a_curriculum_that_does_not_say_keeps_its_content_hash(ctx):
    loaded = files.load(SHIPPED)
    assert "language" not in loaded.content["curriculum"]
    (outcome,) = services.import_folder(SHIPPED)
    assert outcome.version.language is None


def test_a_language_that_is_not_a_tag_is_refused_at_its_line(app, spanish_copy):
    header = spanish_copy / "curriculum.yaml"
    header.write_text(header.read_text().replace("language: es\n", "language: Spanish\n", 1))
    number = header.read_text().splitlines().index("language: Spanish") + 1
    result = app.test_cli_runner().invoke(args=["curriculum", "validate", str(spanish_copy)])
    assert result.exit_code == 1
    assert f"curriculum.yaml:{number}: " in result.output
    assert "language" in result.output


def test_pages_mark_the_curriculum_text_with_its_language(app, client, make, spanish_copy):
    with app.test_request_context():
        (outcome,) = services.import_folder(spanish_copy)
        db.session.commit()
        version_id = outcome.version.id
        module_id = outcome.version.modules[0].id
    client.login(make.trainee())
    module_page = client.get(f"/curricula/modules/{module_id}").text
    assert 'data-testid="module-content" lang="es"' in module_page
    assert '<html lang="en"' in module_page  # the page itself stays in the reader's language
    assert 'lang="es"' in client.get(f"/curricula/versions/{version_id}").text
