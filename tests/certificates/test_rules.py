"""The pure certificate rules: serials and their check character, eligibility
with every reason listed, and evaluation averages."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from training.certificates import rules
from training.certificates.models import CertificateKind, QuizPolicy
from training.core.evidence import AttendanceEvidence, QuizEvidence, SkillEvidence

ATTENDANCE, COMPETENCE = CertificateKind.ATTENDANCE, CertificateKind.COMPETENCE
NOW = datetime(2026, 5, 13, 18, 0, tzinfo=UTC)

# --- serials ---


def test_a_serial_is_sixteen_symbols_in_groups_and_a_check_symbol():
    serial = rules.serial_from_bytes(bytes(range(10)))
    assert len(serial) == 21
    groups = serial.split("-")
    assert [len(g) for g in groups] == [4, 4, 4, 4, 1]
    assert set("".join(groups[:4])) <= set(rules.SYMBOLS)
    assert rules.normalise_serial(serial) == serial


def test_serials_from_different_bytes_differ():
    assert rules.serial_from_bytes(b"\x00" * 10) != rules.serial_from_bytes(b"\x00" * 9 + b"\x01")


def test_a_serial_needs_ten_bytes():
    with pytest.raises(ValueError, match="10 random bytes"):
        rules.serial_from_bytes(b"short")


def test_the_check_symbol_is_the_value_modulo_37():
    assert rules.check_symbol("0000000000000000") == "0"
    assert rules.check_symbol("0000000000000001") == "1"
    assert rules.check_symbol("0000000000000015") == "0"  # 1 * 32 + 5 = 37
    assert rules.check_symbol("000000000000000Z") == "Z"  # 31
    assert rules.check_symbol("0000000000000010") == "*"  # 32: the first extra symbol
    assert rules.check_symbol("0000000000000014") == "U"  # 36: the last one


def test_typing_variants_are_read_as_the_same_serial():
    serial = rules.serial_from_bytes(bytes([7, 200, 13, 99, 1, 2, 250, 17, 128, 64]))
    compact = serial.replace("-", "")
    assert rules.normalise_serial(compact.lower()) == serial
    assert rules.normalise_serial(f"  {serial[:10]} {serial[10:]} ") == serial
    with_o = serial.replace("0", "O")
    assert rules.normalise_serial(with_o) == serial


@pytest.mark.parametrize("position", range(16))
def test_any_single_mistyped_symbol_is_caught(position):
    serial = rules.serial_from_bytes(bytes([31, 41, 59, 26, 53, 58, 97, 93, 23, 84])).replace("-", "")
    original = serial[position]
    wrong = next(s for s in rules.SYMBOLS if s != original)
    typo = serial[:position] + wrong + serial[position + 1 :]
    assert rules.normalise_serial(typo) is None


def test_two_swapped_neighbours_are_caught():
    serial = rules.serial_from_bytes(bytes([1, 35, 69, 103, 137, 171, 205, 239, 17, 51])).replace("-", "")
    for i in range(15):
        if serial[i] != serial[i + 1]:
            swapped = serial[:i] + serial[i + 1] + serial[i] + serial[i + 2 :]
            assert rules.normalise_serial(swapped) is None, i


@pytest.mark.parametrize("text", ["", "ABC", "0" * 18, "U" * 17, "!!!!-!!!!-!!!!-!!!!-!", "<script>"])
def test_what_cannot_be_a_serial_is_refused(text):
    assert rules.normalise_serial(text) is None


@pytest.mark.parametrize("last", ["10", "11", "12", "13", "14"])  # check symbols *, ~, $, = and U
def test_links_leave_out_the_check_character_and_read_both_forms_back(last):
    body = "00000000000000" + last
    serial = rules.format_serial(body + rules.check_symbol(body))
    link = rules.link_serial(serial)
    assert link == "0000-0000-0000-00" + last
    assert link.replace("-", "").isalnum()
    assert rules.serial_from_link(link) == serial
    assert rules.serial_from_link(serial) == serial  # a link made before
    assert rules.serial_from_link(link.lower().replace("-", "")) == serial
    assert rules.link_serial(link) == link


def test_a_typed_serial_still_needs_its_check_character():
    serial = rules.serial_from_bytes(bytes([7, 200, 13, 99, 1, 2, 250, 17, 128, 64]))
    assert rules.normalise_serial(rules.link_serial(serial)) is None
    wrong_check = serial[:-1] + ("0" if serial[-1] != "0" else "1")
    assert rules.serial_from_link(wrong_check) is None


@pytest.mark.parametrize("text", ["", "ABC", "U" * 16, "<script>", "not-a-serial"])
def test_what_cannot_be_a_link_serial_is_left_alone(text):
    assert rules.serial_from_link(text) is None
    assert rules.link_serial(text) == text


# --- eligibility ---


def attended(percent="100", threshold="80", missing=()):
    return AttendanceEvidence(720, 720, Decimal(percent), Decimal(threshold), tuple(missing), Decimal("12"))


def quiz(title="Final quiz", passed=True, required=True, score="85", attempts=1):
    return QuizEvidence(1, title, required, passed, Decimal(score) if score else None, attempts)


def skill(identity="MFAT-201/harvest", signed=True):
    return SkillEvidence(
        1,
        identity,
        "Harvest",
        signed,
        "Prof. Rossi" if signed else None,
        datetime(2026, 5, 1, tzinfo=UTC) if signed else None,
        7 if signed else None,
        {"respect_for_tissue": 4},
        4 if signed else None,
    )


HARVEST = rules.RequiredSkill("MFAT-201/harvest", "Microfat harvest")
EMULSIFY = rules.RequiredSkill("NFAT-301/emulsify", "Nanofat emulsification")


def trainee(**fields):
    defaults = {"trainee_id": 1, "account_name": "Dr. Ana Lima", "confirmed_name": "Dr. Ana Lima"}
    return rules.TraineeEvidence(**{**defaults, **fields})


LAST_ENDS = datetime(2026, 5, 13, 16, 50, tzinfo=UTC)  # 18:50 in Rome
LAST_LABEL = "Wed 13 May 2026 18:50 Europe/Rome"


def held_so_far(**fields):
    values = {
        "attended_minutes": 300,
        "scheduled_minutes": 300,
        "percent": Decimal("100"),
        "threshold_percent": Decimal("80"),
        "missing_mandatory": (),
        "credit_hours": Decimal("5"),
        "last_ends_at": LAST_ENDS,
        "last_ends_label": LAST_LABEL,
    }
    return AttendanceEvidence(**{**values, **fields})


def test_nothing_is_certified_before_the_last_counted_session_has_ended():
    evidence = trainee(attendance=held_so_far())
    before = rules.eligibility(
        ATTENDANCE, rules.Requirements(), evidence, now=LAST_ENDS - timedelta(seconds=1)
    )
    assert not before.ok
    assert before.missing == (
        f"Not every session has been held: the last one ends {LAST_LABEL}. "
        "A certificate counts only sessions that have ended.",
    )
    assert before.gaps[0].step == "schedule"
    assert before.met[0] == "Attended 100% of the time held so far (at least 80% required)."
    assert rules.eligibility(ATTENDANCE, rules.Requirements(), evidence, now=LAST_ENDS).ok
    assert not rules.eligibility(COMPETENCE, rules.Requirements(), evidence, now=NOW - timedelta(hours=2)).ok


def test_a_mandatory_session_to_come_is_not_yet_held_and_a_running_one_in_progress_not_missed():
    evidence = trainee(
        attendance=held_so_far(
            mandatory_not_yet_held=("Cadaver lab (Wed 13 May 2026 16:35 Europe/Rome)",),
            mandatory_in_progress=("Live demonstration (Wed 13 May 2026 13:00 Europe/Rome)",),
        )
    )
    result = rules.eligibility(ATTENDANCE, rules.Requirements(), evidence, now=LAST_ENDS - timedelta(hours=5))
    assert result.missing[:2] == (
        "The mandatory session Live demonstration (Wed 13 May 2026 13:00 Europe/Rome) is in progress.",
        "The mandatory session Cadaver lab (Wed 13 May 2026 16:35 Europe/Rome) is not yet held.",
    )
    assert not any("Missed" in reason for reason in result.missing)


def test_many_mandatory_sessions_to_come_make_one_line_naming_the_first():
    to_come = tuple(f"Session {n} (Thu 21 Jan 2027 0{n}:00 Europe/Rome)" for n in range(1, 6))
    evidence = trainee(attendance=held_so_far(mandatory_not_yet_held=to_come))
    result = rules.eligibility(ATTENDANCE, rules.Requirements(), evidence, now=LAST_ENDS - timedelta(hours=5))
    held = [reason for reason in result.missing if "not yet held" in reason]
    assert held == [
        "5 mandatory sessions are not yet held; the first is Session 1 (Thu 21 Jan 2027 01:00 Europe/Rome)."
    ]


def test_before_any_session_is_held_the_share_attended_is_not_called_too_low():
    evidence = trainee(attendance=held_so_far(attended_minutes=0, scheduled_minutes=0, percent=Decimal("0")))
    result = rules.eligibility(ATTENDANCE, rules.Requirements(), evidence, now=LAST_ENDS - timedelta(days=2))
    assert [gap.step for gap in result.gaps] == ["schedule"]


def test_every_gap_says_where_it_is_dealt_with():
    evidence = trainee(
        confirmed_name=None,
        attendance=attended("50", missing=("Live demo",)),
        quizzes=(quiz(passed=False, attempts=0),),
    )
    needs = rules.Requirements(required_skills=(HARVEST,), evaluation_required=True)
    result = rules.eligibility(COMPETENCE, needs, evidence, now=NOW)
    assert [(gap.step, gap.ref) for gap in result.gaps] == [
        ("attendance", None),
        ("attendance", None),
        ("quiz", 1),
        ("skill", None),
        ("evaluation", None),
        ("name", None),
    ]


def test_a_trainee_who_meets_everything_is_eligible_for_attendance():
    result = rules.eligibility(
        ATTENDANCE, rules.Requirements(), trainee(attendance=attended("92.5")), now=NOW
    )
    assert result.ok
    assert result.missing == ()
    assert "Attended 92.5% of the scheduled time (at least 80% required)." in result.met


def test_every_missing_requirement_is_listed_not_only_the_first():
    needs = rules.Requirements(required_skills=(HARVEST, EMULSIFY), evaluation_required=True)
    evidence = trainee(
        confirmed_name=None,
        attendance=attended("62.5", missing=["Cadaver lab (Tue 12 May 09:00 Europe/Rome)"]),
        quizzes=(
            quiz("Anatomy quiz", passed=False, score="40", attempts=2),
            quiz("Safety quiz", passed=False, score=None, attempts=0),
        ),
        skills=(skill("MFAT-201/harvest", signed=False),),
    )
    result = rules.eligibility(COMPETENCE, needs, evidence, now=NOW)
    assert not result.ok
    assert result.missing == (
        "Attended 62.5% of the scheduled time; at least 80% is required.",
        "Missed the mandatory session Cadaver lab (Tue 12 May 09:00 Europe/Rome).",
        "Has not passed the quiz \u201cAnatomy quiz\u201d (40%), after 2 attempts.",
        "Has not taken the quiz \u201cSafety quiz\u201d.",
        "Skill \u201cMicrofat harvest\u201d is not signed off.",
        "Skill \u201cNanofat emulsification\u201d is not signed off.",
        "Has not completed the course evaluation.",
        "Has not confirmed the name to print on the certificate.",
    )


def test_attendance_exactly_at_the_threshold_is_enough():
    result = rules.eligibility(
        ATTENDANCE, rules.Requirements(), trainee(attendance=attended("80", "80")), now=NOW
    )
    assert result.ok


def test_attendance_just_under_the_threshold_is_not():
    result = rules.eligibility(
        ATTENDANCE, rules.Requirements(), trainee(attendance=attended("79.9", "80")), now=NOW
    )
    assert result.missing == ("Attended 79.9% of the scheduled time; at least 80% is required.",)


def test_no_attendance_record_is_a_reason():
    result = rules.eligibility(ATTENDANCE, rules.Requirements(), trainee(), now=NOW)
    assert result.missing == ("No attendance is recorded.",)


def test_a_missed_mandatory_session_blocks_even_with_full_attendance():
    result = rules.eligibility(
        ATTENDANCE, rules.Requirements(), trainee(attendance=attended("95", missing=["Live demo"])), now=NOW
    )
    assert result.missing == ("Missed the mandatory session Live demo.",)


@pytest.mark.parametrize(
    ("policy", "missing"),
    [
        (QuizPolicy.MARKED, ("Has not passed the quiz \u201cRequired\u201d (50%), after 1 attempt.",)),
        (
            QuizPolicy.ALL,
            (
                "Has not passed the quiz \u201cRequired\u201d (50%), after 1 attempt.",
                "Has not passed the quiz \u201cOptional\u201d (30%), after 3 attempts.",
            ),
        ),
        (QuizPolicy.NONE, ()),
    ],
)
def test_the_quiz_policy_decides_which_quizzes_count(policy, missing):
    quizzes = (
        quiz("Required", passed=False, score="50"),
        quiz("Optional", passed=False, required=False, score="30", attempts=3),
    )
    result = rules.eligibility(
        ATTENDANCE,
        rules.Requirements(quiz_policy=policy),
        trainee(attendance=attended(), quizzes=quizzes),
        now=NOW,
    )
    assert result.missing == missing


def test_a_passed_quiz_is_listed_as_met():
    result = rules.eligibility(
        ATTENDANCE, rules.Requirements(), trainee(attendance=attended(), quizzes=(quiz(),)), now=NOW
    )
    assert "Passed the quiz \u201cFinal quiz\u201d (85%)." in result.met


def test_skills_do_not_matter_for_the_attendance_certificate():
    needs = rules.Requirements(required_skills=(HARVEST,))
    assert rules.eligibility(ATTENDANCE, needs, trainee(attendance=attended()), now=NOW).ok


def test_competence_names_the_signed_off_skills():
    needs = rules.Requirements(required_skills=(HARVEST,))
    result = rules.eligibility(COMPETENCE, needs, trainee(attendance=attended(), skills=(skill(),)), now=NOW)
    assert result.ok
    assert [s.identity for s in result.skills] == ["MFAT-201/harvest"]
    assert "Skill \u201cMicrofat harvest\u201d signed off by Prof. Rossi." in result.met


def test_a_signed_off_attempt_counts_even_after_an_unsigned_one():
    needs = rules.Requirements(required_skills=(HARVEST,))
    evidence = trainee(attendance=attended(), skills=(skill(signed=False), skill()))
    assert rules.eligibility(COMPETENCE, needs, evidence, now=NOW).ok


def test_competence_without_any_required_skill_is_refused():
    result = rules.eligibility(COMPETENCE, rules.Requirements(), trainee(attendance=attended()), now=NOW)
    assert result.missing == ("No skill is set to be certified on this workshop.",)


def test_competence_when_the_workshop_does_not_award_it():
    needs = rules.Requirements(required_skills=(HARVEST,), competence_enabled=False)
    result = rules.eligibility(COMPETENCE, needs, trainee(attendance=attended(), skills=(skill(),)), now=NOW)
    assert result.missing == ("This workshop does not award a certificate of competence.",)


def test_a_cancelled_or_draft_workshop_certifies_nothing():
    result = rules.eligibility(
        ATTENDANCE, rules.Requirements(workshop_open=False), trainee(attendance=attended()), now=NOW
    )
    assert result.missing == ("The workshop is not running: it is a draft or was cancelled.",)


def test_the_evaluation_counts_only_when_required():
    done = trainee(attendance=attended(), evaluation_done=True)
    assert (
        "Completed the course evaluation."
        in rules.eligibility(ATTENDANCE, rules.Requirements(evaluation_required=True), done, now=NOW).met
    )
    assert rules.eligibility(ATTENDANCE, rules.Requirements(), trainee(attendance=attended()), now=NOW).ok


# --- evaluation ---


def test_average_with_distribution():
    result = rules.average([5, 4, 4, 2])
    assert result == rules.Average(4, Decimal("3.8"), (0, 1, 0, 2, 1))


def test_average_of_nothing():
    assert rules.average([]) == rules.Average(0, None, (0, 0, 0, 0, 0))


def test_comments_need_three_answers():
    assert not rules.comments_visible(2)
    assert rules.comments_visible(3)
