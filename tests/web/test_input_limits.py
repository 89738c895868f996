"""Input a person could send on purpose to break a page: a clear answer, never a 500."""

from __future__ import annotations

import io

import sqlalchemy as sa
from PIL import Image

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
