"""Under test, a view that forgets to check permissions fails loudly."""

import pytest

from training import create_app
from training.config import TestConfig
from training.extensions import db


@pytest.fixture
def careless_app(tmp_path, database_url):
    app = create_app(TestConfig(tmp_path / "instance", database_url))

    @app.route("/forgot-to-check")
    def forgot_to_check():
        return "secret"

    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_view_without_a_permission_check_is_an_error(careless_app):
    with pytest.raises(AssertionError, match=r"neither calls permissions\.ensure"):
        careless_app.test_client().get("/forgot-to-check")
