"""The audit log's changes in words: labels, yes/no, lists and mappings spelled out,
times in the venue's zone or in UTC (said), dates as dates."""

from training.core.audit import Change, describe_changes, describe_value, field_label


def test_labels_are_words_not_keys():
    assert field_label("cme_designated_credits") == "CME credits designated"
    assert field_label("registration_number") == "Registration number"
    assert field_label("faculty_id") == "Faculty"
    assert field_label("step-3") == "Step 3"


def test_times_are_in_the_venue_zone_or_in_utc_and_say_which():
    moment = "2027-01-21T07:30:00+00:00"
    assert describe_value(moment, zone="Europe/Rome") == "21 Jan 2027 08:30 Europe/Rome"
    assert describe_value(moment) == "21 Jan 2027 07:30 UTC"
    # Across the change to summer time the offset follows the date.
    assert describe_value("2026-03-29T07:30:00+00:00", zone="Europe/Rome") == "29 Mar 2026 09:30 Europe/Rome"
    assert describe_value("2027-01-21") == "21 Jan 2027"


def test_values_are_said_in_words():
    assert describe_value(True) == "yes"
    assert describe_value(None) == "—"
    assert describe_value([]) == "none"
    assert describe_value(["ANAT-101", "MFAT-201"]) == "ANAT-101, MFAT-201"
    assert describe_value({"step-1": True, "step-2": False}) == "step 1: yes; step 2: no"
    assert describe_value("cadaver_lab") == "cadaver lab"
    assert describe_value("IT", key="country") == "Italy"
    assert describe_value("Via del Sole 1") == "Via del Sole 1"


def test_an_edit_shows_old_and_new_a_creation_only_new():
    edit = describe_changes(
        {"cme_designated_credits": None, "state": "draft"},
        {"cme_designated_credits": "18.00", "state": "published"},
    )
    assert edit == [
        Change("CME credits designated", "—", "18.00"),
        Change("State", "draft", "published"),
    ]
    created = describe_changes(None, {"starts_at": "2027-01-21T07:30:00+00:00"}, zone="Europe/Rome")
    assert created == [Change("Starts", None, "21 Jan 2027 08:30 Europe/Rome")]
    assert describe_changes(None, None) == []


def test_nothing_raw_reaches_the_page():
    rows = describe_changes(
        None, {"checklist": {"step-1": True}, "roles": ["admin"], "competent": False, "session_id": 21}
    )
    text = " ".join(f"{row.label} {row.new}" for row in rows)
    for raw in ("{", "}", "[", "'", "True", "False", "None", "_"):
        assert raw not in text, raw
