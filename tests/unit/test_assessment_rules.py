"""The pure rules of OSATS assessment: totals, checklists, rater disagreement, sign-off, progress."""

from datetime import UTC, date, datetime, timedelta

import pytest

from training.assessments import charts, rules
from training.assessments.scale import DOMAIN_KEYS, ENTRUSTMENT_LEVELS, OSATS_DOMAINS, TOTAL_MAX, TOTAL_MIN


def scores(value=4, **overrides):
    return {key: overrides.get(key, value) for key in DOMAIN_KEYS}


def rating(
    assessment_id=1,
    assessor_id=10,
    name="Dr. A",
    competent=True,
    entrustment=4,
    value=4,
    critical_missed=(),
    session_id=7,
    **score_overrides,
):
    return rules.Rating(
        assessment_id,
        assessor_id,
        name,
        scores(value, **score_overrides),
        entrustment,
        competent,
        critical_missed=critical_missed,
        session_id=session_id,
    )


# The scale -----------------------------------------------------------------------------------


def test_the_scale_has_seven_domains_each_anchored_at_1_3_and_5():
    assert len(OSATS_DOMAINS) == 7
    assert all(sorted(domain.anchors) == [1, 3, 5] for domain in OSATS_DOMAINS)
    assert all(text.strip() for domain in OSATS_DOMAINS for text in domain.anchors.values())
    assert (TOTAL_MIN, TOTAL_MAX) == (7, 35)
    assert [level.level for level in ENTRUSTMENT_LEVELS] == [1, 2, 3, 4, 5]


# Totals and score checks ---------------------------------------------------------------------


def test_total_adds_the_seven_domains():
    assert rules.total(scores(1)) == 7
    assert rules.total(scores(5)) == 35
    assert rules.total(scores(3, respect_for_tissue=5)) == 23


def test_complete_scores_in_range_have_no_problems():
    assert rules.score_problems(scores(1), 1) == {}
    assert rules.score_problems(scores(5), 5) == {}


@pytest.mark.parametrize("bad", [0, 6, -1, "3", 3.0, True])
def test_a_bad_domain_score_is_named(bad):
    problems = rules.score_problems(scores(3, use_of_assistants=bad), 3)
    assert list(problems) == ["use_of_assistants"]
    assert "use of assistants" in problems["use_of_assistants"][0]


def test_every_problem_is_reported_at_once():
    problems = rules.score_problems({"respect_for_tissue": 9}, 0)
    assert set(problems) == {*DOMAIN_KEYS, "entrustment"}


@pytest.mark.parametrize("bad", [0, 6, None])
def test_entrustment_outside_1_to_5_is_refused(bad):
    assert list(rules.score_problems(scores(), bad)) == ["entrustment"]


# Checklists ----------------------------------------------------------------------------------


CHECKLIST = [{"id": "step-1", "text": "Infiltrate"}, {"id": "step-2", "text": "Harvest"}, {"id": "step-3"}]


def test_every_step_gets_a_result_and_unknown_ids_are_named():
    result = rules.checklist_result(CHECKLIST, ["step-3", "step-1", "step-9"])
    assert result.results == {"step-1": True, "step-2": False, "step-3": True}
    assert result.done == 2
    assert result.unknown == ("step-9",)


def test_nothing_ticked_is_every_step_not_done():
    result = rules.checklist_result(CHECKLIST, [])
    assert result.results == {"step-1": False, "step-2": False, "step-3": False}
    assert result.unknown == ()


# Disagreement --------------------------------------------------------------------------------


def test_one_rater_cannot_disagree():
    assert rules.disagreements([rating(respect_for_tissue=1)]) == []


def test_a_difference_of_one_point_is_not_a_disagreement():
    assert rules.disagreements([rating(time_and_motion=3), rating(2, 11, time_and_motion=4)]) == []


def test_two_points_apart_on_one_domain_is_flagged_with_both_scores():
    found = rules.disagreements([rating(respect_for_tissue=2), rating(2, 11, respect_for_tissue=4)])
    assert [(d.domain, d.low, d.high, d.spread) for d in found] == [("respect_for_tissue", 2, 4, 2)]
    assert found[0].title == "Respect for tissue"


def test_with_three_raters_the_extremes_count():
    found = rules.disagreements(
        [rating(flow_of_operation=3), rating(2, 11, flow_of_operation=4), rating(3, 12, flow_of_operation=5)]
    )
    assert [(d.domain, d.low, d.high) for d in found] == [("flow_of_operation", 3, 5)]


def test_several_domains_are_all_flagged_in_scale_order():
    found = rules.disagreements([rating(value=1), rating(2, 11, value=5)])
    assert [d.domain for d in found] == list(DOMAIN_KEYS)


def test_split_judgement():
    assert not rules.split_judgement([rating(), rating(2, 11)])
    assert rules.split_judgement([rating(), rating(2, 11, competent=False)])
    assert not rules.split_judgement([])


def test_mean_scores():
    means = rules.mean_scores([rating(respect_for_tissue=2), rating(2, 11, respect_for_tissue=5)])
    assert means["respect_for_tissue"] == 3.5
    assert means["time_and_motion"] == 4
    assert rules.mean_scores([]) == {}


# Sign-off ------------------------------------------------------------------------------------


def request(**overrides):
    values = {
        "signer_id": 99,
        "signer_certifies": True,
        "trainee_id": 5,
        "trainee_confirmed": True,
        "workshop_open": True,
        "already_signed_off": False,
        "ratings": [rating()],
        "evidence_id": 1,
    }
    values.update(overrides)
    return rules.SignOffRequest(**values)


def test_a_certifier_may_sign_off_on_a_competent_assessment():
    assert rules.sign_off_decision(request()) == rules.Decision(True, ())


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"signer_certifies": False}, "Only certifying faculty"),
        ({"signer_id": 5}, "their own skill"),
        ({"workshop_open": False}, "published or completed"),
        ({"trainee_confirmed": False}, "confirmed place"),
        ({"already_signed_off": True}, "already signed off"),
        ({"ratings": []}, "Nobody has assessed"),
        ({"evidence_id": 42}, "Choose the assessment"),
        ({"evidence_id": None}, "Choose the assessment"),
        ({"ratings": [rating(competent=False)]}, "not yet competent"),
    ],
)
def test_each_reason_to_refuse(overrides, reason):
    decision = rules.sign_off_decision(request(**overrides))
    assert not decision.ok
    assert any(reason in r for r in decision.reasons), decision.reasons


def test_all_reasons_are_listed_together():
    decision = rules.sign_off_decision(
        request(signer_certifies=False, trainee_confirmed=False, already_signed_off=True)
    )
    assert len(decision.reasons) == 3


def test_disagreeing_raters_block_until_the_certifier_reviews_and_explains():
    ratings = [rating(respect_for_tissue=5), rating(2, 11, "Dr. B", respect_for_tissue=3)]
    refused = rules.sign_off_decision(request(ratings=ratings))
    assert not refused.ok
    assert "respect for tissue" in refused.reasons[0]
    no_note = rules.sign_off_decision(request(ratings=ratings, reviewed_disagreement=True))
    assert no_note.reasons == ("Say in the note why you sign off despite the raters' disagreement.",)
    explained = rules.sign_off_decision(
        request(ratings=ratings, reviewed_disagreement=True, note="Watched again.")
    )
    assert explained.ok


def test_a_dissenting_not_yet_competent_judgement_blocks_until_reviewed():
    ratings = [rating(), rating(2, 11, "Dr. B", competent=False)]
    refused = rules.sign_off_decision(request(ratings=ratings))
    assert "Judged not yet competent by Dr. B." in refused.reasons[0]
    assert rules.sign_off_decision(request(ratings=ratings, reviewed_disagreement=True, note="x")).ok


def test_the_evidence_must_itself_be_competent_even_when_reviewed():
    ratings = [rating(competent=False), rating(2, 11, "Dr. B")]
    decision = rules.sign_off_decision(
        request(ratings=ratings, evidence_id=1, reviewed_disagreement=True, note="x")
    )
    assert not decision.ok


def test_revoking_needs_a_standing_sign_off_and_a_reason():
    assert rules.revoke_problems(standing=True, reason="Wrong trainee") == []
    assert len(rules.revoke_problems(standing=False, reason=" ")) == 2


# Progress ------------------------------------------------------------------------------------


def entry(workshop_id, starts_on, identity="MFAT-201/harvest", title="Harvest", signed_off=False, **kw):
    return rules.ProfileEntry(
        identity, title, workshop_id, f"Workshop {workshop_id}", starts_on, rating(**kw), signed_off
    )


def test_progress_groups_by_skill_identity_and_orders_workshops_by_date():
    result = rules.progress(
        [
            entry(2, date(2026, 6, 1), title="Microfat harvest v2", respect_for_tissue=5),
            entry(1, date(2025, 6, 1), respect_for_tissue=2, competent=False, entrustment=2),
            entry(2, date(2026, 6, 1), assessor_id=11, respect_for_tissue=4, signed_off=True),
            entry(1, date(2025, 6, 1), identity="NFAT-301/emulsify", title="Emulsify"),
        ]
    )
    assert [s.identity for s in result] == ["MFAT-201/harvest", "NFAT-301/emulsify"]
    harvest = result[0]
    assert harvest.title == "Microfat harvest v2"  # the newest title
    assert [w.workshop_id for w in harvest.workshops] == [1, 2]
    first, latest = harvest.workshops
    assert (first.raters, first.competent, first.best_entrustment, first.signed_off) == (1, False, 2, False)
    assert latest.raters == 2
    assert latest.means["respect_for_tissue"] == 4.5
    assert latest.mean_total == 4.5 + 6 * 4
    assert latest.signed_off
    assert harvest.change == round(latest.mean_total - first.mean_total, 2)
    assert result[1].change is None


def test_a_tied_judgement_counts_as_not_yet_competent():
    result = rules.progress(
        [entry(1, date(2026, 1, 1)), entry(1, date(2026, 1, 1), assessor_id=11, competent=False)]
    )
    assert not result[0].latest.competent


# The radar chart ------------------------------------------------------------------------------


def test_radar_puts_the_first_axis_straight_up_and_scales_scores_to_the_rim():
    chart = charts.radar([scores(5), scores(0)], size=300)
    centre, radius = 150, 150 - 60
    first = chart.axes[0]
    assert (first.x, first.y) == (centre, centre - radius)
    assert first.anchor == "middle"
    full, empty = chart.polygons
    assert full.split()[0] == f"{float(centre)},{float(centre - radius)}"
    assert set(empty.split()) == {f"{float(centre)},{float(centre)}"}
    assert len(chart.rings) == 5
    assert len(chart.axes) == 7


def test_radar_clamps_values_and_treats_missing_domains_as_zero():
    chart = charts.radar([{"respect_for_tissue": 9}], size=300)
    assert chart.polygons[0].split()[0] == "150.0,60.0"
    assert chart.polygons[0].split()[1] == "150.0,150.0"


def test_radar_labels_on_the_right_start_and_on_the_left_end():
    chart = charts.radar([], size=300)
    assert chart.axes[1].anchor == "start"
    assert chart.axes[-1].anchor == "end"
    assert chart.polygons == ()


# Not applicable domains, critical steps ------------------------------------------------------


def test_a_domain_that_does_not_apply_leaves_the_total_and_its_maximum():
    applicable = scores(4, use_of_assistants=None)
    assert rules.total(applicable) == 24
    assert rules.max_total(applicable) == 30
    assert rules.score_problems(applicable, 4) == {}


def test_a_missing_domain_is_not_the_same_as_not_applicable():
    given = scores(4)
    del given["use_of_assistants"]
    assert list(rules.score_problems(given, 4)) == ["use_of_assistants"]


def test_not_every_domain_may_be_not_applicable():
    problems = rules.score_problems(scores(None), 4)
    assert problems == {
        "respect_for_tissue": ["Rate at least one domain: not every domain can be not applicable."]
    }


def test_raters_and_means_leave_not_applicable_domains_out():
    ratings = [rating(use_of_assistants=None), rating(2, 11, use_of_assistants=1)]
    assert rules.disagreements(ratings) == []
    assert rules.mean_scores(ratings)["use_of_assistants"] == 1
    assert "use_of_assistants" not in rules.mean_scores([rating(use_of_assistants=None)])


def test_critical_steps_not_done_are_named():
    checklist = [
        {"id": "s1", "text": "Marks the area"},
        {"id": "s2", "text": "Gentle suction only", "critical": True},
        {"id": "s3", "text": "Checks the clusters", "critical": True},
    ]
    assert rules.critical_missed(checklist, {"s1": True, "s2": False, "s3": True}) == ("Gentle suction only",)
    assert rules.critical_missed(checklist, {"s2": True, "s3": True}) == ()


# Time and place of an observed attempt -------------------------------------------------------

STARTS = datetime(2026, 5, 11, 14, 35, tzinfo=UTC)


def observed(**overrides):
    values = {
        "label": "\u201cHands-on: harvest\u201d (11 May 2026 16:35 Europe/Rome)",
        "of_workshop": True,
        "teaches_skill": True,
        "cancelled": False,
        "is_break": False,
        "starts_at": STARTS,
    }
    values.update(overrides)
    return rules.ObservedSession(**values)


def test_an_assessment_before_its_session_starts_is_refused_naming_the_session():
    problem = rules.observation_problem(observed(), STARTS - timedelta(hours=3, minutes=21))
    assert problem is not None
    assert "Hands-on: harvest" in problem
    assert "16:35" in problem
    assert "has not started yet" in problem


def test_an_assessment_from_the_start_of_the_session_on_is_taken():
    assert rules.observation_problem(observed(), STARTS) is None
    assert rules.observation_problem(observed(), STARTS + timedelta(days=3)) is None


@pytest.mark.parametrize(
    ("session", "words"),
    [
        (None, "Choose the session"),
        (observed(of_workshop=False), "Choose a station session"),
        (observed(is_break=True), "Choose a station session"),
        (observed(teaches_skill=False), "Choose a station session"),
        (observed(cancelled=True), "was cancelled"),
    ],
)
def test_an_assessment_names_a_real_session_of_the_workshop_that_teaches_the_skill(session, words):
    assert words in rules.observation_problem(session, STARTS + timedelta(hours=1))


# The competence standard ---------------------------------------------------------------------


def test_the_default_standard_is_the_floor_and_says_so_in_words():
    standard = rules.Standard()
    assert (standard.min_domain_score, standard.required_entrustment) == (3, 4)
    assert standard.words == (
        "no applicable OSATS domain below 3 of 5, every critical checklist step done, and O-SCORE "
        "entrustment 4 \u201cI needed to be there in the room just in case\u201d or higher"
    )


def test_a_standard_may_be_stricter_never_looser():
    assert rules.standard_problems(4, 5) == {}
    assert rules.standard_problems(3, 4) == {}
    problems = rules.standard_problems(2, 3)
    assert set(problems) == {"min_domain_score", "required_entrustment"}
    assert "never looser" in problems["min_domain_score"][0]


def test_a_sign_off_below_the_standard_is_refused_with_every_reason():
    weak = rating(value=1, entrustment=1, competent=True, critical_missed=("Gentle suction only",))
    decision = rules.sign_off_decision(request(ratings=[weak]))
    assert not decision.ok
    reasons = "\n".join(decision.reasons)
    for domain in OSATS_DOMAINS:
        assert f"{domain.title} scored 1; the standard asks for at least 3." in reasons
    assert "The critical step \u201cGentle suction only\u201d was not done." in reasons
    assert "Entrustment is 1 \u201cI had to do it\u201d; the standard asks for 4" in reasons
    assert len(decision.reasons) == 9


def test_a_stricter_standard_refuses_what_the_floor_accepts():
    good = rating(value=4, entrustment=4)
    assert rules.sign_off_decision(request(ratings=[good])).ok
    strict = rules.Standard(min_domain_score=5, required_entrustment=5)
    decision = rules.sign_off_decision(request(ratings=[good], standard=strict))
    assert len(decision.reasons) == 8  # seven domains at 4 < 5, entrustment 4 < 5


def test_a_not_applicable_domain_does_not_count_against_the_standard():
    assert rules.sign_off_decision(request(ratings=[rating(use_of_assistants=None)])).ok


def test_evidence_without_an_observed_session_cannot_back_a_sign_off():
    decision = rules.sign_off_decision(request(ratings=[rating(session_id=None)]))
    assert decision.reasons == (
        "The chosen assessment (by Dr. A) names no session at which the trainee was observed on this "
        "workshop; it cannot back a sign-off.",
    )


def test_entrustment_levels_are_the_o_score_anchors_word_for_word():
    assert [level.title for level in ENTRUSTMENT_LEVELS] == [
        "I had to do it",
        "I had to talk them through",
        "I had to prompt them from time to time",
        "I needed to be there in the room just in case",
        "I did not need to be there",
    ]
