"""The workshops demo: nothing without a curriculum; with one, three real workshops, once."""

import sqlalchemy as sa

from training import demo
from training.extensions import db
from training.workshops import demo as workshops_demo
from training.workshops.models import SessionKind, Workshop, WorkshopState

CODES = [
    "ANAT-101",
    "MFAT-201",
    "MFAT-202",
    "NFAT-301",
    "NFAT-302",
    "NFAT-303",
    "CAL-401",
    "REGN-501",
    "EVID-601",
]


def test_without_a_published_curriculum_nothing_is_made(ctx):
    demo.seed_accounts()
    (line,) = workshops_demo.seed()
    assert "no published curriculum version" in line
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Workshop)) == 0


def test_with_a_curriculum_it_builds_three_workshops_once(ctx, make):
    make.curriculum_version(CODES)
    demo.seed_accounts()
    lines = workshops_demo.seed()
    assert len(lines) == 4
    workshops = {w.title: w for w in db.session.scalars(sa.select(Workshop))}
    assert {w.state for w in workshops.values()} == {
        WorkshopState.PUBLISHED,
        WorkshopState.COMPLETED,
        WorkshopState.DRAFT,
    }
    masterclass = workshops[workshops_demo.MASTERCLASS]
    assert masterclass.state is WorkshopState.PUBLISHED
    assert (masterclass.ends_on - masterclass.starts_on).days == 2
    assert {s.kind for s in masterclass.sessions} == set(SessionKind)
    labs = [s for s in masterclass.sessions if s.kind is SessionKind.CADAVER_LAB]
    assert all(lab.stations for lab in labs)
    staff = {(m.user.email, m.duty.value) for m in masterclass.staff}
    assert staff == {
        ("organizer@example.org", "organizer"),
        ("faculty@example.org", "faculty"),
        ("certifier@example.org", "certifier"),
    }
    assert workshops_demo.seed() == ["Workshops: demo workshops already present."]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Workshop)) == 3
