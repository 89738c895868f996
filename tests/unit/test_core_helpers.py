"""Small shared pieces: configuration, CSV safety, mail settings and backoff."""

import csv
import io
import os
import stat
from datetime import timedelta

import pytest

from training.config import load_or_create_secret, normalise_database_url
from training.core.csv import csv_response, safe_cell, safe_row, write_csv
from training.core.mail import SmtpSettings, backoff


class TestSecretKey:
    def test_is_created_once_readable_by_owner_only(self, tmp_path):
        path = tmp_path / "instance" / "secret_key"
        first = load_or_create_secret(path)
        assert len(first) >= 40
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert load_or_create_secret(path) == first

    def test_two_installations_get_different_keys(self, tmp_path):
        assert load_or_create_secret(tmp_path / "a") != load_or_create_secret(tmp_path / "b")


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_urls_use_psycopg_for_postgresql(given, used):
    assert normalise_database_url(given) == used


class TestCsvCells:
    @pytest.mark.parametrize("value", ['=HYPERLINK("x")', "+1", "-2+3", "@SUM(A1)", "\tx"])
    def test_formulas_become_text(self, value):
        assert safe_cell(value) == "'" + value

    def test_other_values_are_unchanged(self):
        assert safe_row(["Dr. Marín", 12, None, "a=b"]) == ["Dr. Marín", 12, None, "a=b"]


def test_a_csv_download_has_a_byte_order_mark_escapes_formulas_and_reads_back():
    response = csv_response("roster.csv", ["name", "score"], [["=HYPERLINK(1)", 3], ["Dr. Marín", ""]])
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="roster.csv"'
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(body.removeprefix("\ufeff")))) == [
        ["name", "score"],
        ["'=HYPERLINK(1)", "3"],
        ["Dr. Marín", ""],
    ]


def test_a_csv_file_is_written_the_same_way_as_a_download():
    handle = io.StringIO(newline="")
    write_csv(handle, ["id", "name"], iter([[1, "+44 20"]]))
    assert handle.getvalue() == "\ufeffid,name\r\n1,'+44 20\r\n"


class TestSmtpSettings:
    def test_plain_with_credentials(self):
        s = SmtpSettings.from_url("smtp://mailer:s%40cret@mail.example.org:2525")
        assert (s.host, s.port, s.username, s.password, s.security) == (
            "mail.example.org",
            2525,
            "mailer",
            "s@cret",
            "none",
        )

    def test_starttls_and_default_port(self):
        s = SmtpSettings.from_url("smtp://mail.example.org?starttls=1")
        assert (s.port, s.security) == (25, "starttls")

    def test_implicit_tls(self):
        s = SmtpSettings.from_url("smtps://mail.example.org")
        assert (s.port, s.security) == (465, "ssl")

    def test_other_schemes_are_refused(self):
        with pytest.raises(ValueError, match="smtp://"):
            SmtpSettings.from_url("http://mail.example.org")


def test_backoff_doubles_and_stops_at_an_hour():
    assert [backoff(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert backoff(20) == timedelta(hours=1)
