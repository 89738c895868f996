"""The pieces other pages include: the workshop panel, the dashboard tile and the menu."""

from flask import render_template
from flask_login import login_user

from training.certificates import services
from training.certificates.rules import link_serial
from training.core import page_parts


def render(user, template, **context):
    """The partial as its page renders it: with the data its page's view works out."""
    login_user(user)
    if "workshop" in context:
        context["panels"] = page_parts.panels_for(context["workshop"], user)
    else:
        context["tiles"] = page_parts.tiles_for(user)
    return render_template(template, **context)


def test_the_workshop_panel_guides_the_trainee(ctx, make):
    workshop = make.workshop()
    trainee = make.enrolment(workshop).trainee
    html = render(trainee, "certificates/_workshop_panel.html", workshop=workshop)
    assert "Has not confirmed the name to print on the certificate." in html
    assert f"/workshops/{workshop.id}/certificate-name" in html
    assert f"/workshops/{workshop.id}/evaluation" in html
    services.confirm_name(workshop, "Dr. Panel Person", actor=trainee)
    certificate = make.certificate(workshop, trainee)
    html = render(trainee, "certificates/_workshop_panel.html", workshop=workshop)
    assert "Dr. Panel Person" in html
    assert f"/certificates/{link_serial(certificate.serial)}/pdf" in html
    assert "Eligibility and issuing" not in html


def test_the_workshop_panel_links_staff_to_their_pages(ctx, make):
    workshop = make.workshop()
    certifier_html = render(workshop.certifier, "certificates/_workshop_panel.html", workshop=workshop)
    assert f"/workshops/{workshop.id}/certificates" in certifier_html
    assert "Evaluation results" not in certifier_html
    organizer_html = render(workshop.organizer, "certificates/_workshop_panel.html", workshop=workshop)
    assert "Evaluation results" in organizer_html
    assert f"/workshops/{workshop.id}/certificates.zip" in organizer_html
    assert render(make.trainee(), "certificates/_workshop_panel.html", workshop=workshop).strip() == ""


def test_the_dashboard_tile_and_menu(ctx, make):
    workshop = make.workshop()
    certificate = make.certificate(workshop)
    assert "You hold 1 valid certificate." in render(certificate.trainee, "certificates/_dashboard.html")
    assert render(make.trainee(), "certificates/_dashboard.html").strip() == ""
    assert "My certificates" in render(certificate.trainee, "certificates/_nav.html")
    assert "Certificate registry" in render(make.admin(), "certificates/_nav.html")
