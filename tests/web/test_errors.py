"""Error pages: the app's own layout, a clear message, never a stack trace."""

import pytest
from flask import abort

from training import create_app
from training.config import TestConfig
from training.core.errors import Conflict
from training.core.permissions import public
from training.extensions import db

LAYOUT_MARK = 'class="navbar-brand'


def assert_error_page(response, status, message):
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert LAYOUT_MARK in response.text
    assert message in response.text
    assert "Traceback" not in response.text


def test_403_in_layout(client, make):
    client.login(make.trainee())
    assert_error_page(client.get("/admin/users"), 403, "You do not have permission")


def test_404_in_layout(client):
    assert_error_page(client.get("/no/such/page"), 404, "There is nothing at this address")


def test_405_in_layout(client):
    assert_error_page(client.get("/logout"), 405, "cannot be used that way")


def test_413_in_layout(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        response = client.post("/login", data={"email": "x" * 5000, "password": "y"})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024
    assert_error_page(response, 413, "too large")


def test_400_for_a_forged_form(client):
    assert_error_page(client.post("/login", data={}, csrf=False), 400, "did not come from this site")


def test_json_clients_get_json_errors(client):
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json == {"error": response.json["error"], "status": 404}
    assert "nothing at this address" in response.json["error"]


@pytest.fixture
def fragile_app(tmp_path, database_url):
    """An app with routes that fail on purpose."""
    app = create_app(TestConfig(tmp_path / "instance", database_url))
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error handler answers

    @app.route("/boom")
    @public
    def boom():
        raise RuntimeError("secret internal detail")

    @app.route("/refused")
    @public
    def refused():
        raise Conflict("This seat was just taken.")

    @app.route("/bad")
    @public
    def bad():
        abort(400)

    yield app
    with app.app_context():
        db.engine.dispose()


def test_500_hides_the_error_and_logs_it(fragile_app, caplog):
    response = fragile_app.test_client().get("/boom")
    assert_error_page(response, 500, "Something went wrong on our side")
    assert "secret internal detail" not in response.text
    assert "secret internal detail" in caplog.text


def test_500_for_json_clients_is_json(fragile_app):
    response = fragile_app.test_client().get("/boom", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert "secret" not in response.text
    assert response.json["status"] == 500


def test_an_unhandled_domain_refusal_is_a_4xx_not_a_500(fragile_app):
    response = fragile_app.test_client().get("/refused")
    assert_error_page(response, 409, "This seat was just taken.")


def test_400_in_layout(fragile_app):
    assert_error_page(fragile_app.test_client().get("/bad"), 400, "could not be understood")


def test_an_id_too_large_for_the_database_is_not_found(client, make):
    client.login(make.admin())
    for url in ("/admin/users/99999999999999999999", "/admin/users/2147483648", "/jobs/9223372036854775808"):
        response = client.get(url)
        assert response.status_code == 404, url
