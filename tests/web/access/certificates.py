"""The certificates pages in the access matrix.

The world's faculty member certifies ``cert_workshop`` (organized by the world's
organizer), on which the world's trainee holds a certificate. ``foreign`` is a
certificate of someone else on another workshop: to the trainee ("another
trainee's certificate"), the faculty member ("faculty of another workshop") and
the organizer it does not exist (404); the admin sees it. Other combinations are
in tests/certificates/test_web.py.
"""

from tests.web.access.common import TO_LOGIN, Entry, admin_only, everyone, only, signed_in


def build(world, make) -> None:
    world.cert_workshop = make.workshop(organizer=world.organizer, faculty=[], certifiers=[world.faculty])
    make.enrolment(world.cert_workshop, world.trainee)
    world.certificate = make.certificate(world.cert_workshop, world.trainee)
    other_workshop = make.workshop()
    world.foreign = make.certificate(other_workshop)


W = "/workshops/{cert_workshop.id}"
C = "/certificates/{certificate.serial}"
CERTIFIER_OR_ADMIN = {"anonymous": TO_LOGIN, "trainee": 403, "faculty": 302, "organizer": 403, "admin": 302}
TRAINEE_ONLY = only("trainee")

ENTRIES = {
    ("certificates.eligibility", "GET"): Entry(f"{W}/certificates", only("faculty", "organizer", "admin")),
    ("certificates.edit_rules", "GET"): Entry(
        f"{W}/certificates/rules", only("faculty", "organizer", "admin")
    ),
    # Nothing chosen: refused with the form shown again.
    ("certificates.edit_rules", "POST"): Entry(
        f"{W}/certificates/rules", only("faculty", "organizer", "admin", status=422)
    ),
    # An empty form is refused with a message on the eligibility page.
    ("certificates.issue", "POST"): Entry(f"{W}/certificates/issue", CERTIFIER_OR_ADMIN),
    ("certificates.issue_all", "POST"): Entry(f"{W}/certificates/issue-all", CERTIFIER_OR_ADMIN),
    ("certificates.download_all", "GET"): Entry(f"{W}/certificates.zip", only("organizer", "admin")),
    ("certificates.evaluation_results", "GET"): Entry(f"{W}/evaluation/results", only("organizer", "admin")),
    ("certificates.evaluate", "GET"): Entry(f"{W}/evaluation", TRAINEE_ONLY),
    ("certificates.evaluate", "POST"): Entry(f"{W}/evaluation", only("trainee", status=422)),
    ("certificates.confirm_name", "GET"): Entry(f"{W}/certificate-name", TRAINEE_ONLY),
    ("certificates.confirm_name", "POST"): Entry(f"{W}/certificate-name", only("trainee", status=422)),
    # The trainee's own progress; for anyone without a seat on the workshop it does not exist.
    ("certificates.progress", "GET"): Entry(f"{W}/progress", {**signed_in(404), "trainee": 200}),
    ("certificates.mine", "GET"): Entry("/certificates", signed_in()),
    ("certificates.detail", "GET"): Entry(C, signed_in()),
    ("certificates.download", "GET"): Entry(
        "/certificates/{foreign.serial}/pdf", {**signed_in(404), "anonymous": TO_LOGIN, "admin": 200}
    ),
    # Without a reason: refused with the form shown again. The holder and the organizer may not revoke.
    ("certificates.revoke", "POST"): Entry(
        f"{C}/revoke", {"anonymous": TO_LOGIN, "trainee": 403, "faculty": 422, "organizer": 403, "admin": 422}
    ),
    # Not eligible any more (no evidence in this world): refused with a message on the certificate page.
    ("certificates.reissue", "POST"): Entry(f"{C}/reissue", CERTIFIER_OR_ADMIN),
    ("certificates.registry", "GET"): Entry("/admin/certificates", admin_only()),
    ("certificates.design_page", "GET"): Entry("/admin/certificates/design", admin_only()),
    # No file chosen: refused with the form shown again.
    ("certificates.design_page", "POST"): Entry("/admin/certificates/design", admin_only(status=422)),
    # Already the default seal: a message, back to the page.
    ("certificates.default_seal", "POST"): Entry("/admin/certificates/design/default-seal", admin_only(302)),
    # No seal uploaded in this world: the default seal's static file.
    ("certificates.seal_image", "GET"): Entry("/admin/certificates/seal", admin_only(302)),
    ("certificates.signature", "GET"): Entry("/profile/signature", only("faculty", "admin")),
    ("certificates.signature", "POST"): Entry("/profile/signature", only("faculty", "admin", status=422)),
    ("certificates.remove_signature", "POST"): Entry(
        "/profile/signature/remove", only("faculty", "admin", status=302)
    ),
    # Nobody has uploaded one in this world.
    ("certificates.signature_image", "GET"): Entry(
        "/profile/signature/image", only("faculty", "admin", status=404)
    ),
    ("certificates.issuer_certificate", "GET"): Entry("/certificates/issuer.pem", everyone()),
    ("certificates.verify_form", "GET"): Entry("/verify", everyone()),
    ("certificates.verify", "GET"): Entry("/verify/{certificate.serial}", everyone()),
    ("certificates.verify_json", "GET"): Entry("/verify/{certificate.serial}.json", everyone()),
    # Open Badges: the badge as the certificate page (the holder, its certifier, admins); what
    # verifiers read is public.
    ("certificates.badge_jwt", "GET"): Entry(f"{C}/badge.jwt", signed_in()),
    ("certificates.badge_json", "GET"): Entry(
        # A .json address is answered as JSON: 401 rather than the login page.
        "/certificates/{foreign.serial}/badge.json",
        {**signed_in(404), "anonymous": 401, "admin": 200},
    ),
    ("certificates.badge_jwks", "GET"): Entry("/.well-known/jwks.json", everyone()),
    ("certificates.badge_issuer", "GET"): Entry("/badges/issuer", everyone()),
    ("certificates.badge_status_list", "GET"): Entry("/badges/status/revocation", everyone()),
}
