"""Input a person could send on purpose to break a page: a clear answer, never a 500."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa
from PIL import Image

from tests.web import access
from training.curriculum.models import Question, VersionState
from training.extensions import db


def png(width=300, height=200) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, format="PNG")
    return out.getvalue()


def test_deeply_nested_hotspot_regions_are_refused_with_a_message(client, make):
    draft = make.curriculum_version(["HOTS-101"], state=VersionState.DRAFT, questions_per_module=0)
    module = draft.modules[0]
    client.login(make.faculty())
    for regions in ("[" * 20_000 + "]" * 20_000, '[{"shape": "circle", "x": [[[[[1]]]]]}]'):
        response = client.post(
            f"/modules/{module.id}/hotspot-questions/new",
            data={
                "stem": "Where?",
                "objective_id": str(module.objectives[0].id),
                "hotspots": regions,
                "image": (io.BytesIO(png()), "x.png"),
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == 422
        assert "The regions could not be read: draw them again." in response.text
    assert db.session.scalar(sa.select(sa.func.count(Question.id))) == 0


def _get_forms_fields(html: str) -> list[str]:
    """The names of the text inputs of the page's GET forms (its search boxes)."""
    names = []
    for form in re.findall(r"<form\b[^>]*>.*?</form>", html, re.S | re.I):
        opening = form[: form.index(">")]
        if re.search(r'method="post"', opening, re.I):
            continue
        for tag in re.findall(r"<input\b[^>]*>", form):
            kind = re.search(r'type="([^"]+)"', tag)
            name = re.search(r'name="([^"]+)"', tag)
            if name and (kind is None or kind.group(1) in ("text", "search", "email")):
                names.append(name.group(1))
    return names


# Pages whose search boxes must be among those tried (the test cannot pass by finding none).
SEARCH_PAGES = {
    "accounts.users",
    "main.audit_log",
    "certificates.registry",
    "quizzes.gradebook",
    "workshops.index",
}


def test_nul_in_any_search_field_is_ignored_not_a_server_error(app, client, make):
    world = access.build_world(make, app)
    tried = set()
    for (endpoint, method), entry in sorted(access.all_entries().items()):
        if method != "GET":
            continue
        role = next(
            (r for r in ("admin", "organizer", "faculty", "trainee") if entry.expected[r] == 200), None
        )
        if role is None:
            continue
        url = entry.url.format(**vars(world))
        client.login(getattr(world, role))
        page = client.get(url)
        if page.status_code != 200 or page.mimetype != "text/html":
            page.close()
            continue
        names = _get_forms_fields(page.text)
        if not names:
            continue
        separator = "&" if "?" in url else "?"
        query = "&".join(f"{name}=ab%00c" for name in sorted(set(names)))
        response = client.get(f"{url}{separator}{query}")
        assert response.status_code < 500, f"{url}{separator}{query}"
        assert "\x00" not in response.text
        tried.add(endpoint)
    assert tried >= SEARCH_PAGES, SEARCH_PAGES - tried


def test_nul_in_a_form_field_is_dropped_before_it_is_stored(client, make):
    trainee = client.login(make.trainee(full_name="Dr. Ana Lima"))
    response = client.post(
        "/profile",
        data={
            "full_name": "Dr. Ana\x00 Lima-Souza",
            "email": trainee.email,
            "specialty": trainee.specialty,
            "registration_number": trainee.registration_number,
            "institution": "Hospital\x00 das Clínicas",
            "country": trainee.country,
        },
    )
    assert response.status_code == 302
    db.session.refresh(trainee)
    assert (trainee.full_name, trainee.institution) == ("Dr. Ana Lima-Souza", "Hospital das Clínicas")
