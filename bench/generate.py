"""Build the programme: the shipped curriculum through the app, the rest in bulk.

Everything after the curriculum import is inserted with Core ``INSERT``s of
plain rows (explicit ids, so no row is read back), one generator per part
seeded from ``Size.seed``. The result is a database the app serves as it
would serve five years of a real programme.

Three workshops are shaped for measurement (``Facts``):
- ``focus``: a finished workshop of exactly 60 trainees, with a cadaver lab
  run at stations, quizzes and assessments: its roll call, attendance matrix,
  gradebook and timetable are measured.
- ``issue``: a finished workshop of 60 trainees who all meet the rules and
  confirmed their names, with no certificate yet: certificates are issued on
  a copy of the database.
- ``online``: a rolling online self-assessment that every trainee took once,
  so its quiz has one attempt per trainee (10,000 at full scale) for the item
  analysis.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask

from bench.data import Size, insert, remember, rng
from training.extensions import db

PASSWORD = "bench-password-1"  # noqa: S105  (every benchmark account's password, documented)
FIRST_DAY = date(2022, 1, 10)
LAST_DAY = date(2026, 12, 18)
FOCUS_TRAINEES = 60

VENUES = (
    ("Rome", "IT", "Europe/Rome"),
    ("Barcelona", "ES", "Europe/Madrid"),
    ("Paris", "FR", "Europe/Paris"),
    ("Vienna", "AT", "Europe/Vienna"),
    ("Lisbon", "PT", "Europe/Lisbon"),
    ("Athens", "GR", "Europe/Athens"),
    ("Istanbul", "TR", "Europe/Istanbul"),
    ("Dubai", "AE", "Asia/Dubai"),
    ("Seoul", "KR", "Asia/Seoul"),
    ("Bangkok", "TH", "Asia/Bangkok"),
    ("São Paulo", "BR", "America/Sao_Paulo"),
    ("Mexico City", "MX", "America/Mexico_City"),
    ("New York", "US", "America/New_York"),
    ("Sydney", "AU", "Australia/Sydney"),
)
GIVEN = [
    "Amira",
    "Ana",
    "Bruno",
    "Carla",
    "Chen",
    "Dario",
    "Elena",
    "Farid",
    "Giulia",
    "Hana",
    "Ines",
    "Jonas",
    "Kenji",
    "Lara",
    "Luca",
    "Marta",
    "Nadia",
    "Omar",
    "Paula",
    "Rafael",
    "Sara",
    "Tomas",
    "Yara",
    "Zeynep",
    "Mateo",
    "Sofia",
    "Emre",
    "Priya",
    "Ivan",
    "Leila",
]
FAMILY = [
    "Rossi",
    "Garcia",
    "Dubois",
    "Silva",
    "Kim",
    "Nguyen",
    "Costa",
    "Novak",
    "Yilmaz",
    "Haddad",
    "Fischer",
    "Moreau",
    "Santos",
    "Park",
    "Ricci",
    "Lopez",
    "Bauer",
    "Demir",
    "Sato",
    "Khan",
    "Ferreira",
    "Russo",
    "Martin",
    "Weber",
    "Okafor",
    "Ahmadi",
    "Petrov",
    "Larsen",
]
SPECIALTIES = ("Plastic surgery", "Dermatology", "Maxillofacial surgery", "ENT", "Aesthetic medicine")
# A day: (start, minutes, kind) at the venue; labs run at stations.
DAY_PLAN = (
    ("08:30", 90, "lecture"),
    ("10:15", 120, "cadaver_lab"),
    ("13:15", 60, "live_demonstration"),
    ("14:30", 120, "hands_on"),
    ("16:45", 60, "seminar"),
)
LABS = {"cadaver_lab", "hands_on"}
STATUS_WEIGHTS = (("present", 86), ("late", 7), ("absent", 4), ("excused", 3))
OSATS = (
    "respect_for_tissue",
    "time_and_motion",
    "instrument_handling",
    "knowledge_of_instruments",
    "use_of_assistants",
    "flow_of_operation",
    "knowledge_of_procedure",
)


@dataclass
class Facts:
    """Ids the measurements need, kept in ``bench_meta`` beside the size."""

    admin: int
    organizer: int
    faculty: int
    trainee: int
    focus: int
    focus_lab: int
    issue: int
    online: int
    online_quiz: int
    serial: str
    registry_query: str
    counts: dict[str, int]


class Ids:
    """Explicit primary keys, continuing after what the curriculum import wrote."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.next: dict[str, int] = {}

    def take(self, table: str) -> int:
        if table not in self.next:
            current = self.connection.execute(sa.text(f"SELECT max(id) FROM {table}")).scalar()
            self.next[table] = (current or 0) + 1
        value = self.next[table]
        self.next[table] += 1
        return value


def tables() -> dict[str, sa.Table]:
    return dict(db.metadata.tables)


def _at(day: date, clock: str, zone: str) -> datetime:
    hours, minutes = map(int, clock.split(":"))
    return datetime.combine(day, time(hours, minutes), ZoneInfo(zone)).astimezone(UTC)


def _name(random: Any) -> str:
    return f"{random.choice(GIVEN)} {random.choice(FAMILY)}"


def _serial(random: Any) -> str:
    from training.certificates.rules import serial_from_bytes

    return serial_from_bytes(random.randbytes(10))


def build(app: Flask, size: Size, now: datetime) -> Facts:
    """Build the whole programme into the app's (empty, migrated) database."""
    from training.accounts.services import hash_password
    from training.curriculum import services as curriculum
    from training.curriculum.cli import DEFAULT_PATH

    with app.app_context():
        outcome = curriculum.import_folder(DEFAULT_PATH)[0]
        version_id = outcome.version.id
        db.session.commit()
        db.session.remove()  # the bulk inserts below take the write lock themselves
        password_hash = hash_password(PASSWORD)
        with db.engine.begin() as connection:
            facts = Programme(connection, size, version_id, password_hash, now).build()
            remember(connection, size, asdict(facts))
    return facts


class Programme:
    def __init__(
        self, connection: sa.Connection, size: Size, version_id: int, password_hash: str, now: datetime
    ) -> None:
        self.c = connection
        self.size = size
        self.version_id = version_id
        self.password_hash = password_hash
        self.now = now
        self.t = tables()
        self.ids = Ids(connection)
        self.counts: dict[str, int] = {}

    def put(self, table: str, rows: Iterator[dict[str, Any]] | list[dict[str, Any]]) -> None:
        self.counts[table] = self.counts.get(table, 0) + insert(self.c, self.t[table], rows)

    # --- the curriculum as imported ----------------------------------------------------

    def read_curriculum(self) -> None:
        modules = self.c.execute(
            sa.text("SELECT id, code FROM modules WHERE version_id = :v ORDER BY position"),
            {"v": self.version_id},
        ).all()
        self.modules = [m.id for m in modules]
        self.module_codes = {m.id: m.code for m in modules}
        self.questions: dict[int, list[tuple[int, list[str], list[str]]]] = {m: [] for m in self.modules}
        for row in self.c.execute(
            sa.text(
                "SELECT q.id, q.module_id, q.options FROM questions q JOIN modules m ON m.id = q.module_id "
                "WHERE m.version_id = :v AND q.kind != 'hotspot' ORDER BY q.id"
            ),
            {"v": self.version_id},
        ):
            options = row.options if isinstance(row.options, list) else json.loads(row.options)
            keys = [o["id"] for o in options]
            correct = [o["id"] for o in options if o.get("correct")]
            self.questions[row.module_id].append((row.id, keys, correct))
        self.skills: dict[int, list[int]] = {m: [] for m in self.modules}
        for row in self.c.execute(
            sa.text(
                "SELECT s.id, s.module_id FROM skills s JOIN modules m ON m.id = s.module_id "
                "WHERE m.version_id = :v ORDER BY s.id"
            ),
            {"v": self.version_id},
        ):
            self.skills[row.module_id].append(row.id)

    # --- people --------------------------------------------------------------------------

    def people(self) -> None:
        random = rng(self.size, "people")
        users: list[dict[str, Any]] = []
        roles: list[dict[str, Any]] = []

        def person(email: str, name: str, *kinds: str, **extra: Any) -> int:
            user_id = self.ids.take("users")
            users.append(
                {
                    "id": user_id,
                    "email": email,
                    "full_name": name,
                    "password_hash": self.password_hash,
                    "specialty": random.choice(SPECIALTIES),
                    "institution": f"{random.choice(FAMILY)} University Hospital",
                    "country": random.choice(VENUES)[1],
                    "active": True,
                    **extra,
                }
            )
            roles.extend({"user_id": user_id, "role": kind} for kind in kinds)
            return user_id

        self.admin = person("admin@bench.example", "Bench Admin", "admin")
        self.faculty = [
            person(f"faculty{n}@bench.example", f"Dr {_name(random)}", "faculty")
            for n in range(self.size.faculty)
        ]
        # One in ten faculty also organizes.
        self.organizers = self.faculty[:: max(1, len(self.faculty) // max(2, self.size.faculty // 10))]
        for organizer in self.organizers:
            roles.append({"user_id": organizer, "role": "organizer"})
        self.trainees = [
            person(f"trainee{n}@bench.example", _name(random), "trainee") for n in range(self.size.trainees)
        ]
        self.put("users", users)
        self.put("user_roles", roles)

    # --- workshops, sessions, stations ---------------------------------------------------

    def workshops(self) -> None:
        random = rng(self.size, "workshops")
        count = self.size.workshops
        span = (LAST_DAY - FIRST_DAY).days
        today = self.now.date()
        self.plan: list[dict[str, Any]] = []
        finished = [FIRST_DAY + timedelta(days=round(i * span / count)) for i in range(count)]
        # The focus and issue workshops are the two last ones finished before today.
        past = [i for i, day in enumerate(finished) if day + timedelta(days=3) < today]
        self.focus_index, self.issue_index = past[-2], past[-1]
        rows, staff, modules, sessions, session_modules, session_faculty, stations = ([] for _ in range(7))
        settings, cert_rules = [], []
        for index, starts_on in enumerate(finished):
            workshop_id = self.ids.take("workshops")
            city, country, zone = random.choice(VENUES)
            days = random.choice((2, 2, 3))
            ends_on = starts_on + timedelta(days=days - 1)
            shaped = index in (self.focus_index, self.issue_index)
            trainees = FOCUS_TRAINEES if shaped else random.randint(20, 60)
            state = "completed" if ends_on < today else "published"
            module_ids = sorted(random.sample(self.modules, random.randint(3, min(6, len(self.modules)))))
            organizer = self.organizers[0] if shaped else random.choice(self.organizers)
            teachers = random.sample(
                [f for f in self.faculty if f != organizer], min(5, len(self.faculty) - 1)
            )
            certifier = teachers[0]
            rows.append(
                {
                    "id": workshop_id,
                    "title": f"Regenerative fat grafting: anatomy to injection, {city} {starts_on:%B %Y}",
                    "description": "Lectures, cadaver dissection and supervised hands-on practice.",
                    "curriculum_version_id": self.version_id,
                    "venue_name": f"{city} Anatomy Institute",
                    "venue_address": "",
                    "city": city,
                    "country": country,
                    "timezone": zone,
                    "starts_on": starts_on,
                    "ends_on": ends_on,
                    "capacity": max(trainees, 60),
                    # Accredited for what the timetable carries (set once the sessions exist).
                    "cme_accreditor": "EACCME",
                    "cme_statement": "Accredited by the EACCME with European CME credits (ECMEC).",
                    "cme_designated_credits": None,
                    "cme_daily_cap": Decimal(6),
                    "state": state,
                    "published_at": _at(starts_on - timedelta(days=90), "09:00", zone),
                    "created_by_id": organizer,
                }
            )
            staff.append(
                {
                    "id": self.ids.take("workshop_staff"),
                    "workshop_id": workshop_id,
                    "user_id": organizer,
                    "duty": "organizer",
                }
            )
            for teacher in teachers:
                staff.append(
                    {
                        "id": self.ids.take("workshop_staff"),
                        "workshop_id": workshop_id,
                        "user_id": teacher,
                        "duty": "faculty",
                    }
                )
            staff.append(
                {
                    "id": self.ids.take("workshop_staff"),
                    "workshop_id": workshop_id,
                    "user_id": certifier,
                    "duty": "certifier",
                }
            )
            modules.extend({"workshop_id": workshop_id, "module_id": m} for m in module_ids)
            settings.append({"id": self.ids.take("attendance_settings"), "workshop_id": workshop_id})
            cert_rules.append(
                {
                    "id": self.ids.take("certification_rules"),
                    "workshop_id": workshop_id,
                    "quiz_policy": "marked",
                    "required_skills": [],
                    "evaluation_required": False,
                    "competence_enabled": True,
                }
            )
            session_count = random.randint(8, 15)
            slots = [(d, plan) for d in range(days) for plan in DAY_PLAN][:session_count]
            workshop_sessions = []
            for sequence, (day, (clock, minutes, kind)) in enumerate(slots):
                session_id = self.ids.take("workshop_sessions")
                starts_at = _at(starts_on + timedelta(days=day), clock, zone)
                module = module_ids[sequence % len(module_ids)]
                sessions.append(
                    {
                        "id": session_id,
                        "workshop_id": workshop_id,
                        "title": f"{self.module_codes[module]}: {kind.replace('_', ' ')}",
                        "kind": kind,
                        "starts_at": starts_at,
                        "ends_at": starts_at + timedelta(minutes=minutes),
                        "room": "Dissection hall" if kind in LABS else "Auditorium",
                        "mandatory": kind != "seminar",
                        "sequence": sequence,
                    }
                )
                session_modules.append({"session_id": session_id, "module_id": module})
                session_faculty.append(
                    {"session_id": session_id, "user_id": teachers[sequence % len(teachers)]}
                )
                station_ids = []
                if kind in LABS:
                    for number in range(math.ceil(trainees / 8)):
                        station_id = self.ids.take("stations")
                        station_ids.append(station_id)
                        stations.append(
                            {
                                "id": station_id,
                                "session_id": session_id,
                                "name": f"Station {number + 1}",
                                "equipment": "Cannulas, 10 ml syringes, emulsification connectors",
                                "capacity": 8,
                                "position": number,
                                "faculty_id": teachers[number % len(teachers)],
                            }
                        )
                workshop_sessions.append((session_id, starts_at, minutes, kind, module, station_ids))
            per_day: dict[date, int] = {}
            for _, starts_at, minutes, *_rest in workshop_sessions:
                per_day[starts_at.date()] = per_day.get(starts_at.date(), 0) + minutes
            rows[-1]["cme_designated_credits"] = Decimal(sum(min(360, m) for m in per_day.values()) // 15) / 4
            self.plan.append(
                {
                    "id": workshop_id,
                    "index": index,
                    "trainees": trainees,
                    "state": state,
                    "zone": zone,
                    "starts_on": starts_on,
                    "ends_on": ends_on,
                    "modules": module_ids,
                    "organizer": organizer,
                    "teachers": teachers,
                    "certifier": certifier,
                    "sessions": workshop_sessions,
                    "city": city,
                    "country": country,
                    "title": rows[-1]["title"],
                }
            )
        self.put("workshops", rows)
        self.put("workshop_staff", staff)
        self.put("workshop_modules", modules)
        self.put("attendance_settings", settings)
        self.put("certification_rules", cert_rules)
        self.put("workshop_sessions", sessions)
        self.put("session_modules", session_modules)
        self.put("session_faculty", session_faculty)
        self.put("stations", stations)

    # --- enrolments, stations, attendance ------------------------------------------------

    def enrolments(self) -> None:
        random = rng(self.size, "enrolments")
        # The dashboard's trainee has a long history: one workshop in every 40.
        self.star = self.trainees[0]
        starred = set(range(0, len(self.plan), 40)) | {self.focus_index}
        rows, assignments, records = [], [], []
        pool = self.trainees[1:]
        for workshop in self.plan:
            chosen = random.sample(pool, workshop["trainees"] - (workshop["index"] in starred))
            if workshop["index"] in starred:
                chosen.insert(0, self.star)
            workshop["enrolled"] = chosen
            opened = _at(workshop["starts_on"] - timedelta(days=60), "09:00", workshop["zone"])
            for trainee in chosen:
                requested = opened + timedelta(minutes=random.randint(0, 50_000))
                rows.append(
                    {
                        "id": self.ids.take("enrolments"),
                        "workshop_id": workshop["id"],
                        "trainee_id": trainee,
                        "state": "confirmed",
                        "source": "self",
                        "requested_at": requested,
                        "confirmed_at": requested,
                    }
                )
            finished = workshop["state"] == "completed"
            for session_id, starts_at, _minutes, _kind, _module, station_ids in workshop["sessions"]:
                for position, trainee in enumerate(chosen):
                    if station_ids:
                        assignments.append(
                            {
                                "id": self.ids.take("station_assignments"),
                                "session_id": session_id,
                                "station_id": station_ids[position % len(station_ids)],
                                "trainee_id": trainee,
                            }
                        )
                    if not finished:
                        continue
                    status = (
                        "present"
                        if workshop["index"] == self.issue_index
                        else random.choices(*zip(*STATUS_WEIGHTS, strict=True))[0]
                    )
                    method = random.choice(("qr", "code", "roll_call"))
                    arrived = starts_at + timedelta(
                        minutes=random.randint(-10, 3) if status == "present" else 12
                    )
                    records.append(
                        {
                            "id": self.ids.take("attendance_records"),
                            "session_id": session_id,
                            "trainee_id": trainee,
                            "status": status,
                            "note": "Conference duty" if status == "excused" else "",
                            "checked_in_at": arrived if status in ("present", "late") else None,
                            "method": method if status in ("present", "late") else "roll_call",
                            "recorded_by_id": workshop["teachers"][0]
                            if method == "roll_call" or status in ("absent", "excused")
                            else None,
                        }
                    )
                    if len(records) >= 20_000:
                        self.put("attendance_records", records)
                        records = []
        self.put("enrolments", rows)
        self.put("station_assignments", assignments)
        self.put("attendance_records", records)

    # --- quizzes and attempts -----------------------------------------------------------

    def quizzes(self) -> None:
        random = rng(self.size, "quizzes")
        quiz_rows, quiz_modules = [], []
        self.quiz_plan: list[tuple[dict[str, Any], int, str, list[int], int]] = []
        for workshop in self.plan:
            module = workshop["modules"][0]
            for purpose, title in (
                ("pre_test", "Pre-test"),
                ("post_test", "Post-test"),
                ("practice", "Practice"),
            ):
                quiz_id = self.ids.take("quizzes")
                pool = (
                    [q for m in workshop["modules"] for q in self.questions[m]]
                    if purpose == "practice"
                    else self.questions[module]
                )
                count = max(1, min(10, len(pool)))
                quiz_rows.append(
                    {
                        "id": quiz_id,
                        "workshop_id": workshop["id"],
                        "title": f"{title}: {self.module_codes[module]}"
                        if purpose != "practice"
                        else "Practice questions",
                        "question_count": count,
                        "pass_percent": Decimal(70),
                        "max_attempts": 1 if purpose == "pre_test" else 20,
                        "grading_method": "highest",
                        "feedback_timing": "immediate",
                        "purpose": purpose,
                        "purpose_module_id": module if purpose != "practice" else None,
                        "required_for_certificate": purpose == "post_test",
                        "created_by_id": workshop["organizer"],
                    }
                )
                modules = workshop["modules"] if purpose == "practice" else [module]
                quiz_modules.extend({"quiz_id": quiz_id, "module_id": m} for m in modules)
                self.quiz_plan.append((workshop, quiz_id, purpose, modules, count))
        # The online self-assessment: every trainee, once.
        online_id = self.ids.take("workshops")
        self.online = online_id
        zone = "Europe/Rome"
        self.put(
            "workshops",
            [
                {
                    "id": online_id,
                    "title": "Facial anatomy self-assessment (online, rolling)",
                    "description": "The programme's entry self-assessment, open all year.",
                    "curriculum_version_id": self.version_id,
                    "venue_name": "Online",
                    "city": "Online",
                    "country": "IT",
                    "timezone": zone,
                    "starts_on": FIRST_DAY,
                    "ends_on": LAST_DAY,
                    "capacity": len(self.trainees),
                    "state": "published",
                    "published_at": _at(FIRST_DAY, "09:00", zone),
                    "created_by_id": self.organizers[0],
                }
            ],
        )
        self.put(
            "workshop_staff",
            [
                {
                    "id": self.ids.take("workshop_staff"),
                    "workshop_id": online_id,
                    "user_id": self.organizers[0],
                    "duty": "organizer",
                }
            ],
        )
        self.put("workshop_modules", [{"workshop_id": online_id, "module_id": m} for m in self.modules])
        online_quiz = self.ids.take("quizzes")
        self.online_quiz = online_quiz
        quiz_rows.append(
            {
                "id": online_quiz,
                "workshop_id": online_id,
                "title": "Anatomy self-assessment",
                "question_count": 10,
                "pass_percent": Decimal(60),
                "max_attempts": 1,
                "grading_method": "first",
                "feedback_timing": "immediate",
                "purpose": "practice",
                "required_for_certificate": False,
                "created_by_id": self.organizers[0],
            }
        )
        quiz_modules.extend({"quiz_id": online_quiz, "module_id": m} for m in self.modules)
        self.put("quizzes", quiz_rows)
        self.put("quiz_modules", quiz_modules)
        online_trainees = self.trainees[: self.size.of(10_000, 60)]
        start = datetime.combine(FIRST_DAY, time(9), UTC)
        self.put(
            "enrolments",
            (
                {
                    "id": self.ids.take("enrolments"),
                    "workshop_id": online_id,
                    "trainee_id": t,
                    "state": "confirmed",
                    "source": "self",
                    "requested_at": start,
                    "confirmed_at": start,
                }
                for t in online_trainees
            ),
        )
        self.attempts(random, online_trainees, online_quiz)

    def attempts(self, random: Any, online_trainees: list[int], online_quiz: int) -> None:
        """Attempts with their answers: the online quiz once per trainee, the rest spread
        over finished workshops (pre-test once, post-test until passed, practice freely)."""
        budget = self.size.attempts - len(online_trainees)
        finished = [entry for entry in self.quiz_plan if entry[0]["state"] == "completed"]
        pairs = [(entry, trainee) for entry in finished for trainee in entry[0]["enrolled"]]
        plan: dict[tuple[int, int], int] = {}
        for entry, trainee in pairs:
            if entry[2] != "practice":
                plan[(entry[1], trainee)] = 1
        spare = max(0, budget - len(plan))
        practice = [(entry, trainee) for entry, trainee in pairs if entry[2] == "practice"]
        for entry, trainee in random.choices(practice, k=spare) if practice else []:
            key = (entry[1], trainee)
            plan[key] = min(20, plan.get(key, 0) + 1)
        entries = {entry[1]: entry for entry in self.quiz_plan}
        everyone = [(online_quiz, t, 1) for t in online_trainees] + [(q, t, n) for (q, t), n in plan.items()]
        all_questions = [q for m in self.modules for q in self.questions[m]]
        attempts: list[dict[str, Any]] = []
        answers: list[dict[str, Any]] = []
        made = 0
        for quiz_id, trainee, count in everyone:
            if quiz_id == online_quiz:
                pool, day, issue = all_questions, FIRST_DAY + timedelta(days=random.randint(0, 1700)), False
                zone = "Europe/Rome"
            else:
                workshop, _, _, modules, _ = entries[quiz_id]
                pool = [q for m in modules for q in self.questions[m]]
                day, zone = workshop["ends_on"], workshop["zone"]
                issue = workshop["index"] == self.issue_index
            drawn_count = min(10, len(pool))
            skill = 0.55 + 0.4 * random.random()
            for number in range(1, count + 1):
                if made >= self.size.attempts:
                    break
                made += 1
                attempt_id = self.ids.take("quiz_attempts")
                started = _at(day, "12:00", zone) + timedelta(minutes=number * 20)
                drawn = random.sample(pool, drawn_count)
                score = 0
                for position, (question_id, keys, correct) in enumerate(drawn):
                    right = issue or random.random() < skill
                    choice = (
                        sorted(correct)
                        if right
                        else sorted(random.sample([k for k in keys if k not in correct] or keys, 1))
                    )
                    score += right
                    answers.append(
                        {
                            "id": self.ids.take("quiz_attempt_questions"),
                            "attempt_id": attempt_id,
                            "question_id": question_id,
                            "position": position,
                            "option_order": keys,
                            "response": {"options": choice},
                            "choice_key": ",".join(choice),
                            "answered_at": started + timedelta(minutes=position + 1),
                            "score": Decimal(int(right)),
                        }
                    )
                percent = Decimal(100 * score / drawn_count).quantize(Decimal("0.01"))
                submitted = started + timedelta(minutes=drawn_count + 2)
                attempts.append(
                    {
                        "id": attempt_id,
                        "quiz_id": quiz_id,
                        "trainee_id": trainee,
                        "number": number,
                        "state": "graded",
                        "started_at": started,
                        "submitted_at": submitted,
                        "graded_at": submitted,
                        "closed_by": "trainee",
                        "score": Decimal(score),
                        "max_score": drawn_count,
                        "percent": percent,
                        "passed": percent >= 70,
                    }
                )
                if len(answers) >= 50_000:
                    self.put("quiz_attempts", attempts)
                    self.put("quiz_attempt_questions", answers)
                    attempts, answers = [], []
        self.put("quiz_attempts", attempts)
        self.put("quiz_attempt_questions", answers)

    # --- assessments --------------------------------------------------------------------

    def assessments(self) -> None:
        random = rng(self.size, "assessments")
        labs = [
            (workshop, session)
            for workshop in self.plan
            if workshop["state"] == "completed"
            for session in workshop["sessions"]
            if session[3] in LABS and self.skills[session[4]]
        ]
        # The focus workshop's labs come first, so that its pages show assessments at every scale.
        labs.sort(key=lambda pair: pair[0]["index"] != self.focus_index)
        rows: list[dict[str, Any]] = []
        seen: set[tuple[int, int, int, int]] = set()
        target = self.size.assessments
        for workshop, (session_id, starts_at, minutes, _kind, module, _stations) in labs:
            for trainee in workshop["enrolled"]:
                if len(rows) >= target:
                    break
                skill = random.choice(self.skills[module])
                assessor = random.choice(workshop["teachers"])
                key = (workshop["id"], trainee, skill, assessor)
                if key in seen:
                    continue
                seen.add(key)
                scores = {name: random.randint(2, 5) for name in OSATS}
                rows.append(
                    {
                        "id": self.ids.take("assessments"),
                        "workshop_id": workshop["id"],
                        "session_id": session_id,
                        "trainee_id": trainee,
                        "skill_id": skill,
                        "assessor_id": assessor,
                        "checklist": {},
                        **scores,
                        "entrustment": random.randint(2, 5),  # O-SCORE
                        "competent": min(scores.values()) >= 3,
                        "feedback": "Steady cannula control; keep the passes in one plane.",
                        "created_at": starts_at + timedelta(minutes=minutes),
                        "updated_at": starts_at + timedelta(minutes=minutes),
                    }
                )
            if len(rows) >= target:
                break
        self.put("assessments", rows)

    # --- certificates ------------------------------------------------------------------

    def certificates(self, pdf_file: str, pdf_sha256: str) -> str:
        random = rng(self.size, "certificates")
        names = {row.id: row.full_name for row in self.c.execute(sa.text("SELECT id, full_name FROM users"))}
        pairs = [
            (workshop, trainee)
            for workshop in self.plan
            if workshop["state"] == "completed" and workshop["index"] != self.issue_index
            for trainee in workshop["enrolled"]
        ]
        target = self.size.certificates
        chosen = [(w, t, "attendance") for w, t in pairs]
        extra = target - len(chosen)
        if extra > 0:
            chosen += [(w, t, "competence") for w, t in random.sample(pairs, min(extra, len(pairs)))]
        chosen = chosen[:target]
        rows, confirmed = [], []
        seen: set[tuple[int, int]] = set()
        first_serial = ""
        for workshop, trainee, kind in chosen:
            serial = _serial(random)
            first_serial = first_serial or serial
            issued = _at(workshop["ends_on"] + timedelta(days=1), "10:00", workshop["zone"])
            snapshot = {
                "version": 1,
                "serial": serial,
                "kind": kind,
                "name": names[trainee],
                "trainee_id": trainee,
                "workshop": {
                    "id": workshop["id"],
                    "title": workshop["title"],
                    "starts_on": workshop["starts_on"].isoformat(),
                    "ends_on": workshop["ends_on"].isoformat(),
                    "venue": f"{workshop['city']} Anatomy Institute",
                    "city": workshop["city"],
                    "country": workshop["country"],
                    "timezone": workshop["zone"],
                    "curriculum": "Regenerative fat grafting",
                },
                "modules": [
                    {"code": self.module_codes[m], "title": self.module_codes[m]} for m in workshop["modules"]
                ],
                "certifiers": [names[workshop["certifier"]]],
                "issued_at": issued.isoformat(),
                "issued_by": names[workshop["certifier"]],
                "requirements_met": ["Attendance", "Post-test passed"],
                "hours_attended": "14 hours",
                "credit_hours": "12",
                "accreditation": {
                    "body": "EACCME",
                    "statement": "Accredited by the EACCME with European CME credits (ECMEC).",
                    "designated_credits": "12",
                },
            }
            rows.append(
                {
                    "id": self.ids.take("certificates"),
                    "serial": serial,
                    "workshop_id": workshop["id"],
                    "trainee_id": trainee,
                    "kind": kind,
                    "state": "valid",
                    "snapshot": snapshot,
                    "pdf_file": pdf_file,
                    "pdf_sha256": pdf_sha256,
                    "issued_at": issued,
                    "issued_by_id": workshop["certifier"],
                }
            )
            if (workshop["id"], trainee) not in seen:
                seen.add((workshop["id"], trainee))
                confirmed.append(
                    {
                        "id": self.ids.take("certificate_names"),
                        "workshop_id": workshop["id"],
                        "trainee_id": trainee,
                        "name": names[trainee],
                        "confirmed_at": issued - timedelta(days=1),
                    }
                )
        issue = self.plan[self.issue_index]
        for trainee in issue["enrolled"]:
            confirmed.append(
                {
                    "id": self.ids.take("certificate_names"),
                    "workshop_id": issue["id"],
                    "trainee_id": trainee,
                    "name": names[trainee],
                    "confirmed_at": self.now - timedelta(hours=1),
                }
            )
        self.put("certificates", rows)
        self.put("certificate_names", confirmed)
        return first_serial

    def build(self) -> Facts:
        self.read_curriculum()
        self.people()
        self.workshops()
        self.enrolments()
        self.quizzes()
        self.assessments()
        sample = sample_pdf()
        serial = self.certificates(sample, hashlib.sha256(b"bench").hexdigest())
        focus = self.plan[self.focus_index]
        focus_lab = next(s[0] for s in focus["sessions"] if s[3] in LABS)
        return Facts(
            admin=self.admin,
            organizer=focus["organizer"],
            faculty=focus["teachers"][0],
            trainee=self.star,
            focus=focus["id"],
            focus_lab=focus_lab,
            issue=self.plan[self.issue_index]["id"],
            online=self.online,
            online_quiz=self.online_quiz,
            serial=serial,
            registry_query=FAMILY[3].lower(),
            counts=self.counts,
        )


def sample_pdf() -> str:
    """Where the bulk certificates' PDF would be: the rows share one path (the
    benchmark measures issuing for real on the ``issue`` workshop)."""
    return "certificates/bench/sample.pdf"
