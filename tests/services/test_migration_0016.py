"""Migration 0016 carries existing records over as its docstring says: entrustment levels
onto the O-SCORE, and "CME credit hours offered" onto an accreditation that never designates
more than the scheduled educational hours."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from tests.support import database
from training import create_app
from training.config import TestConfig
from training.extensions import db

SCHEMA = "migration_0016"
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def app_at_0013(run_dir, database_url, tmp_path):
    url = database.separate_url(database_url, run_dir, SCHEMA)
    database.recreate(url, schema=SCHEMA)
    app = create_app(TestConfig(tmp_path / "instance", url))
    with app.app_context():
        upgrade(revision="0013")
    yield app
    with app.app_context():
        db.engine.dispose()
    database.drop(url, SCHEMA)


def insert(connection, name, **values):
    table = sa.Table(name, sa.MetaData(), autoload_with=connection)
    stamps = {c: NOW for c in ("created_at", "updated_at") if c in table.c}
    return connection.execute(table.insert().values(**stamps, **values)).inserted_primary_key[0]


def workshop(connection, version_id, title, credit_hours):
    return insert(
        connection,
        "workshops",
        title=title,
        description="",
        curriculum_version_id=version_id,
        venue_name="Anatomy Institute",
        venue_address="",
        city="Lisbon",
        country="PT",
        timezone="Europe/Lisbon",
        starts_on=date(2026, 4, 1),
        ends_on=date(2026, 4, 2),
        capacity=10,
        cme_credit_hours=Decimal(credit_hours),
        state="completed",
        prerequisite_policy="off",
        cancellation_reason="",
    )


def session(connection, workshop_id, kind, hours, *, cancelled=False, day=0):
    starts = datetime(2026, 4, 1 + day, 9, 0, tzinfo=UTC)
    return insert(
        connection,
        "workshop_sessions",
        workshop_id=workshop_id,
        title=f"{kind} {hours} h",
        description="",
        kind=kind,
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        room="",
        mandatory=False,
        cancelled=cancelled,
        sequence=0,
    )


def test_existing_records_are_carried_over_as_documented(app_at_0013):
    with app_at_0013.app_context(), db.engine.begin() as connection:
        users = [
            insert(
                connection,
                "users",
                email=f"u{n}@example.org",
                full_name=f"U {n}",
                active=True,
                session_token=f"t{n}",
            )
            for n in range(2)
        ]
        curriculum = insert(connection, "curricula", slug="c", title="C")
        version = insert(
            connection,
            "curriculum_versions",
            curriculum_id=curriculum,
            number=1,
            state="published",
            title="C",
            description="",
            owner="",
            version_notes="",
            vocabulary={},
        )
        module = insert(
            connection,
            "modules",
            version_id=version,
            code="NFAT-301",
            title="Nanofat",
            summary="",
            kinds=[],
            planned_minutes=60,
            regions=[],
            layers=[],
            key_facts=[],
            prerequisites=[],
            references=[],
            position=0,
        )
        skill = insert(
            connection,
            "skills",
            module_id=module,
            key="prep",
            title="Prep",
            description="",
            checklist=[],
            position=0,
        )
        # Lisbon offered 14 hours for 7 hours of education (a break and a cancelled session do not count).
        lisbon = workshop(connection, version, "Lisbon", 14)
        for day in (0, 1):
            session(connection, lisbon, "lecture", 1.5, day=day)
            session(connection, lisbon, "hands_on", 2, day=day)
        session(connection, lisbon, "break", 1)
        session(connection, lisbon, "hands_on", 3, cancelled=True, day=1)
        insert(
            connection,
            "attendance_settings",
            workshop_id=lisbon,
            min_percent=Decimal(80),
            excused_policy="count_as_absent",
            late_grace_minutes=10,
            daily_credit_cap_hours=Decimal(5),
        )
        modest = workshop(connection, version, "Modest", 2)
        session(connection, modest, "lecture", 3)
        workshop(connection, version, "Unscheduled", 6)
        free = workshop(connection, version, "Free", 0)
        session(connection, free, "lecture", 3)
        for level in range(1, 6):
            insert(
                connection,
                "assessments",
                workshop_id=lisbon,
                trainee_id=users[0],
                skill_id=skill,
                assessor_id=users[1]
                if level == 1
                else insert(
                    connection,
                    "users",
                    email=f"a{level}@example.org",
                    full_name="A",
                    active=True,
                    session_token=f"a{level}",
                ),
                checklist={},
                respect_for_tissue=4,
                time_and_motion=4,
                instrument_handling=4,
                knowledge_of_instruments=4,
                use_of_assistants=4,
                flow_of_operation=4,
                knowledge_of_procedure=4,
                entrustment=level,
                competent=True,
                feedback=f"level {level}",
            )
    with app_at_0013.app_context():
        upgrade()
        with db.engine.connect() as connection:
            levels = dict(connection.execute(sa.text("SELECT feedback, entrustment FROM assessments")).all())
            rows = {
                row.title: row
                for row in connection.execute(
                    sa.text(
                        "SELECT title, cme_accreditor, cme_statement, cme_designated_credits, cme_daily_cap "
                        "FROM workshops"
                    )
                )
            }
    assert levels == {"level 1": 1, "level 2": 2, "level 3": 4, "level 4": 5, "level 5": 5}
    assert (rows["Lisbon"].cme_accreditor, Decimal(rows["Lisbon"].cme_designated_credits)) == (
        "Not recorded",
        7,
    )
    assert rows["Lisbon"].cme_statement == ""  # no statement is invented
    assert Decimal(rows["Lisbon"].cme_daily_cap) == 5
    assert Decimal(rows["Modest"].cme_designated_credits) == 2
    assert Decimal(rows["Modest"].cme_daily_cap) == 6
    for title in ("Unscheduled", "Free"):
        assert rows[title].cme_designated_credits is None
        assert rows[title].cme_accreditor == ""
