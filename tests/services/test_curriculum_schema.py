"""curricula/schema.json: generated from the validator's constants and kept up to date."""

from __future__ import annotations

import json

from training.curriculum import files, schema
from training.curriculum.cli import DEFAULT_PATH, SCHEMA_PATH

SHIPPED = DEFAULT_PATH / "regenerative-fat-grafting"


def test_the_checked_in_schema_is_up_to_date(app):
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema.render(), (
        "run `flask --app training curriculum schema`"
    )
    result = app.test_cli_runner().invoke(args=["curriculum", "schema", "--check"])
    assert result.exit_code == 0, result.output


def test_the_check_fails_on_a_stale_schema(app, monkeypatch, tmp_path):
    stale = tmp_path / "schema.json"
    stale.write_text("{}\n", encoding="utf-8")
    monkeypatch.setattr("training.curriculum.cli.SCHEMA_PATH", stale)
    result = app.test_cli_runner().invoke(args=["curriculum", "schema", "--check"])
    assert result.exit_code == 1
    assert "is out of date" in result.output


def test_the_schema_describes_every_field_the_shipped_files_use():
    defs = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))["$defs"]
    module_fields = defs["module"]["properties"]
    question = defs["module"]["properties"]["questions"]["items"]
    head, _ = files.parse_yaml((SHIPPED / "curriculum.yaml").read_text(), "curriculum.yaml")
    assert set(head) <= set(defs["curriculum"]["properties"])
    assert set(defs["curriculum"]["required"]) <= set(head)
    for path in sorted((SHIPPED / "modules").glob("*.yaml")):
        node, _ = files.parse_yaml(path.read_text(), path.name)
        assert set(node) <= set(module_fields), path.name
        assert set(defs["module"]["required"]) <= set(node), path.name
        for item in node["questions"]:
            assert set(item) <= set(question["properties"]), (path.name, item["id"])
            assert set(question["required"]) <= set(item), (path.name, item["id"])
            assert item["kind"] in question["properties"]["kind"]["enum"]
