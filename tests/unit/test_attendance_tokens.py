"""Check-in tokens and typed codes: bound to a session and a window, one window of drift."""

from datetime import UTC, datetime, timedelta

import pytest

from training.attendance import tokens

SECRET = "unit-test-secret"
NOW = datetime(2026, 5, 11, 7, 0, 10, tzinfo=UTC)
W = tokens.WINDOW_SECONDS


def test_windows_last_between_30_and_60_seconds():
    assert 30 <= W <= 60
    window = tokens.window_at(NOW)
    assert window.starts_at_epoch <= NOW.timestamp() < window.ends_at_epoch
    assert tokens.window_at(NOW + timedelta(seconds=W)).number == window.number + 1
    assert 0 < tokens.seconds_left(NOW) <= W


def test_a_token_is_accepted_in_its_window_and_one_either_side():
    window = tokens.window_at(NOW).number
    token = tokens.make_token(SECRET, 7, window)
    for shift in (-W, 0, W):
        assert tokens.read_token(SECRET, token, session_id=7, at=NOW + timedelta(seconds=shift)) == window


@pytest.mark.parametrize("shift", [2 * W, -2 * W, 10 * 60])
def test_an_older_or_far_future_token_is_refused_as_expired(shift):
    token = tokens.make_token(SECRET, 7, tokens.window_at(NOW).number)
    with pytest.raises(tokens.TokenRefused, match="expired"):
        tokens.read_token(SECRET, token, session_id=7, at=NOW + timedelta(seconds=shift))


def test_a_token_of_another_session_is_refused():
    token = tokens.make_token(SECRET, 7, tokens.window_at(NOW).number)
    with pytest.raises(tokens.TokenRefused, match="another session"):
        tokens.read_token(SECRET, token, session_id=8, at=NOW)


@pytest.mark.parametrize(
    "token",
    [
        "7-123",
        "",
        "garbage",
        tokens.make_token("another-secret", 7, 1),
        tokens.make_token(SECRET, 7, 1)[:-2] + "xx",
        "7-x." + tokens.make_token(SECRET, 7, 1).split(".")[-1],
    ],
)
def test_forged_or_damaged_tokens_are_refused(token):
    with pytest.raises(tokens.TokenRefused, match="not valid"):
        tokens.read_token(SECRET, token, session_id=7, at=NOW)


def test_a_signed_token_without_numbers_is_refused():
    forged = tokens._signer(SECRET).sign("seven-now").decode()
    with pytest.raises(tokens.TokenRefused, match="not valid"):
        tokens.read_token(SECRET, forged, session_id=7, at=NOW)


def test_the_short_code_has_six_digits_differs_by_session_and_window_and_allows_spaces():
    window = tokens.window_at(NOW).number
    code = tokens.short_code(SECRET, 7, window)
    assert len(code) == 6
    assert code.isdigit()
    assert code != tokens.short_code(SECRET, 8, window)
    assert code != tokens.short_code(SECRET, 7, window + 2)
    assert tokens.code_matches(SECRET, 7, tokens.format_code(code), NOW)
    assert tokens.code_matches(SECRET, 7, code, NOW + timedelta(seconds=W))
    assert not tokens.code_matches(SECRET, 7, code, NOW + timedelta(seconds=2 * W))
    assert not tokens.code_matches(SECRET, 8, code, NOW)


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦", "²²²²²²"])
def test_malformed_codes_never_match(typed):
    assert not tokens.code_matches(SECRET, 7, typed, NOW)


def test_a_scan_ticket_carries_the_scan_time_for_ten_minutes():
    ticket = tokens.make_scan_ticket(SECRET, 7, NOW, user_id=3)
    scan = tokens.read_scan_ticket(SECRET, ticket, at=NOW + timedelta(minutes=9))
    assert (scan.session_id, scan.scanned_at_epoch) == (7, int(NOW.timestamp()))
    with pytest.raises(tokens.TokenRefused, match="expired"):
        tokens.read_scan_ticket(SECRET, ticket, at=NOW + timedelta(minutes=11))
    with pytest.raises(tokens.TokenRefused, match="not valid"):
        tokens.read_scan_ticket("another-secret", ticket, at=NOW)


def test_a_scan_ticket_belongs_to_the_user_or_the_browser_that_scanned():
    signed_in = tokens.read_scan_ticket(SECRET, tokens.make_scan_ticket(SECRET, 7, NOW, user_id=3), at=NOW)
    assert signed_in.belongs_to(3, None)
    assert not signed_in.belongs_to(4, None)
    guest = tokens.read_scan_ticket(SECRET, tokens.make_scan_ticket(SECRET, 7, NOW, nonce="abc"), at=NOW)
    assert guest.belongs_to(4, "abc")
    assert not guest.belongs_to(4, None)
    assert not guest.belongs_to(4, "abd")
    assert not guest.belongs_to(4, "é")


def test_a_scan_ticket_names_exactly_one_owner():
    for owners in ({}, {"user_id": 3, "nonce": "abc"}):
        with pytest.raises(tokens.TokenRefused, match="not valid"):
            tokens.read_scan_ticket(SECRET, tokens.make_scan_ticket(SECRET, 7, NOW, **owners), at=NOW)
