"""Which base URLs lead to this computer only, and when the app is reached elsewhere."""

from __future__ import annotations

import pytest

from training.certificates.rules import verification_link_refusal
from training.core.urls import is_local, served_elsewhere


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5000",
        "http://127.8.0.1",
        "http://localhost:8000",
        "http://LOCALHOST.:8000",
        "http://training.localhost",
        "http://[::1]:5000",
        "http://[::ffff:127.0.0.1]:5000",
        "http://0.0.0.0:8000",
    ],
)
def test_addresses_of_this_computer_are_local(url):
    assert is_local(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://training.example.org",
        "http://192.168.1.20:8000",
        "http://[2001:db8::1]:5000",
        "http://localhost.example.org",
        "http://127.0.0.1.example.org",
        "not a url",
        "http://127.0.0.1:port",
    ],
)
def test_other_addresses_are_not(url):
    assert not is_local(url)


@pytest.mark.parametrize(
    ("base", "served", "elsewhere"),
    [
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000/", False),
        ("http://127.0.0.1:5000", "http://localhost:5000/", False),  # the same server, another name
        ("http://127.0.0.1:5000", "http://127.0.0.1:8000/", True),  # `flask run --port 8000`
        ("http://127.0.0.1:5000", "http://training.example.org/", True),
        ("http://127.0.0.1:5000", "http://192.168.1.20:5000/", True),
        ("http://localhost", "http://127.0.0.1:80/", False),
        ("https://training.example.org", "http://127.0.0.1:5000/", False),  # a public base is right
        ("http://127.0.0.1:5000", "http://garbage:port/", False),
    ],
)
def test_a_local_base_url_is_wrong_when_the_app_is_reached_elsewhere(base, served, elsewhere):
    assert served_elsewhere(base, served) is elsewhere


def test_certificates_refuse_a_local_link_unless_local_links_are_allowed():
    refusal = verification_link_refusal("http://127.0.0.1:5000", local_allowed=False)
    assert refusal is not None
    assert "TRAINING_BASE_URL is http://127.0.0.1:5000" in refusal
    assert "public address" in refusal
    assert len(f"Stopped: {refusal}") <= 300  # a failed job's message keeps all of it
    assert verification_link_refusal("http://127.0.0.1:5000", local_allowed=True) is None
    assert verification_link_refusal("https://training.example.org", local_allowed=False) is None
