"""The curriculum rules, without an app: every problem an author can make, with its line."""

from __future__ import annotations

import textwrap

import pytest

from training.curriculum import files, rules, schema
from training.curriculum.format import CODE_PATTERN, MODULE_KINDS, ModuleFile2
from training.curriculum.rules import ImageInfo, Source

HEAD = """\
slug: test-curriculum
title: Test curriculum
vocabulary:
  regions: [temple, midface]
  layers: [dermis]
"""

MODULE = """\
code: ANAT-101
title: Anatomy
kinds: [lecture]
planned_minutes: 60
regions: [temple]
layers: [dermis]
prerequisites: []
objectives:
  - id: layers
    verb: describe
    text: Describe the layers.
skills:
  - id: dissection
    title: Dissection
    checklist: [Mark, Incise, Name]
questions:
  - id: q-1
    kind: single
    objective: layers
    stem: Which layer?
    options:
      - {id: a, text: Dermis, correct: true}
      - {id: b, text: Bone, correct: false}
    explanation: The dermis.
  - id: q-2
    kind: true_false
    objective: layers
    stem: The dermis is a layer.
    answer: true
    explanation: It is.
"""


def second(prerequisites: str = "[ANAT-101]", code: str = "MFAT-201") -> str:
    return MODULE.replace("code: ANAT-101", f"code: {code}").replace(
        "prerequisites: []", f"prerequisites: {prerequisites}"
    )


def check(
    modules: dict[str, str] | None = None, head: str = HEAD, images: dict[str, ImageInfo] | None = None
) -> rules.Result:
    parsed = []
    for name, text in (modules if modules is not None else {"m1.yaml": MODULE}).items():
        node, problems = files.parse_yaml(textwrap.dedent(text), name)
        assert not problems, problems
        parsed.append((name, node))
    curriculum, problems = files.parse_yaml(head, "curriculum.yaml")
    assert not problems
    return rules.validate(Source("curriculum.yaml", curriculum, parsed, images or {}))


def messages(result: rules.Result) -> list[str]:
    return [str(problem) for problem in result.problems]


def test_a_clean_curriculum_gives_its_canonical_content():
    result = check()
    assert result.ok, messages(result)
    module = result.content["modules"][0]
    assert module["skills"][0]["checklist"][1] == {"id": "step-2", "text": "Incise"}
    true_false = module["questions"][1]
    assert true_false["options"] == [
        {"id": "true", "text": "True", "correct": True},
        {"id": "false", "text": "False", "correct": False},
    ]


def test_an_unknown_prerequisite_is_reported_at_its_line():
    result = check({"m1.yaml": MODULE.replace("prerequisites: []", "prerequisites: [NOPE-999]")})
    assert messages(result) == ["m1.yaml:7: unknown prerequisite NOPE-999"]


def test_a_prerequisite_cycle_is_named():
    result = check({"a.yaml": second("[MFAT-201]", "ANAT-101"), "b.yaml": second("[ANAT-101]")})
    assert messages(result) == ["a.yaml:7: prerequisite cycle: ANAT-101 -> MFAT-201 -> ANAT-101"]


def test_a_module_cannot_need_itself():
    result = check({"m1.yaml": MODULE.replace("prerequisites: []", "prerequisites: [ANAT-101]")})
    assert messages(result) == ["m1.yaml:7: ANAT-101 lists itself as a prerequisite"]


def test_a_question_testing_an_unknown_objective():
    result = check(
        {
            "m1.yaml": MODULE.replace(
                "    objective: layers\n    stem: Which", "    objective: nope\n    stem: Which"
            )
        }
    )
    assert messages(result) == ["m1.yaml:19: question q-1 tests unknown objective 'nope'"]


def test_single_choice_needs_exactly_one_correct_option():
    text = MODULE.replace("{id: b, text: Bone, correct: false}", "{id: b, text: Bone, correct: true}")
    assert messages(check({"m1.yaml": text})) == [
        "m1.yaml:21: a single-choice question needs exactly one correct option (it has 2)"
    ]


def test_multiple_response_needs_at_least_one_correct_option():
    text = MODULE.replace("kind: single", "kind: multiple").replace("correct: true}", "correct: false}")
    assert messages(check({"m1.yaml": text})) == [
        "m1.yaml:21: a multiple-response question needs at least one correct option"
    ]


def test_duplicate_ids_are_reported():
    text = MODULE.replace("  - id: q-2\n", "  - id: q-1\n").replace(
        "skills:", "  - id: layers\n    verb: list\n    text: Again.\nskills:"
    )
    assert messages(check({"m1.yaml": text})) == [
        "m1.yaml:12: duplicate objective id 'layers'",
        "m1.yaml:28: duplicate question id 'q-1'",
    ]


def test_the_same_module_code_in_two_files():
    result = check({"a.yaml": MODULE, "b.yaml": MODULE})
    assert messages(result) == ["b.yaml:1: module code ANAT-101 is also used in a.yaml"]


def test_an_unknown_region_or_layer():
    text = MODULE.replace("regions: [temple]", "regions: [temple, knee]").replace(
        "layers: [dermis]", "layers: [bone]"
    )
    assert messages(check({"m1.yaml": text})) == [
        "m1.yaml:5: unknown region 'knee' (not in the curriculum's vocabulary)",
        "m1.yaml:6: unknown layer 'bone' (not in the curriculum's vocabulary)",
    ]


def test_wrong_types_are_named():
    text = MODULE.replace("planned_minutes: 60", "planned_minutes: ninety").replace(
        "kinds: [lecture]", "kinds: lecture"
    )
    assert messages(check({"m1.yaml": text})) == [
        "m1.yaml:3: 'kinds' must be a list, not text",
        "m1.yaml:4: 'planned_minutes' must be a whole number, not text",
    ]


def test_a_boolean_is_not_a_number_of_minutes():
    text = MODULE.replace("planned_minutes: 60", "planned_minutes: yes")
    assert messages(check({"m1.yaml": text})) == [
        "m1.yaml:4: 'planned_minutes' must be a whole number, not text"
    ]
    text = MODULE.replace("planned_minutes: 60", "planned_minutes: true")
    assert messages(check({"m1.yaml": text})) == [
        "m1.yaml:4: 'planned_minutes' must be a whole number, not true/false"
    ]


def test_an_unknown_kind_and_an_unknown_field():
    text = MODULE.replace("kinds: [lecture]", "kinds: [webinar]\ncolour: blue")
    assert messages(check({"m1.yaml": text})) == [
        "m1.yaml:4: unknown field 'colour'",
        "m1.yaml:3: unknown kind 'webinar' (use lecture, cadaver_lab, hands_on, live_demonstration, seminar)",
    ]


@pytest.mark.parametrize(
    ("verb", "expected"), [("understand", "cannot be measured"), ("ponder", "not a measurable")]
)
def test_objectives_need_a_measurable_verb(verb, expected):
    result = check({"m1.yaml": MODULE.replace("verb: describe", f"verb: {verb}")})
    (problem,) = result.problems
    assert problem.line == 10
    assert expected in problem.message


def test_a_true_false_question_needs_a_boolean_answer():
    result = check({"m1.yaml": MODULE.replace("answer: true", "answer: maybe")})
    assert messages(result) == ["m1.yaml:29: a true/false question needs 'answer: true' or 'answer: false'"]


def test_a_missing_image_and_an_image_that_is_not_an_image():
    text = MODULE.replace("    stem: Which layer?\n", "    stem: Which layer?\n    image: face.png\n")
    assert messages(check({"m1.yaml": text})) == ["m1.yaml:21: image 'face.png' is missing from images/"]
    bad = {"face.png": ImageInfo(error="is not an image (PNG, JPEG, GIF or WebP)")}
    assert messages(check({"m1.yaml": text}, images=bad)) == [
        "m1.yaml:21: image 'face.png': is not an image (PNG, JPEG, GIF or WebP)"
    ]
    assert check({"m1.yaml": text}, images={"face.png": ImageInfo(100, 80)}).ok


HOTSPOT = """\
  - id: q-3
    kind: hotspot
    objective: layers
    stem: Click the temple.
    image: face.png
    hotspots:
      - {shape: rect, x: 10, y: 10, w: 20, h: 20}
      - {shape: circle, cx: 50, cy: 40, r: 10}
      - {shape: polygon, points: [[0, 0], [10, 0], [5, 8]]}
    explanation: There.
"""


def test_hotspot_questions_are_accepted_and_their_shapes_checked():
    images = {"face.png": ImageInfo(100, 80)}
    result = check({"m1.yaml": MODULE + HOTSPOT}, images=images)
    assert result.ok, messages(result)
    assert result.content["modules"][0]["questions"][2]["hotspots"][1] == {
        "shape": "circle",
        "cx": 50,
        "cy": 40,
        "r": 10,
    }
    broken = (
        HOTSPOT.replace("w: 20", "w: 0")
        .replace("r: 10", "r: 60")
        .replace("[[0, 0], [10, 0], [5, 8]]", "[[0, 0], [10, 0]]")
    )
    assert messages(check({"m1.yaml": MODULE + broken}, images=images)) == [
        "m1.yaml:37: a rect must have a size above zero",
        "m1.yaml:38: region 2 lies outside the 100x80 image",
        "m1.yaml:39: a polygon needs at least three points [x, y] of non-negative numbers",
    ]


def test_a_hotspot_question_needs_an_image_and_regions():
    text = (
        MODULE
        + "  - id: q-3\n    kind: hotspot\n    objective: layers\n    stem: Where?\n    explanation: x\n"
    )
    assert messages(check({"m1.yaml": text})) == [
        "m1.yaml:31: a hotspot question needs an image",
        "m1.yaml:31: a hotspot question needs at least one region",
    ]


def test_a_curriculum_file_that_is_not_a_mapping_and_missing_fields():
    result = check(head="- just\n- a list\n")
    assert messages(result) == ["curriculum.yaml:1: curriculum.yaml must be a mapping of fields"]
    result = check(head="title: T\n")
    assert "curriculum.yaml:1: 'slug' is required" in messages(result)
    assert any("'vocabulary' is required" in m for m in messages(result))


def test_a_module_without_objectives_is_refused():
    start = MODULE.index("objectives:")
    end = MODULE.index("skills:")
    text = MODULE[:start] + MODULE[end:]
    text = text.replace("    objective: layers\n", "    objective: x\n")
    result = messages(check({"m1.yaml": text}))
    assert result[0] == "m1.yaml:1: a module needs at least one learning objective"


def test_malformed_yaml_is_reported_at_its_line():
    node, problems = files.parse_yaml("code: A\ntitle: [unclosed\nkinds: x\n", "m.yaml")
    assert node is None
    (problem,) = problems
    assert problem.file == "m.yaml"
    assert problem.line == 3
    assert str(problem).startswith("m.yaml:3: invalid YAML")


def test_a_duplicate_key_is_malformed_yaml():
    _, problems = files.parse_yaml("code: A\ncode: B\n", "m.yaml")
    (problem,) = problems
    assert problem.line == 2
    assert "duplicate" in problem.message


def test_the_content_hash_depends_on_content_and_images_only():
    content = check().content
    same = check().content
    assert rules.content_hash(content, {}) == rules.content_hash(same, {})
    assert rules.content_hash(content, {}) != rules.content_hash(content, {"a.png": "00"})
    changed = check({"m1.yaml": MODULE.replace("Which layer?", "Which tissue layer?")}).content
    assert rules.content_hash(content, {}) != rules.content_hash(changed, {})


def test_compare_names_modules_and_questions_added_removed_and_changed():
    old = check({"a.yaml": MODULE, "b.yaml": second()}).content
    new_text = MODULE.replace("Which layer?", "Which tissue layer?").replace("  - id: q-2\n", "  - id: q-9\n")
    new = check({"a.yaml": new_text, "c.yaml": second(code="NFAT-301")}).content
    comparison = rules.compare(old, new)
    assert comparison.modules_added == ["NFAT-301"]
    assert comparison.modules_removed == ["MFAT-201"]
    (change,) = comparison.modules_changed
    assert change.code == "ANAT-101"
    assert change.questions_changed == ["q-1"]
    assert change.questions_added == ["q-9"]
    assert change.questions_removed == ["q-2"]
    assert change.fields == []
    assert rules.compare(old, old).identical


def test_find_cycle_and_transitive_reduction():
    assert rules.find_cycle({"A": [], "B": ["A"], "C": ["B", "A"]}) is None
    assert rules.find_cycle({"A": ["C"], "B": ["A"], "C": ["B"]}) == ["A", "C", "B", "A"]
    assert rules.transitive_reduction({"A": [], "B": ["A"], "C": ["B", "A"]}) == {
        "A": [],
        "B": ["A"],
        "C": ["B"],
    }


def test_layout_puts_each_module_right_of_what_it_needs():
    nodes = rules.layout([("A", "a", []), ("B", "b", ["A"]), ("C", "c", ["A"]), ("D", "d", ["B", "C"])])
    placed = {node.code: (node.layer, node.row) for node in nodes}
    assert placed == {"A": (0, 0), "B": (1, 0), "C": (1, 1), "D": (2, 0)}


def test_checklist_lines_keep_the_ids_of_unchanged_steps():
    existing = [{"id": "step-1", "text": "Mark"}, {"id": "step-2", "text": "Incise"}]
    steps = rules.checklist_from_lines(["Prepare", "Mark", "Incise", "Close"], existing)
    assert steps == [
        {"id": "step-3", "text": "Prepare"},
        {"id": "step-1", "text": "Mark"},
        {"id": "step-2", "text": "Incise"},
        {"id": "step-4", "text": "Close"},
    ]


def test_a_wrong_shape_does_not_hide_the_rules_over_the_rest_of_the_file():
    text = MODULE.replace("planned_minutes: 60", "planned_minutes: ninety").replace(
        "    objective: layers\n    stem: Which", "    objective: nope\n    stem: Which"
    )
    assert messages(check({"m1.yaml": text})) == [
        "m1.yaml:4: 'planned_minutes' must be a whole number, not text",
        "m1.yaml:19: question q-1 tests unknown objective 'nope'",
    ]


def test_the_schema_comes_from_the_models_the_validator_uses():
    module = schema.build()["$defs"]["module"]
    assert module["properties"]["code"]["pattern"] == CODE_PATTERN.pattern
    assert module["properties"]["kinds"]["items"]["enum"] == list(MODULE_KINDS)
    assert set(module["properties"]) == set(ModuleFile2.model_fields)
