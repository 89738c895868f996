"""Certificates: eligibility, signed PDFs, verification, revocation and re-issue."""

from typing import Any

from flask import Blueprint
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import BaseConverter

from training.certificates import rules

bp = Blueprint("certificates", __name__)


class SerialConverter(BaseConverter):
    """``<serial:...>`` in a route: links are written without the check character
    (``rules.link_serial``); both forms are read back as the canonical serial, so
    links made before keep working. Other text reaches the view as it is (not found)."""

    def to_python(self, value: str) -> str:
        return rules.serial_from_link(value) or value

    def to_url(self, value: Any) -> str:
        return super().to_url(rules.link_serial(str(value)))


@bp.record_once
def _add_converter(state: BlueprintSetupState) -> None:
    # Before the routes below are added: each looks its converters up as it is added.
    state.app.url_map.converters["serial"] = SerialConverter
