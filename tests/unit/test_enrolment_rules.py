"""Seats, the window, prerequisites and the organizer's CSV file, without an app."""

from datetime import UTC, date, datetime, timedelta

import pytest

from training.accounts.models import SPECIALTIES
from training.enrolments import rules
from training.enrolments.forms import country_lookup
from training.enrolments.models import EnrolmentState
from training.workshops.models import PrerequisitePolicy, WorkshopState

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


# Seats ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("capacity", "confirmed", "waitlisted", "expected"),
    [
        (10, 0, 0, rules.Seat(EnrolmentState.CONFIRMED)),
        (10, 9, 0, rules.Seat(EnrolmentState.CONFIRMED)),
        (10, 10, 0, rules.Seat(EnrolmentState.WAITLISTED, 1)),
        (10, 10, 3, rules.Seat(EnrolmentState.WAITLISTED, 4)),
        # A seat freed while others wait belongs to them, not to the newcomer.
        (10, 9, 2, rules.Seat(EnrolmentState.WAITLISTED, 3)),
        (0, 0, 0, rules.Seat(EnrolmentState.WAITLISTED, 1)),
        # Capacity lowered below the confirmed count: nobody new gets a seat.
        (5, 7, 0, rules.Seat(EnrolmentState.WAITLISTED, 1)),
    ],
)
def test_a_newcomer_gets_a_free_seat_only_when_nobody_waits(capacity, confirmed, waitlisted, expected):
    assert rules.seat_for_newcomer(capacity, confirmed, waitlisted) == expected


def test_free_seats_go_to_the_head_of_the_waitlist():
    assert rules.to_promote(10, 9, [7, 3, 5]) == [7]
    assert rules.to_promote(10, 7, [7, 3, 5]) == [7, 3, 5]
    assert rules.to_promote(10, 6, [7, 3]) == [7, 3]
    assert rules.to_promote(10, 10, [7, 3]) == []
    assert rules.to_promote(10, 12, [7]) == []
    assert rules.to_promote(10, 5, []) == []


def test_seat_summary():
    summary = rules.SeatSummary(capacity=10, confirmed=4, waitlisted=0)
    assert (summary.left, summary.full) == (6, False)
    assert rules.SeatSummary(10, 10, 2).full
    assert rules.SeatSummary(5, 7, 0).left == 0


# The window ------------------------------------------------------------------------------------


def window(state=WorkshopState.PUBLISHED, opens=None, closes=NOW + timedelta(days=1)):
    return rules.Window(state, opens, closes)


def test_open_while_published_and_inside_the_window():
    assert rules.enrolment_refusal(window(opens=NOW - timedelta(days=1)), NOW) is None
    assert rules.enrolment_refusal(window(), NOW) is None


@pytest.mark.parametrize(
    ("state", "words"),
    [
        (WorkshopState.DRAFT, "not published"),
        (WorkshopState.CANCELLED, "cancelled"),
        (WorkshopState.COMPLETED, "already taken place"),
    ],
)
def test_refused_unless_published_even_for_organizers(state, words):
    assert words in rules.enrolment_refusal(window(state), NOW)
    assert words in rules.enrolment_refusal(window(state), NOW, by_organizer=True)


def test_refused_before_opening_and_from_closing_but_not_for_organizers():
    early = window(opens=NOW + timedelta(seconds=1))
    assert rules.enrolment_refusal(early, NOW) == "Enrolment has not opened yet."
    late = window(closes=NOW)
    assert rules.enrolment_refusal(late, NOW) == "Enrolment for this workshop has closed."
    assert rules.enrolment_refusal(early, NOW, by_organizer=True) is None
    assert rules.enrolment_refusal(late, NOW, by_organizer=True) is None


def test_without_a_closing_time_enrolment_closes_when_the_first_day_starts_at_the_venue():
    closes = rules.closes_at(None, date(2026, 5, 4), "Asia/Tokyo")
    assert closes == datetime(2026, 5, 3, 15, 0, tzinfo=UTC)
    given = datetime(2026, 4, 1, tzinfo=UTC)
    assert rules.closes_at(given, date(2026, 5, 4), "Asia/Tokyo") is given


# Prerequisites ------------------------------------------------------------------------------------


def test_required_codes_leave_out_what_the_workshop_teaches_itself():
    taught = [("NFAT-301", ["MFAT-201", "ANAT-101"]), ("MFAT-201", ["ANAT-101"])]
    assert rules.required_codes(taught) == {"ANAT-101"}
    assert rules.required_codes([("X", [])]) == set()


def test_off_checks_nothing():
    check = rules.check_prerequisites(PrerequisitePolicy.OFF, {"A"}, set())
    assert check.allowed
    assert not check.warning
    assert check.missing == ()


def test_warn_names_what_is_missing_but_allows():
    check = rules.check_prerequisites(PrerequisitePolicy.WARN, {"B", "A"}, {"C"}, {"A": "Anatomy"})
    assert check.allowed
    assert check.warning
    assert check.missing == ("A", "B")
    assert check.message() == "Recommended first: the prerequisite modules A Anatomy, B."


def test_required_refuses_naming_every_missing_module():
    check = rules.check_prerequisites(
        PrerequisitePolicy.REQUIRED, {"ANAT-101", "MFAT-201"}, {"MFAT-201"}, {"ANAT-101": "Facial anatomy"}
    )
    assert not check.allowed
    assert check.message() == (
        "Enrolment needs the prerequisite module ANAT-101 Facial anatomy, completed in an earlier workshop."
    )


def test_required_and_satisfied_allows():
    check = rules.check_prerequisites(PrerequisitePolicy.REQUIRED, {"A"}, {"A", "B"})
    assert check.allowed
    assert not check.warning
    assert check.missing == ()


# The CSV file ------------------------------------------------------------------------------------------


def parse(text: str) -> rules.ParsedFile:
    return rules.parse_roster(text, specialties=SPECIALTIES, countries=country_lookup())


def test_a_clean_file_gives_its_rows_in_order():
    parsed = parse(
        "name,email,specialty,country\n"
        "Dr. Ana Costa,Ana.Costa@Example.org,dermatology,PT\n"
        'Dr. Jan Novak,jan@example.org,"Plastic, reconstructive and aesthetic surgery",Czechia\n'
    )
    assert parsed.clean
    assert parsed.rows == [
        rules.ImportRow(2, "Dr. Ana Costa", "ana.costa@example.org", "Dermatology", "PT"),
        rules.ImportRow(
            3, "Dr. Jan Novak", "jan@example.org", "Plastic, reconstructive and aesthetic surgery", "CZ"
        ),
    ]


def test_headings_in_any_order_and_case_semicolons_and_blank_lines():
    parsed = parse("Country;E-mail;Full name;Speciality\r\n\r\nit;a@example.org;Dr. A;Dermatology\r\n")
    assert parsed.clean
    assert parsed.rows == [rules.ImportRow(3, "Dr. A", "a@example.org", "Dermatology", "IT")]


def test_every_bad_row_is_reported_with_its_line():
    parsed = parse(
        "name,email,specialty,country\n"
        "Dr. Good,good@example.org,Dermatology,FR\n"
        "X,not-an-address,Astrology,Atlantis\n"
        "Dr. Twice,GOOD@example.org,Dermatology,FR\n"
        "Dr. Short,short@example.org,Dermatology\n"
        ",,,\n"
        "Dr. Nobody,,,\n"
    )
    lines = dict(parsed.problems)
    assert sorted(lines) == [3, 4, 5, 7]
    assert "the name must be 2 to 200 characters" in lines[3]
    assert "'not-an-address' is not an e-mail address" in lines[3]
    assert "unknown specialty 'Astrology'" in lines[3]
    assert "unknown country 'Atlantis'" in lines[3]
    assert lines[4] == "good@example.org is already on line 2"
    assert lines[5] == "has 3 cells where the header has 4"
    assert "the e-mail address is missing" in lines[7]
    assert "the specialty is missing" in lines[7]
    assert "the country is missing" in lines[7]


def test_addresses_are_checked_as_the_forms_check_them():
    parsed = parse(
        "name,email,specialty,country\n"
        "Dr. Dots,ana..costa@example.org,Dermatology,PT\n"
        "Dr. Reserved,ana@hospital.invalid,Dermatology,PT\n"
        "Dr. Accent,josé@hospital.example.org,Dermatology,PT\n"
    )
    lines = dict(parsed.problems)
    assert lines == {
        2: "'ana..costa@example.org' is not an e-mail address",
        3: "'ana@hospital.invalid' is not an e-mail address",
    }
    assert [row.email for row in parsed.rows] == ["josé@hospital.example.org"]


def test_a_quoted_field_over_two_lines_keeps_the_following_line_numbers_right():
    parsed = parse('name,email,specialty,country\n"Dr. Two\nLines",a@example.org,Dermatology,FR\nX,b,c,d\n')
    assert parsed.rows[0].name == "Dr. Two Lines"
    assert [line for line, _ in parsed.problems] == [4]


@pytest.mark.parametrize(
    ("header", "words"),
    [
        ("name,email,specialty", "missing country"),
        ("name,email,specialty,country,phone", "unknown phone"),
        ("name,email,email,specialty,country", "twice email"),
        ("Name;Mail;Specialty;Country", "missing email; unknown Mail"),
    ],
)
def test_wrong_columns_refuse_the_whole_file(header, words):
    with pytest.raises(rules.FileRefused, match="must name the columns") as refused:
        parse(header + "\nDr. A,a@example.org,Dermatology,FR\n")
    assert words in str(refused.value)


def test_a_header_without_rows_is_reported():
    assert parse("name,email,specialty,country\n").problems == [(0, "The file has a header but no rows.")]


def test_too_many_rows():
    body = "".join(f"Dr. P{i},p{i}@example.org,Dermatology,FR\n" for i in range(rules.MAX_IMPORT_ROWS + 5))
    parsed = parse("name,email,specialty,country\n" + body)
    assert parsed.problems == [
        (rules.MAX_IMPORT_ROWS + 2, f"more than {rules.MAX_IMPORT_ROWS} rows; split the file")
    ]


# Reading the upload --------------------------------------------------------------------------------


def test_utf8_with_or_without_a_byte_order_mark():
    assert rules.decode_upload("name\nDr. Müller".encode()) == "name\nDr. Müller"
    assert rules.decode_upload("\ufeffname\nDr. Müller".encode()) == "name\nDr. Müller"


def test_latin1_is_refused_naming_the_line():
    with pytest.raises(rules.FileRefused, match=r"not UTF-8 text \(line 2"):
        rules.decode_upload("name\nDr. Müller\n".encode("latin-1"))


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"PK\x03\x04rest-of-a-workbook", "Excel workbook"),
        (b"%PDF-1.7", "a PDF"),
        (b"\x89PNG\r\n", "an image"),
        ("name,email".encode("utf-16"), "not a text file"),
        (b"   \n", "empty"),
        (b"a" * (rules.MAX_IMPORT_BYTES + 1), "larger than"),
    ],
)
def test_what_is_not_a_csv_text_is_refused(data, words):
    with pytest.raises(rules.FileRefused, match=words):
        rules.decode_upload(data)
