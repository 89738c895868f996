"""Every endpoint x every kind of user x every method gives the expected status."""

import pytest

from tests.web import access
from tests.web.access.common import ROLES

ENTRIES = access.all_entries()
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def routes(app):
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - IGNORED_METHODS
    }


def test_every_endpoint_and_method_has_a_row(app):
    missing = sorted(routes(app) - ENTRIES.keys())
    assert not missing, f"add these to tests/web/access/: {missing}"


def test_every_row_is_a_real_endpoint(app):
    stale = sorted(ENTRIES.keys() - routes(app))
    assert not stale, f"these rows name no endpoint: {stale}"


@pytest.mark.parametrize(("endpoint", "method"), sorted(ENTRIES))
def test_access(endpoint, method, app, client, make):
    entry = ENTRIES[(endpoint, method)]
    world = access.build_world(make, app, (endpoint, method))
    url = entry.url.format(**vars(world))
    got = {}
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.login(getattr(world, role))
        response = client.open(url, method=method)
        got[role] = response.status_code
        response.close()
        if response.status_code == 302 and role == "anonymous" and entry.expected[role] == 302:
            # an anonymous redirect must be to the login page or a public page, never into the app
            assert response.location.startswith(("/login", "/")), response.location
    assert got == entry.expected, f"{method} {url}"
