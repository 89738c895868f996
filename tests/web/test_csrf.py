"""Every POST endpoint refuses a request without a valid CSRF token."""

import pytest

from tests.web import access

POSTS = sorted(key for key in access.all_entries() if key[1] == "POST")


@pytest.mark.parametrize(("endpoint", "method"), POSTS)
def test_post_without_token_is_refused(endpoint, method, app, client, make):
    world = access.build_world(make, app)
    url = access.all_entries()[(endpoint, method)].url.format(**vars(world))
    client.login(world.admin)
    response = client.post(url, data={}, csrf=False)
    assert response.status_code == 400
    assert "did not come from this site" in response.text


def test_a_token_from_another_session_is_refused(app, client, make):
    someone_elses = app.test_client().csrf_token()
    user = client.login(make.trainee(full_name="Dr. Original"))
    response = client.post("/profile", data={"csrf_token": someone_elses, "full_name": "Changed"}, csrf=False)
    assert response.status_code == 400
    assert user.full_name == "Dr. Original"


def test_the_token_in_a_header_is_accepted_for_scripts(client, make):
    client.login(make.trainee())
    response = client.post("/logout", headers={"X-CSRFToken": client.csrf_token()}, csrf=False)
    assert response.status_code == 302
    assert client.get("/profile").status_code == 302  # logged out: sent to the login page
