"""Trustworthy assessments and CME accreditation

Assessments:
- An OSATS domain may be "not applicable": the seven score columns become nullable
  (a NULL score is left out of the total). Existing scores are unchanged.
- Entrustment moves to the O-SCORE scale (1 "I had to do it" ... 5 "I did not need to be
  there"). Existing levels were on a supervision scale; they map by what each level
  claimed about the observed attempt, never to a level that claims more:
      1 Observe only          -> 1 "I had to do it"
      2 Direct supervision    -> 2 "I had to talk them through"
      3 Indirect supervision  -> 4 "I needed to be there in the room just in case"
      4 Unsupervised          -> 5 "I did not need to be there"
      5 May supervise         -> 5 "I did not need to be there"
  Sign-offs and issued certificates keep what they recorded.
- competence_standards: a workshop's competence standard (lowest domain score 3-5,
  entrustment required 4-5); workshops without a row use the floor (3 and 4).
- Critical checklist steps need no column: a step of Skill.checklist (JSON) carries
  "critical": true when the curriculum says so.

CME/CPD:
- workshops.cme_credit_hours ("CME credit hours offered") is replaced by an accreditation
  (cme_accreditor, cme_statement, cme_designated_credits, cme_daily_cap). A workshop that
  offered credit keeps an accreditation with the accreditor "Not recorded" and no statement
  (so no statement is printed), designated credits = the hours offered, capped at its
  scheduled educational hours (sessions that are not breaks and not cancelled, rounded
  down to a quarter hour); when nothing is scheduled it is left unaccredited.
- attendance_settings.daily_credit_cap_hours moves to workshops.cme_daily_cap (default 6,
  as EACCME); a workshop without settings gets 6.
"""

from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

DOMAINS = (
    "respect_for_tissue",
    "time_and_motion",
    "instrument_handling",
    "knowledge_of_instruments",
    "use_of_assistants",
    "flow_of_operation",
    "knowledge_of_procedure",
)
TO_O_SCORE = {1: 1, 2: 2, 3: 4, 4: 5, 5: 5}
# Going back cannot recover the old level; each O-SCORE level returns to the lowest old
# level that maps onto it.
FROM_O_SCORE = {1: 1, 2: 2, 3: 2, 4: 3, 5: 4}
NOT_RECORDED = "Not recorded"
WORKSHOPS = sa.table(
    "workshops",
    sa.column("id", sa.Integer),
    sa.column("cme_accreditor", sa.String),
    sa.column("cme_designated_credits", sa.Numeric(5, 2)),
    sa.column("cme_daily_cap", sa.Numeric(4, 2)),
)


def _remap_entrustment(mapping: dict[int, int]) -> None:
    column = sa.column("entrustment")
    case = sa.case(*((column == old, new) for old, new in mapping.items()), else_=column)
    op.execute(sa.table("assessments", sa.column("entrustment")).update().values(entrustment=case))


def upgrade():
    op.create_table(
        "competence_standards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("min_domain_score", sa.SmallInteger(), nullable=False),
        sa.Column("required_entrustment", sa.SmallInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "min_domain_score BETWEEN 3 AND 5", name=op.f("ck_competence_standards_min_domain_score_range")
        ),
        sa.CheckConstraint(
            "required_entrustment BETWEEN 4 AND 5",
            name=op.f("ck_competence_standards_required_entrustment_range"),
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshops.id"],
            name=op.f("fk_competence_standards_workshop_id_workshops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competence_standards")),
        sa.UniqueConstraint("workshop_id", name=op.f("uq_competence_standards_workshop_id")),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        for key in DOMAINS:
            batch_op.drop_constraint(op.f(f"ck_assessments_{key}_range"), type_="check")
            batch_op.alter_column(key, existing_type=sa.SmallInteger(), nullable=True)
            batch_op.create_check_constraint(
                op.f(f"ck_assessments_{key}_range"), f"{key} IS NULL OR {key} BETWEEN 1 AND 5"
            )
    _remap_entrustment(TO_O_SCORE)

    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("cme_accreditor", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("cme_statement", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("cme_designated_credits", sa.Numeric(precision=5, scale=2), nullable=True)
        )
        batch_op.add_column(
            sa.Column("cme_daily_cap", sa.Numeric(precision=4, scale=2), nullable=False, server_default="6")
        )
    _carry_credit_over()
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.alter_column("cme_accreditor", server_default=None)
        batch_op.alter_column("cme_statement", server_default=None)
        batch_op.alter_column("cme_daily_cap", server_default=None)
        batch_op.drop_constraint(op.f("ck_workshops_credit_not_negative"), type_="check")
        batch_op.drop_column("cme_credit_hours")
        batch_op.create_check_constraint(
            op.f("ck_workshops_accreditation_complete"),
            "cme_designated_credits IS NULL OR (cme_designated_credits > 0 AND cme_accreditor <> '')",
        )
        batch_op.create_check_constraint(
            op.f("ck_workshops_cme_daily_cap_range"), "cme_daily_cap > 0 AND cme_daily_cap <= 24"
        )
    with op.batch_alter_table("attendance_settings", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_attendance_settings_daily_cap_range"), type_="check")
        batch_op.drop_column("daily_credit_cap_hours")


def _carry_credit_over() -> None:
    connection = op.get_bind()
    offered = connection.execute(
        sa.text("SELECT id, cme_credit_hours FROM workshops WHERE cme_credit_hours > 0")
    ).all()
    caps = dict(
        connection.execute(
            sa.text("SELECT workshop_id, daily_credit_cap_hours FROM attendance_settings")
        ).all()
    )
    for workshop_id, hours in offered:
        minutes = connection.execute(
            sa.text(
                "SELECT starts_at, ends_at FROM workshop_sessions "
                "WHERE workshop_id = :id AND kind <> 'break' AND NOT cancelled"
            ),
            {"id": workshop_id},
        ).all()
        scheduled = sum(_minutes(start, end) for start, end in minutes)
        quarters = Decimal(scheduled // 15) / 4
        designated = min(Decimal(hours), quarters).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)
        update = WORKSHOPS.update().where(WORKSHOPS.c.id == workshop_id)
        cap = Decimal(caps.get(workshop_id) or 6)
        if designated > 0:
            connection.execute(
                update.values(
                    cme_accreditor=NOT_RECORDED, cme_designated_credits=designated, cme_daily_cap=cap
                )
            )
        else:
            connection.execute(update.values(cme_daily_cap=cap))


def _minutes(start, end) -> int:
    if isinstance(start, str):  # SQLite hands back text
        start, end = datetime.fromisoformat(start), datetime.fromisoformat(end)
    return max(0, int((end - start).total_seconds() // 60))


def downgrade():
    with op.batch_alter_table("attendance_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "daily_credit_cap_hours", sa.Numeric(precision=4, scale=2), nullable=False, server_default="8"
            )
        )
    with op.batch_alter_table("attendance_settings", schema=None) as batch_op:
        batch_op.alter_column("daily_credit_cap_hours", server_default=None)
        batch_op.create_check_constraint(
            op.f("ck_attendance_settings_daily_cap_range"),
            "daily_credit_cap_hours > 0 AND daily_credit_cap_hours <= 24",
        )
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "cme_credit_hours", sa.Numeric(precision=5, scale=2), nullable=False, server_default="0"
            )
        )
    op.execute(
        "UPDATE workshops SET cme_credit_hours = cme_designated_credits WHERE cme_designated_credits IS NOT NULL"
    )
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.alter_column("cme_credit_hours", server_default=None)
        batch_op.drop_constraint(op.f("ck_workshops_accreditation_complete"), type_="check")
        batch_op.drop_constraint(op.f("ck_workshops_cme_daily_cap_range"), type_="check")
        batch_op.create_check_constraint(op.f("ck_workshops_credit_not_negative"), "cme_credit_hours >= 0")
        batch_op.drop_column("cme_daily_cap")
        batch_op.drop_column("cme_designated_credits")
        batch_op.drop_column("cme_statement")
        batch_op.drop_column("cme_accreditor")

    _remap_entrustment(FROM_O_SCORE)
    # A score that was not applicable has no old equivalent: the middle anchor, 3.
    for key in DOMAINS:
        # The column names come from DOMAINS, never from input.
        op.execute(f"UPDATE assessments SET {key} = 3 WHERE {key} IS NULL")  # noqa: S608  # nosec B608
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        for key in DOMAINS:
            batch_op.drop_constraint(op.f(f"ck_assessments_{key}_range"), type_="check")
            batch_op.alter_column(key, existing_type=sa.SmallInteger(), nullable=False)
            batch_op.create_check_constraint(op.f(f"ck_assessments_{key}_range"), f"{key} BETWEEN 1 AND 5")

    op.drop_table("competence_standards")
