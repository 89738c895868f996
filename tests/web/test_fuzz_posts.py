"""Every POST endpoint, fed hostile input by Hypothesis: never a 500, and a user who
may not use an endpoint changes nothing in the database.

The fields of each form are discovered from the pages themselves (any form, on
any page of the access matrix, whose action is the endpoint's URL), so a new
form is fuzzed without anyone listing its fields here.
"""

from __future__ import annotations

import hashlib
import re
from html import unescape

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException

from tests.web import access
from tests.web.access.common import ROLES
from training.extensions import db

ENTRIES = access.all_entries()
POSTS = sorted(key for key in ENTRIES if key[1] == "POST")
REFUSED = {401, 403, 404}


def is_denied(role: str, status: int) -> bool:
    # Anonymous visitors of a protected endpoint are sent to the login page (302).
    return status in REFUSED or (role == "anonymous" and status == 302)


FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
NAMED = re.compile(r"<(input|select|textarea)\b[^>]*\bname=\"([^\"]+)\"", re.I)
ACTION = re.compile(r"\baction=\"([^\"]*)\"", re.I)
METHOD = re.compile(r"\bmethod=\"post\"", re.I)


def discover_fields(client, world, app) -> dict[str, set[str]]:
    """Names of the fields of every POST form on any GET page of the matrix, by the
    endpoint the form is aimed at."""
    adapter = app.url_map.bind("localhost")
    found: dict[str, set[str]] = {}
    for (_, method), entry in ENTRIES.items():
        if method != "GET":
            continue
        page_url = entry.url.format(**vars(world))
        if "{" in page_url or page_url.startswith("/static"):
            continue
        response = client.get(page_url)
        if response.mimetype != "text/html":
            response.close()
            continue
        for attributes, body in FORM.findall(response.text):
            if not METHOD.search(attributes):
                continue
            action = ACTION.search(attributes)
            target = (unescape(action.group(1)) if action else page_url).split("?")[0]
            try:
                endpoint, _ = adapter.match(target, method="POST")
            except HTTPException:
                continue
            found.setdefault(endpoint, set()).update(name for _, name in NAMED.findall(body))
    for names in found.values():
        names.discard("csrf_token")
    return found


# The forms are the same in every test's world: found once, as a guest and as the admin.
_FIELDS: dict[str, set[str]] = {}


def fields_of(endpoint: str, client, world, app) -> set[str]:
    if not _FIELDS:
        client.logout()
        guest = discover_fields(client, world, app)
        client.login(world.admin)
        admin = discover_fields(client, world, app)
        for name in guest.keys() | admin.keys():
            _FIELDS[name] = guest.get(name, set()) | admin.get(name, set())
        _FIELDS.setdefault("", set())  # found, even if no form at all
    return _FIELDS.get(endpoint, set())


def hostile_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=300),
        st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=50),
        st.sampled_from(
            [
                "",
                " ",
                "0",
                "-1",
                "99999999999999999999",
                "1e309",
                "NaN",
                "2026-02-30",
                "25:61",
                "<script>alert(1)</script>",
                "' OR 1=1 --",
                "\x00",
                "../../etc/passwd",
                '=HYPERLINK("x")',
                "a" * 70_000,
            ]
        ),
        st.integers(min_value=-(2**63), max_value=2**63).map(str),
    )


def form_data(fields: set[str], ids: list[int]) -> st.SearchStrategy[dict[str, object]]:
    value = st.one_of(hostile_text(), st.sampled_from(ids).map(str), st.lists(hostile_text(), max_size=3))
    known = st.fixed_dictionaries({}, optional=dict.fromkeys(sorted(fields), value))
    extra = st.dictionaries(st.text(min_size=1, max_size=20), hostile_text(), max_size=3)
    return st.builds(lambda a, b: {**b, **a}, known, extra)


def fingerprint() -> str:
    """A digest of every row of every table: equal digests, unchanged data."""
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        for row in db.session.execute(sa.select(table).order_by(*order)):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


@pytest.mark.parametrize(("endpoint", "method"), POSTS)
def test_hostile_posts(endpoint, method, app, client, make):
    entry = ENTRIES[(endpoint, method)]
    world = access.build_world(make, app)  # every module: forms aimed here may be on any page
    url = entry.url.format(**vars(world))
    # Guests see the sign-up and login forms; the admin sees the rest.
    fields = fields_of(endpoint, client, world, app)
    ids = sorted({value.id for value in vars(world).values() if hasattr(value, "id")})
    allowed = [role for role in ROLES if not is_denied(role, entry.expected[role])]
    denied = [role for role in ROLES if is_denied(role, entry.expected[role])]

    @settings(
        max_examples=15,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=form_data(fields, ids), role=st.sampled_from(allowed + denied))
    def post(data, role):
        client.logout()
        if role != "anonymous":
            client.login(getattr(world, role))
        before = fingerprint() if role in denied else None
        response = client.post(url, data=data)
        response.close()
        assert response.status_code < 500, (role, data)
        if before is not None:
            assert fingerprint() == before, f"{role} changed data through {url} with {data!r}"

    post()
