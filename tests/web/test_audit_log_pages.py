"""The audit log reads as sentences a person can check: changes in words with times in
the venue's zone, and a filter by the person concerned (name or e-mail, no ids)."""

import re
from html import unescape

from training.core import audit
from training.extensions import db


def record(make, target, action, *, old=None, new=None, workshop_id=None, actor=None):
    event = audit.record(
        action, target, actor=actor, summary=f"{action} happened", old=old, new=new, workshop_id=workshop_id
    )
    db.session.commit()
    return event


def changes_of(page: str, action: str) -> str:
    row = re.search(rf"<tr>(?:(?!</tr>).)*<code>{re.escape(action)}</code>(.*?)</tr>", page, re.S)
    assert row, f"no row for {action}"
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", row.group(1))))


def test_changes_are_shown_in_words_with_times_in_the_venue_zone(client, make):
    admin = make.admin()
    workshop = make.workshop(timezone="America/Sao_Paulo")
    record(
        make,
        workshop,
        "workshop.updated",
        old={"enrolment_closes_at": "2027-05-03T21:00:00+00:00", "cme_designated_credits": None},
        new={"enrolment_closes_at": "2027-05-04T21:00:00+00:00", "cme_designated_credits": "8.00"},
        workshop_id=workshop.id,
    )
    record(
        make, admin, "user.checked", new={"checklist": {"step-1": True, "step-2": False}, "competent": True}
    )
    client.login(admin)
    page = client.get("/admin/audit").text
    updated = changes_of(page, "workshop.updated")
    assert (
        "Enrolment closes : 03 May 2027 18:00 America/Sao_Paulo → 04 May 2027 18:00 America/Sao_Paulo"
        in updated
    )
    assert "CME credits designated : — → 8.00" in updated
    checked = changes_of(page, "user.checked")
    assert "Checklist : step 1: yes; step 2: no" in checked
    assert "Competent : yes" in checked
    assert "{" not in checked
    assert "True" not in checked


def test_the_log_filters_by_the_person_concerned_by_name_or_e_mail(client, make):
    admin = make.admin()
    chosen = make.trainee(full_name="Dr. Inès Vautrin", email="ines.vautrin@example.org")
    other = make.trainee(full_name="Dr. Other Person")
    record(make, chosen, "user.profile_changed", old={"city": "Lyon"}, new={"city": "Paris"}, actor=admin)
    record(
        make, other, "user.roles_changed", old={"roles": ["trainee"]}, new={"roles": ["faculty"]}, actor=admin
    )
    client.login(admin)
    form = client.get("/admin/audit").text
    assert 'name="about"' in form
    assert "users:12" not in form  # no internal ids to type
    for query in ("vautrin", "ines.vautrin@example.org", "INÈS"):
        found = client.get("/admin/audit", query_string={"about": query}).text
        assert "<code>user.profile_changed</code>" in found, query
        assert "<code>user.roles_changed</code>" not in found, query
    # The person's own page links to their history the same way.
    detail = client.get(f"/admin/users/{chosen.id}").text
    link = re.search(r'href="(/admin/audit\?[^"]+)">All history of this account', detail).group(1)
    assert "about=ines.vautrin@example.org" in link
    assert "<code>user.profile_changed</code>" in client.get(link.replace("&amp;", "&")).text
