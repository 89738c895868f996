"""The format-2 rules (references, refs, item-writing), without an app: each rule refuses
a module that breaks it, at the line of the fault, and format-1 files keep loading."""

from __future__ import annotations

import textwrap

from training.curriculum import files, rules
from training.curriculum.rules import Source

HEAD = """\
format: 2
slug: test-curriculum
title: Test curriculum
vocabulary:
  regions: [temple]
  layers: [dermis]
"""


def single(key: str, position: int, objective: str = "layers", tags: str = "") -> str:
    options = "".join(
        f"      - {{id: {letter}, text: Option {letter} of {key}, correct: {str(i == position).lower()}}}\n"
        for i, letter in enumerate("abcd")
    )
    return (
        f"  - id: {key}\n    kind: single\n    objective: {objective}\n{tags}    refs: [R1]\n"
        f"    stem: Which option does {key} want?\n    options:\n{options}    explanation: Because.\n"
    )


def flag(key: str, answer: bool) -> str:
    return (
        f"  - id: {key}\n    kind: true_false\n    objective: layers\n    refs: [R1]\n"
        f"    stem: Statement {key} holds.\n    answer: {str(answer).lower()}\n    explanation: Because.\n"
    )


def module(questions: str, kinds: str = "[lecture]", skills: str = "") -> str:
    return (
        textwrap.dedent(
            """\
            code: ANAT-101
            title: Anatomy
            kinds: KINDS
            planned_minutes: 60
            key_facts:
              - text: The dermis lies under the epidermis.
                refs: [R1]
            references:
              - id: R1
                text: A textbook.
              - id: S
                text: The seed article.
            objectives:
              - id: layers
                verb: describe
                text: Describe the layers.
            """
        ).replace("KINDS", kinds)
        + skills
        + "questions:\n"
        + questions
    )


BALANCED = single("q-1", 0) + single("q-2", 1) + single("q-3", 2) + single("q-4", 3) + flag("q-5", True)
BALANCED += flag("q-6", False)
SKILL = """\
skills:
  - id: dissection
    title: Dissection
    checklist:
      - {id: step-1, text: Marks the regions, critical: true}
      - {id: step-2, text: Incises}
"""


def check(modules: dict[str, str], head: str = HEAD) -> rules.Result:
    parsed = []
    for name, text in modules.items():
        node, problems = files.parse_yaml(text, name)
        assert not problems, problems
        parsed.append((name, node))
    curriculum, problems = files.parse_yaml(head, "curriculum.yaml")
    assert not problems
    return rules.validate(Source("curriculum.yaml", curriculum, parsed, {}))


def messages(result: rules.Result) -> list[str]:
    return [str(problem) for problem in result.problems]


def line(text: str, marker: str) -> int:
    return next(number for number, row in enumerate(text.splitlines(), start=1) if marker in row)


def test_a_clean_format_2_module_keeps_refs_tags_and_critical_steps():
    text = module(
        BALANCED.replace("    refs: [R1]\n", "    tags: [safety]\n    refs: [R1]\n", 1), skills=SKILL
    )
    result = check({"m.yaml": text})
    assert result.ok, messages(result)
    content = result.content
    assert content["curriculum"]["format"] == 2
    (mod,) = content["modules"]
    assert mod["references"][0] == {
        "id": "R1",
        "text": "A textbook.",
        "url": None,
        "general_knowledge": False,
    }
    assert mod["key_facts"] == [{"text": "The dermis lies under the epidermis.", "refs": ["R1"]}]
    assert mod["questions"][0]["refs"] == ["R1"]
    assert mod["questions"][0]["tags"] == ["safety"]
    assert mod["skills"][0]["checklist"][0] == {"id": "step-1", "text": "Marks the regions", "critical": True}


def test_an_unknown_reference_id_is_refused_at_its_line():
    text = module(BALANCED.replace("refs: [R1]", "refs: [R7]", 1))
    assert messages(check({"m.yaml": text})) == [
        f"m.yaml:{line(text, 'refs: [R7]')}: "
        "question q-1 cites unknown reference 'R7' (the module lists R1, S)"
    ]


def test_a_key_fact_citing_an_unknown_reference_is_refused():
    text = module(BALANCED).replace("    refs: [R1]\nreferences:", "    refs: [R2]\nreferences:")
    assert messages(check({"m.yaml": text})) == [
        f"m.yaml:{line(text, 'refs: [R2]')}: key fact 1 cites unknown reference 'R2' (the module lists R1, S)"
    ]


def test_a_question_without_refs_is_refused():
    text = module(
        BALANCED.replace(
            "  - id: q-2\n    kind: single\n    objective: layers\n    refs: [R1]\n",
            "  - id: q-2\n    kind: single\n    objective: layers\n",
        )
    )
    assert messages(check({"m.yaml": text})) == [
        f"m.yaml:{line(text, 'id: q-2')}: question q-2 names no reference ('refs: [R1]')"
    ]


def test_a_reference_without_an_id_is_refused():
    text = module(BALANCED).replace("  - id: S\n    text: The seed article.", "  - text: The seed article.")
    assert messages(check({"m.yaml": text})) == [
        f"m.yaml:{line(text, 'text: The seed article.')}: reference 2 needs an id such as R1 or S"
    ]


def test_a_multiple_item_where_every_option_is_correct_is_refused():
    item = (
        single("q-7", 0).replace("kind: single", "kind: multiple").replace("correct: false", "correct: true")
    )
    text = module(BALANCED + item)
    assert messages(check({"m.yaml": text})) == [
        f"m.yaml:{line(text, 'id: a, text: Option a of q-7') - 1}: "
        "every option of question q-7 is correct; a multiple-answer item needs a wrong option"
    ]


def test_keys_piled_in_one_position_are_refused():
    questions = single("q-1", 0) + single("q-2", 0) + single("q-3", 0) + single("q-4", 3) + flag("q-5", True)
    text = module(questions + flag("q-6", False))
    assert messages(check({"m.yaml": text})) == [
        f"m.yaml:{line(text, 'questions:')}: 3 of the 4 single-answer keys are option 1 (q-1, q-2, q-3); "
        "spread the keys so none holds more than half"
    ]


def test_half_of_the_keys_in_one_position_is_allowed():
    questions = single("q-1", 0) + single("q-2", 0) + single("q-3", 1) + single("q-4", 2)
    assert check({"m.yaml": module(questions + flag("q-5", True) + flag("q-6", False))}).ok


def test_a_true_false_bank_outside_35_to_65_percent_true_is_refused():
    text = module(BALANCED + flag("q-7", True) + flag("q-8", True))
    assert messages(check({"m.yaml": text})) == [
        f"m.yaml:{line(text, 'id: q-8')}: 3 of the 4 true/false questions are true (75%); "
        "keep the bank between 35% and 65% true"
    ]


def test_the_true_false_balance_counts_the_whole_curriculum():
    first = module(BALANCED)
    second = module(flag("q-9", False) + flag("q-10", False)).replace("ANAT-101", "MFAT-201")
    result = check({"a.yaml": first, "b.yaml": second})
    assert messages(result) == [
        f"b.yaml:{line(second, 'id: q-10')}: 1 of the 4 true/false questions are true (25%); "
        "keep the bank between 35% and 65% true"
    ]


def test_a_duplicate_stem_is_refused_even_in_another_module():
    first = module(BALANCED)
    copy = single("q-11", 0).replace("Which option does q-11 want?", "Which option does q-1 want?")
    second = module(single("q-12", 1) + copy + flag("q-13", True) + flag("q-14", False)).replace(
        "ANAT-101", "MFAT-201"
    )
    assert messages(check({"a.yaml": first, "b.yaml": second})) == [
        f"b.yaml:{line(second, 'id: q-11')}: "
        f"question q-11 repeats the stem of q-1 (a.yaml:{line(first, 'id: q-1')})"
    ]


def test_a_question_id_used_in_two_modules_is_refused():
    first = module(BALANCED)
    second = module(flag("q-1", True).replace("Statement q-1", "Another statement") + flag("q-20", False))
    second = second.replace("ANAT-101", "MFAT-201")
    assert messages(check({"a.yaml": first, "b.yaml": second})) == [
        f"b.yaml:{line(second, 'id: q-1')}: question id q-1 is also used in a.yaml:{line(first, 'id: q-1')}"
    ]


def test_a_hands_on_module_needs_two_safety_items():
    tagged = BALANCED.replace("    refs: [R1]\n", "    tags: [safety]\n    refs: [R1]\n", 1)
    text = module(tagged, kinds="[lecture, hands_on]", skills=SKILL)
    assert messages(check({"m.yaml": text})) == [
        f"m.yaml:{line(text, 'questions:')}: "
        "a hands-on module needs at least 2 questions tagged 'safety' (it has 1)"
    ]
    both = tagged.replace(
        "  - id: q-2\n    kind: single\n    objective: layers\n",
        "  - id: q-2\n    kind: single\n    objective: layers\n    tags: [safety]\n",
    )
    assert check({"m.yaml": module(both, kinds="[lecture, hands_on]", skills=SKILL)}).ok


def test_a_skill_without_a_critical_step_is_refused():
    text = module(BALANCED, skills=SKILL.replace(", critical: true", ""))
    assert messages(check({"m.yaml": text})) == [
        f"m.yaml:{line(text, 'checklist:')}: skill 'dissection' has no critical step "
        "(mark the must-pass steps 'critical: true')"
    ]


def test_an_objective_without_a_question_is_refused():
    text = module(BALANCED).replace(
        "    text: Describe the layers.\n",
        "    text: Describe the layers.\n  - id: vessels\n    verb: locate\n    text: Locate the vessels.\n",
    )
    assert messages(check({"m.yaml": text})) == [
        f"m.yaml:{line(text, 'id: vessels')}: objective 'vessels' has no question"
    ]


def test_format_1_files_load_as_before():
    head = HEAD.replace("format: 2\n", "")
    old = """\
code: ANAT-101
title: Anatomy
kinds: [hands_on]
planned_minutes: 60
key_facts: [Plain text facts.]
references:
  - text: A textbook.
objectives:
  - id: layers
    verb: describe
    text: Describe the layers.
  - id: untested
    verb: list
    text: List something.
skills:
  - id: dissection
    title: Dissection
    checklist: [Mark, Incise]
questions:
  - id: q-1
    kind: multiple
    objective: layers
    stem: Which?
    options:
      - {id: a, text: One, correct: true}
      - {id: b, text: Two, correct: true}
    explanation: Both.
"""
    result = check({"m.yaml": old}, head=head)
    assert result.ok, messages(result)
    assert "format" not in result.content["curriculum"]
    assert "refs" not in result.content["modules"][0]["questions"][0]
    assert check(
        {"m.yaml": old.replace("explanation: Both.", "explanation: Both.\n    refs: [R1]")}, head=head
    ).problems


def test_an_unknown_format_is_refused():
    result = check({"m.yaml": module(BALANCED)}, head=HEAD.replace("format: 2", "format: 3"))
    assert messages(result)[0] == "curriculum.yaml:1: 'format' must be one of 1, 2"
