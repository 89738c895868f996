"""The workshop catalogue: which workshops a person may see, the list's filters, and
what the curriculum offers a new workshop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import lazyload, selectinload

from training.accounts.forms import country_name
from training.accounts.models import User
from training.core.db import utcnow
from training.core.permissions import is_admin
from training.core.text import sort_key
from training.curriculum.models import CurriculumVersion, Module, VersionState
from training.enrolments.models import Enrolment
from training.extensions import db
from training.workshops import permissions, rules
from training.workshops.models import Workshop, WorkshopState, workshop_modules


def published_versions() -> list[CurriculumVersion]:
    return list(
        db.session.scalars(
            sa.select(CurriculumVersion)
            .where(CurriculumVersion.state == VersionState.PUBLISHED)
            .options(selectinload(CurriculumVersion.modules))
            .order_by(CurriculumVersion.title, CurriculumVersion.number.desc())
        )
    )


def visible_filter(user: User | None) -> Any:
    """Drafts are visible to their own staff and to admins only."""
    not_draft = Workshop.state != WorkshopState.DRAFT
    if user is None or not getattr(user, "is_authenticated", False):
        return not_draft
    if not permissions.sees_drafts(user):
        return not_draft
    if is_admin(user):
        return sa.true()
    return sa.or_(not_draft, Workshop.id.in_(permissions.staffed_workshops(user)))


def sees_public_catalogue(user: User | None) -> bool:
    """Whether the person sees exactly the published catalogue, so may share its kept
    copy: decided by the same predicate as ``visible_filter``'s drafts."""
    if user is None or not getattr(user, "is_authenticated", False):
        return True
    return not permissions.sees_drafts(user)


def catalogue_stamp() -> tuple[Any, ...]:
    """Figures that change whenever the catalogue's lists could: a workshop or an
    enrolment written (latest update) or added (largest id). One statement, on indexes."""
    return tuple(
        db.session.execute(
            sa.select(
                sa.select(sa.func.max(Workshop.updated_at)).scalar_subquery(),
                sa.select(sa.func.max(Workshop.id)).scalar_subquery(),
                sa.select(sa.func.max(Enrolment.updated_at)).scalar_subquery(),
                sa.select(sa.func.max(Enrolment.id)).scalar_subquery(),
            )
        ).one()
    )


@dataclass(frozen=True)
class WorkshopFilters:
    when: str = "upcoming"  # or "past"
    q: str = ""
    module: str = ""  # a module code
    country: str = ""
    month: str = ""  # YYYY-MM


def workshop_list_query(user: User | None, filters: WorkshopFilters, *, today: date | None = None) -> Any:
    today = today or utcnow().date()
    query = sa.select(Workshop).where(visible_filter(user), _when(filters.when, today))
    if filters.when == "past":
        query = query.order_by(Workshop.starts_on.desc(), Workshop.id.desc())
    else:
        query = query.order_by(Workshop.starts_on, Workshop.id)
    if text := filters.q.strip()[:100]:
        cleaned = text.replace("\\", "").replace("%", "").replace("_", " ")
        pattern = f"%{cleaned}%"
        query = query.where(
            sa.or_(
                Workshop.title.ilike(pattern),
                Workshop.description.ilike(pattern),
                Workshop.city.ilike(pattern),
                Workshop.venue_name.ilike(pattern),
            )
        )
    if filters.module:
        query = query.where(
            sa.exists()
            .where(workshop_modules.c.workshop_id == Workshop.id)
            .where(workshop_modules.c.module_id == Module.id)
            .where(Module.code == filters.module[:20])
        )
    if filters.country:
        query = query.where(Workshop.country == filters.country[:2].upper())
    if bounds := rules.month_bounds(filters.month):
        first, last = bounds
        query = query.where(Workshop.starts_on <= last, Workshop.ends_on >= first)
    # The list shows modules, not staff: their (eager) loading is left out.
    return query.options(
        selectinload(Workshop.modules).load_only(Module.code, Module.title, Module.position),
        lazyload(Workshop.staff),
    )


def workshop_page(user: User | None, filters: WorkshopFilters, *, page: int, per_page: int) -> Pagination:
    """One page of the list (a page past the end is empty, not an error)."""
    return db.paginate(workshop_list_query(user, filters), page=page, per_page=per_page, error_out=False)


def _when(when: str, today: date) -> Any:
    """Past workshops (finished, or marked completed) or upcoming ones (the rest)."""
    if when == "past":
        return sa.or_(Workshop.ends_on < today, Workshop.state == WorkshopState.COMPLETED)
    return sa.and_(Workshop.ends_on >= today, Workshop.state != WorkshopState.COMPLETED)


def filter_choices(
    user: User | None, when: str = "upcoming", *, today: date | None = None
) -> tuple[list[tuple[str, str]], list[str]]:
    """Module codes and countries of the visible workshops in the list's view (upcoming
    or past), for its filter menus: every choice finds something, and the upcoming
    view's menus cost the same after years of past workshops."""
    visible = sa.select(Workshop.id).where(visible_filter(user), _when(when, today or utcnow().date()))
    modules = db.session.execute(
        sa.select(Module.code, sa.func.min(Module.title))
        .join(workshop_modules, workshop_modules.c.module_id == Module.id)
        .where(workshop_modules.c.workshop_id.in_(visible))
        .group_by(Module.code)
        .order_by(Module.code)
    ).all()
    countries = db.session.scalars(
        sa.select(Workshop.country).where(Workshop.id.in_(visible)).distinct()
    ).all()
    # In the order of the names the menu shows, not of their codes.
    by_name = sorted(countries, key=lambda code: sort_key(country_name(code)))
    return [(code, title) for code, title in modules], by_name


def workshop_state(workshop_id: int) -> WorkshopState | None:
    """The workshop's state alone, without loading the workshop (None when there is none)."""
    return db.session.scalar(sa.select(Workshop.state).where(Workshop.id == workshop_id))
