"""Demo data for workshops: called by `flask seed-demo`, idempotent.

Three workshops built from the imported curriculum, through the same services
the pages use (so they pass the same clash checks): a published three-day
masterclass in Bologna with every kind of session, a completed course in
Lisbon, and a draft in São Paulo.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from training.accounts.models import User
from training.core.db import utcnow
from training.curriculum.models import CurriculumVersion, Module, VersionState
from training.demo import demo_user
from training.enrolments.models import Enrolment, EnrolmentSource, EnrolmentState
from training.extensions import db
from training.workshops import scheduling, sessions, staff
from training.workshops.models import Duty, FacultyProfile, PrerequisitePolicy, SessionKind, Workshop
from training.workshops.stations import sync_stations

MASTERCLASS = "Regenerative Fat Grafting Masterclass: Anatomy First"
LISBON = "Nanofat and Microneedling Intensive"
SAO_PAULO = "Cell-Assisted Lipofilling Course"


@dataclass(frozen=True)
class Slot:
    day: int
    start: str
    end: str
    kind: SessionKind
    title: str
    room: str
    modules: tuple[str, ...] = ()
    teachers: tuple[str, ...] = ()  # "faculty" / "certifier"
    mandatory: bool = True
    stations: int = 0
    station_capacity: int = 4
    description: str = ""


MASTERCLASS_PROGRAMME = (
    Slot(
        0,
        "08:30",
        "09:00",
        SessionKind.SEMINAR,
        "Welcome: why anatomy comes first",
        "Aula Magna",
        (),
        ("certifier",),
    ),
    Slot(
        0,
        "09:00",
        "10:30",
        SessionKind.LECTURE,
        "Anatomy of the aging face: compartments, bone, vessels, skin",
        "Aula Magna",
        ("ANAT-101",),
        ("certifier",),
    ),
    Slot(0, "10:30", "11:00", SessionKind.BREAK, "Coffee break", "Foyer", mandatory=False),
    Slot(
        0,
        "11:00",
        "13:00",
        SessionKind.CADAVER_LAB,
        "Cadaver lab: dissecting the facial fat compartments",
        "Sala settoria",
        ("ANAT-101",),
        ("faculty", "certifier"),
        stations=4,
        description="Fresh-frozen specimens, one per table: superficial and deep compartments, temples.",
    ),
    Slot(0, "13:00", "14:00", SessionKind.BREAK, "Lunch", "Foyer", mandatory=False),
    Slot(
        0,
        "14:00",
        "15:00",
        SessionKind.LECTURE,
        "Safety first: patient selection, consent, asepsis, anaesthesia and vascular occlusion",
        "Aula Magna",
        ("SAFE-150",),
        ("certifier",),
    ),
    Slot(
        0,
        "15:00",
        "15:45",
        SessionKind.LECTURE,
        "Microfat harvesting: cannulas, suction and donor sites",
        "Aula Magna",
        ("MFAT-201",),
        ("faculty",),
    ),
    Slot(
        0,
        "16:00",
        "17:30",
        SessionKind.HANDS_ON,
        "Hands-on: low-pressure harvesting with a 3 mm multiport cannula",
        "Skills lab",
        ("MFAT-201",),
        ("faculty",),
        stations=4,
        description="10 mL Luer-lock syringe harvesting on tissue models, cannula parallel to the surface.",
    ),
    Slot(
        1,
        "09:00",
        "10:00",
        SessionKind.LECTURE,
        "Nanofat: emulsification and filtration of the SVF-rich fraction",
        "Aula Magna",
        ("NFAT-301",),
        ("faculty",),
    ),
    Slot(
        1,
        "10:00",
        "12:00",
        SessionKind.HANDS_ON,
        "Hands-on: nanofat by 30 syringe passes and one filtration",
        "Skills lab",
        ("NFAT-301",),
        ("faculty",),
        stations=4,
    ),
    Slot(1, "12:00", "13:00", SessionKind.BREAK, "Lunch", "Foyer", mandatory=False),
    Slot(
        1,
        "13:00",
        "15:00",
        SessionKind.CADAVER_LAB,
        "Cadaver lab: microfat grafting by region",
        "Sala settoria",
        ("MFAT-202",),
        ("faculty", "certifier"),
        stations=4,
        description="Upper eyelids, tear trough and midface, temples, lips and jawline on specimens.",
    ),
    Slot(
        1,
        "15:30",
        "17:00",
        SessionKind.LIVE_DEMONSTRATION,
        "Live demonstration: tear trough and temple grafting",
        "Teaching theatre",
        ("MFAT-202",),
        ("certifier",),
    ),
    Slot(
        2,
        "09:00",
        "10:30",
        SessionKind.LECTURE,
        "Nanofat injection: dermal delivery and honest counselling",
        "Aula Magna",
        ("NFAT-302",),
        ("certifier",),
    ),
    Slot(
        2,
        "10:30",
        "12:00",
        SessionKind.HANDS_ON,
        "Hands-on: nanofat microneedling with microbotox and HA",
        "Skills lab",
        ("NFAT-303",),
        ("faculty",),
        stations=3,
        station_capacity=6,
    ),
    Slot(2, "12:00", "13:00", SessionKind.BREAK, "Lunch", "Foyer", mandatory=False),
    Slot(
        2,
        "13:00",
        "14:30",
        SessionKind.LIVE_DEMONSTRATION,
        "Live demonstration: nanofat-enriched microfat grafting",
        "Teaching theatre",
        ("CAL-401",),
        ("certifier",),
    ),
    Slot(
        2,
        "14:45",
        "16:15",
        SessionKind.SEMINAR,
        "Evidence and follow-up: histology and standardised photography",
        "Aula Magna",
        ("EVID-601", "REGN-501"),
        ("faculty", "certifier"),
    ),
)

LISBON_PROGRAMME = (
    Slot(
        0,
        "08:00",
        "09:00",
        SessionKind.LECTURE,
        "Safety first: patient selection, consent, asepsis, anaesthesia and vascular occlusion",
        "Anfiteatro",
        ("SAFE-150",),
        ("certifier",),
    ),
    Slot(
        0,
        "09:00",
        "10:30",
        SessionKind.LECTURE,
        "Nanofat: from harvest to SVF-rich fraction",
        "Anfiteatro",
        ("NFAT-301",),
        ("faculty",),
    ),
    Slot(
        0,
        "11:00",
        "13:00",
        SessionKind.HANDS_ON,
        "Hands-on: emulsification and filtration",
        "Skills lab",
        ("NFAT-301",),
        ("faculty",),
        stations=2,
    ),
    Slot(
        1,
        "09:00",
        "10:30",
        SessionKind.LECTURE,
        "Dermal delivery, the expected course and honest counselling",
        "Anfiteatro",
        ("NFAT-302",),
        ("certifier",),
    ),
    Slot(
        1,
        "11:00",
        "13:00",
        SessionKind.HANDS_ON,
        "Hands-on: nanofat microneedling",
        "Skills lab",
        ("NFAT-303",),
        ("faculty",),
        stations=2,
    ),
)

SAO_PAULO_PROGRAMME = (
    Slot(
        0,
        "09:00",
        "10:30",
        SessionKind.LECTURE,
        "Nanofat-enriched grafting and true CAL: what the evidence shows",
        "Anfiteatro",
        ("CAL-401",),
        ("certifier",),
    ),
    Slot(
        0,
        "11:00",
        "13:00",
        SessionKind.LIVE_DEMONSTRATION,
        "Live demonstration: nanofat-enriched microfat grafting of the midface",
        "Centro cirúrgico",
        ("CAL-401",),
        ("certifier",),
    ),
)


def _version() -> CurriculumVersion | None:
    return db.session.scalar(
        sa.select(CurriculumVersion)
        .where(CurriculumVersion.state == VersionState.PUBLISHED)
        .order_by(CurriculumVersion.published_at.desc(), CurriculumVersion.id.desc())
        .limit(1)
    )


def _profiles(faculty: User, certifier: User) -> None:
    for person, disclosure, nothing in (
        (faculty, "Paid consultant and course speaker for a manufacturer of fat-harvesting cannulas.", False),
        (certifier, "", True),
    ):
        if staff.faculty_profile(person) is None:
            db.session.add(
                FacultyProfile(
                    user_id=person.id,
                    biography=f"Teaches anatomy-first fat grafting at {person.institution}.",
                    disclosure=disclosure,
                    nothing_to_disclose=nothing,
                    disclosure_updated_at=utcnow(),
                )
            )


def _build(
    title: str,
    *,
    version: CurriculumVersion,
    organizer: User,
    teachers: dict[str, User],
    venue: tuple[str, str, str, str, str],
    starts_on: date,
    days: int,
    capacity: int,
    programme: tuple[Slot, ...],
    description: str,
    accredited: bool = True,
) -> Workshop:
    venue_name, address, city, country, zone = venue
    codes = {code for slot in programme for code in slot.modules}
    modules = [m for m in version.modules if m.code in codes] or list(version.modules[:3])
    opens = datetime.combine(starts_on - timedelta(days=90), time(9, 0))
    closes = datetime.combine(starts_on - timedelta(days=3), time(18, 0))
    workshop = scheduling.create_workshop(
        scheduling.WorkshopInput(
            title=title,
            description=description,
            curriculum_version_id=version.id,
            module_ids=[m.id for m in modules],
            venue_name=venue_name,
            venue_address=address,
            city=city,
            country=country,
            timezone=zone,
            starts_on=starts_on,
            ends_on=starts_on + timedelta(days=days - 1),
            capacity=capacity,
            enrolment_opens_local=opens,
            enrolment_closes_local=closes,
            prerequisite_policy=PrerequisitePolicy.WARN,
        ),
        actor=organizer,
    )
    staff.add_staff(workshop, teachers["faculty"].email, Duty.FACULTY, actor=organizer)
    staff.add_staff(workshop, teachers["certifier"].email, Duty.CERTIFIER, actor=organizer)
    by_code: dict[str, Module] = {m.code: m for m in workshop.modules}
    for slot in programme:
        sessions.create_session(
            workshop,
            sessions.SessionInput(
                title=slot.title,
                description=slot.description,
                kind=slot.kind,
                day=starts_on + timedelta(days=slot.day),
                start=time.fromisoformat(slot.start),
                end=time.fromisoformat(slot.end),
                room=slot.room,
                module_ids=[by_code[code].id for code in slot.modules if code in by_code],
                faculty_ids=[teachers[name].id for name in slot.teachers],
                mandatory=slot.mandatory,
                stations=slot.stations,
                station_capacity=slot.station_capacity,
            ),
            actor=organizer,
        )
    if accredited:
        _accredit(workshop, organizer)
    return workshop


def _accredit(workshop: Workshop, organizer: User) -> None:
    """Record an EACCME accreditation designating what the timetable can carry: each day's
    educational hours, at most 6 a day, in quarter hours."""
    by_day: dict[date, int] = {}
    for session in workshop.sessions:
        if session.kind.counts_for_attendance and not session.cancelled:
            day = session.local_start.date()
            by_day[day] = by_day.get(day, 0) + session.minutes
    quarters = sum(min(6 * 60, minutes) for minutes in by_day.values()) // 15
    credits = (Decimal(quarters) / 4).normalize()
    data = scheduling.WorkshopInput(
        title=workshop.title,
        description=workshop.description,
        curriculum_version_id=workshop.curriculum_version_id,
        module_ids=[m.id for m in workshop.modules],
        venue_name=workshop.venue_name,
        venue_address=workshop.venue_address,
        city=workshop.city,
        country=workshop.country,
        timezone=workshop.timezone,
        starts_on=workshop.starts_on,
        ends_on=workshop.ends_on,
        capacity=workshop.capacity,
        enrolment_opens_local=_local(workshop, workshop.enrolment_opens_at),
        enrolment_closes_local=_local(workshop, workshop.enrolment_closes_at),
        prerequisite_policy=workshop.prerequisite_policy,
        cme_accreditor="European Accreditation Council for CME (EACCME)",
        cme_statement=(
            f"The workshop \u201c{workshop.title}\u201d is accredited by the European Accreditation "
            f"Council for Continuing Medical Education (EACCME) with {credits} European CME credits "
            "(ECMEC\u00ae s). Each medical specialist should claim only those hours of credit that "
            "he/she actually spent in the educational activity."
        ),
        cme_designated_credits=credits,
    )
    scheduling.update_workshop(workshop, data, actor=organizer)


def _local(workshop: Workshop, value: datetime | None) -> datetime | None:
    return value.astimezone(workshop.zone).replace(tzinfo=None) if value else None


def seed() -> list[str]:
    version = _version()
    if version is None:
        return [
            "Workshops: no published curriculum version, so no demo workshops (import the curriculum first)."
        ]
    existing = set(
        db.session.scalars(
            sa.select(Workshop.title).where(Workshop.title.in_([MASTERCLASS, LISBON, SAO_PAULO]))
        )
    )
    organizer = demo_user("organizer@example.org")
    teachers = {"faculty": demo_user("faculty@example.org"), "certifier": demo_user("certifier@example.org")}
    _profiles(teachers["faculty"], teachers["certifier"])
    today = utcnow().date()
    lines = []
    if MASTERCLASS not in existing:
        workshop = _build(
            MASTERCLASS,
            version=version,
            organizer=organizer,
            teachers=teachers,
            venue=(
                "Istituto di Anatomia Umana Normale, Università di Bologna",
                "Via Irnerio 48",
                "Bologna",
                "IT",
                "Europe/Rome",
            ),
            starts_on=today + timedelta(days=45),
            days=3,
            capacity=16,
            programme=MASTERCLASS_PROGRAMME,
            description=(
                "Three days that teach microfat and nanofat from anatomy outwards: dissection of "
                "the facial fat compartments, harvesting and emulsification at hands-on stations, "
                "regional grafting on specimens, live demonstrations, and a closing seminar on "
                "histology and standardised follow-up photography."
            ),
        )
        scheduling.publish_workshop(workshop, actor=organizer)
        lines.append(f"  published  {MASTERCLASS} (Bologna, {workshop.starts_on} to {workshop.ends_on})")
    if LISBON not in existing:
        workshop = _build(
            LISBON,
            version=version,
            organizer=organizer,
            teachers=teachers,
            venue=(
                "Faculdade de Medicina da Universidade de Lisboa",
                "Av. Prof. Egas Moniz",
                "Lisbon",
                "PT",
                "Europe/Lisbon",
            ),
            starts_on=today - timedelta(days=120),
            days=2,
            capacity=12,
            programme=LISBON_PROGRAMME,
            description="Two days on nanofat: preparation, dermal injection and microneedling.",
        )
        scheduling.publish_workshop(workshop, actor=organizer)
        trainee = demo_user("trainee@example.org")
        if (
            db.session.scalar(
                sa.select(Enrolment.id).where(
                    Enrolment.workshop_id == workshop.id, Enrolment.trainee_id == trainee.id
                )
            )
            is None
        ):
            db.session.add(
                Enrolment(
                    workshop_id=workshop.id,
                    trainee_id=trainee.id,
                    state=EnrolmentState.CONFIRMED,
                    source=EnrolmentSource.ORGANIZER,
                    requested_at=utcnow() - timedelta(days=150),
                    confirmed_at=utcnow() - timedelta(days=150),
                )
            )
            db.session.flush()
            sync_stations(workshop)
        scheduling.complete_workshop(workshop, actor=organizer)
        lines.append(f"  completed  {LISBON} (Lisbon, {workshop.starts_on}; trainee@example.org took part)")
    if SAO_PAULO not in existing:
        workshop = _build(
            SAO_PAULO,
            version=version,
            organizer=organizer,
            teachers=teachers,
            venue=(
                "Faculdade de Medicina da Universidade de São Paulo",
                "Av. Dr. Arnaldo 455",
                "São Paulo",
                "BR",
                "America/Sao_Paulo",
            ),
            starts_on=today + timedelta(days=150),
            days=2,
            capacity=10,
            programme=SAO_PAULO_PROGRAMME,
            description="Nanofat-enriched microfat grafting, how it differs from cell-assisted lipotransfer, "
            "and the mixed evidence on enrichment (being planned).",
            accredited=False,  # not accredited (yet): its certificates would state hours attended only
        )
        lines.append(f"  draft      {SAO_PAULO} (São Paulo, seen only by its staff)")
    if not lines:
        return ["Workshops: demo workshops already present."]
    return ["Workshops:", *lines]
