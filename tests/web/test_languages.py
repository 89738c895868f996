"""Which language a page is in: the person's choice, else the browser's, else the programme's."""

from __future__ import annotations

import re

SPANISH = {"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"}
PORTUGUESE = {"Accept-Language": "pt-PT,pt;q=0.9"}


def html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True))
    assert match, "no <html lang>"
    return match.group(1)


def test_a_browser_that_asks_for_nothing_gets_english(client):
    response = client.get("/profile", follow_redirects=True)
    assert html_lang(response) == "en"
    assert "Please log in to open this page." in response.get_data(as_text=True)


def test_a_spanish_browser_gets_spanish(client):
    response = client.get("/profile", headers=SPANISH, follow_redirects=True)
    assert html_lang(response) == "es"
    assert "Inicie sesión para abrir esta página." in response.get_data(as_text=True)


def test_a_portuguese_browser_gets_european_portuguese(client):
    response = client.get("/profile", headers=PORTUGUESE, follow_redirects=True)
    assert html_lang(response) == "pt-PT"
    assert "Inicie sessão para abrir esta página." in response.get_data(as_text=True)


def test_a_language_the_interface_lacks_falls_back_to_the_programmes(client):
    response = client.get("/profile", headers={"Accept-Language": "de-DE,de;q=0.9"}, follow_redirects=True)
    assert html_lang(response) == "en"


def test_the_persons_choice_overrides_the_browser(client, make, session):
    user = make.trainee()
    user.language = "pt"
    session.flush()
    client.login(user)
    response = client.get("/profile", headers=SPANISH)
    assert response.status_code == 200
    assert html_lang(response) == "pt-PT"
