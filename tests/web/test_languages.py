"""Which language a page is in: the person's choice, else the browser's, else the programme's."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from email.header import decode_header, make_header

import pytest
import sqlalchemy as sa

from tests.support.client import form_values
from training.accounts.models import User
from training.core.i18n import localized
from training.core.venue_time import at_venue

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
    session.commit()
    client.login(user)
    response = client.get("/profile", headers=SPANISH)
    assert response.status_code == 200
    assert html_lang(response) == "pt-PT"


# Signing up from a Spanish or Portuguese browser --------------------------------------------

STRONG = "sutura tendón bisturí quirófano"


def signup_data(**changes):
    data = {
        "full_name": "Dra. Lucía Fernández",
        "email": "lucia.fernandez@example.org",
        "specialty": "Plastic, reconstructive and aesthetic surgery",
        "registration_number": "28-4411",
        "institution": "Hospital Universitario La Paz",
        "country": "ES",
        "password": STRONG,
        "confirm": STRONG,
    }
    data.update(changes)
    return data


def subject_of(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def body_of(message) -> str:
    return message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")


@pytest.fixture
def smtp(app, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    yield smtp_server
    app.config["SMTP_URL"] = None


def test_a_spanish_visitor_signs_up_and_gets_the_mail_in_spanish(client, smtp, session):
    login = client.get("/login", headers=SPANISH)
    assert html_lang(login) == "es"
    assert "Iniciar sesión" in login.text
    assert "¿Ha olvidado su contraseña?" in login.text
    assert "Correo electrónico" in login.text

    page = client.get("/signup", headers=SPANISH)
    assert html_lang(page) == "es"
    assert "Cree su cuenta de cirujano/a en formación" in page.text
    assert "Exactamente como debe figurar en sus certificados." in page.text
    assert 'value="es" selected' in page.text or 'selected value="es"' in page.text  # the browser's

    response = client.post("/signup", data=signup_data(language="es"), headers=SPANISH, follow_redirects=True)
    assert "Revise su correo: hemos enviado un mensaje a lucia.fernandez@example.org." in response.text
    user = session.scalar(sa.select(User).where(User.email == "lucia.fernandez@example.org"))
    assert user.language == "es"

    (received,) = smtp.inbox.to("lucia.fernandez@example.org")
    assert subject_of(received) == "Confirme su dirección de correo electrónico"
    body = body_of(received)
    assert body.startswith("Estimado/a Dra. Lucía Fernández:")
    assert "Gracias por registrarse" in body
    assert "La oficina del programa" in body
    link = re.search(r"http://training\.test(/signup/confirm/\S+)", body).group(1)

    confirmed = client.post(link, headers=SPANISH, follow_redirects=True)
    assert "Bienvenido/a, Dra. Lucía Fernández. Su cuenta está lista." in confirmed.text
    subjects = [subject_of(m) for m in smtp.inbox.to("lucia.fernandez@example.org")]
    assert subjects[-1] == "Bienvenido/a al programa de formación"


def test_a_portuguese_visitor_signs_up_in_european_portuguese(client, smtp, session):
    page = client.get("/signup", headers=PORTUGUESE)
    assert html_lang(page) == "pt-PT"
    assert "Crie a sua conta de cirurgião/ã em formação" in page.text
    response = client.post(
        "/signup",
        data=signup_data(email="joana.silva@example.org", full_name="Dra. Joana Silva", language="pt"),
        headers=PORTUGUESE,
        follow_redirects=True,
    )
    assert "Consulte o seu e-mail: enviámos uma mensagem para joana.silva@example.org." in response.text
    (received,) = smtp.inbox.to("joana.silva@example.org")
    assert subject_of(received) == "Confirme o seu endereço de e-mail"
    assert body_of(received).startswith("Caro(a) Dra. Joana Silva,")


def test_the_language_chosen_at_sign_up_beats_the_browsers(client, mails, session):
    client.post("/signup", data=signup_data(language="pt"), headers=SPANISH)
    (message,) = mails("lucia.fernandez@example.org")
    assert message.subject == "Confirme o seu endereço de e-mail"


def test_the_language_set_on_the_profile_overrides_the_browser(client, make, session):
    user = client.login(make.trainee(country="ES"))
    assert html_lang(client.get("/profile", headers=SPANISH)) == "es"
    form = form_values(client.get("/profile", headers=SPANISH).text)
    form["language"] = "pt"
    saved = client.post("/profile", data=form, headers=SPANISH, follow_redirects=True)
    assert html_lang(saved) == "pt-PT"
    assert "Os seus dados foram guardados." in saved.text
    session.refresh(user)
    assert user.language == "pt"
    # And back to English, whatever the browser says.
    form["language"] = "en"
    again = client.post("/profile", data=form, headers=PORTUGUESE, follow_redirects=True)
    assert html_lang(again) == "en"
    assert "Your details are saved." in again.text


def test_a_language_the_interface_does_not_offer_is_refused(client, make, session):
    user = client.login(make.trainee())
    form = form_values(client.get("/profile").text)
    form["language"] = "de"
    response = client.post("/profile", data=form)
    assert response.status_code == 200
    assert "Not a valid choice" in response.text
    session.refresh(user)
    assert user.language is None


def test_a_mail_goes_out_in_the_recipients_language_whoever_asks(client, make, mails, session):
    user = make.trainee(email="ana.costa@example.org")
    user.language = "pt"
    session.commit()
    # The reset is asked for from an English browser: the mail is still in Portuguese.
    client.post("/password/forgot", data={"email": "ana.costa@example.org"})
    (message,) = mails("ana.costa@example.org")
    assert message.subject == "Reponha a sua palavra-passe"
    assert "Alguém (esperamos que o próprio) pediu a reposição da palavra-passe" in message.body


def test_countries_are_named_and_sorted_in_the_pages_language(client):
    html = client.get("/signup", headers=SPANISH).text
    select = re.search(r'<select[^>]*name="country".*?</select>', html, re.S).group(0)
    names = re.findall(r'<option[^>]*value="[A-Z]{2}"[^>]*>([^<]+)</option>', select)
    assert "Alemania" in names
    assert "España" in names
    assert "Germany" not in names
    assert names.index("Alemania") < names.index("Austria") < names.index("Bélgica") < names.index("Brasil")
    # Accents sort with their letter: Émirats-like names beside E, not after Z.
    assert names.index("España") < names.index("Estados Unidos") < names.index("Etiopía")


def test_dates_read_in_the_pages_language(app):
    with app.test_request_context(headers=SPANISH):
        starts = datetime(2026, 12, 8, 8, 30, tzinfo=UTC)
        assert at_venue(starts, "Europe/Madrid", "%a %d %b %Y %H:%M") == "mar 08 dic 2026 09:30 Europe/Madrid"
        assert localized(starts.date(), "%d %B %Y") == "08 diciembre 2026"
    with app.test_request_context(headers=PORTUGUESE):
        assert localized(date(2026, 5, 1), "%A %d %B %Y") == "sexta-feira 01 maio 2026"
    with app.test_request_context():
        assert (
            at_venue(datetime(2026, 12, 8, 8, 30, tzinfo=UTC), "Europe/Madrid")
            == "2026-12-08 09:30 Europe/Madrid"
        )
        assert localized(date(2026, 5, 1), "%a %d %b %Y") == "Fri 01 May 2026"


def test_a_spanish_trainee_enrols_and_is_told_in_spanish(client, make, mails, session):
    workshop = make.workshop(capacity=3)
    make.enrolment(workshop)
    trainee = make.trainee()
    trainee.language = "es"
    session.commit()
    client.login(trainee)
    page = client.get(f"/workshops/{workshop.id}/enrolment")
    assert html_lang(page) == "es"
    assert "Quedan 2 de 3 plazas" in page.text
    assert 'data-testid="enrol">Inscribirme<' in page.text
    response = client.post(f"/workshops/{workshop.id}/enrol", follow_redirects=True)
    assert f"Se ha inscrito en {workshop.title}." in response.text
    assert "Su plaza está <strong>confirmada</strong>." in response.text
    (message,) = mails(trainee.email)
    assert message.subject == f"Su plaza está confirmada: {workshop.title}"
    assert "Su plaza está confirmada en:" in message.body
