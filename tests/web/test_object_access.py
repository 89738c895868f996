"""Object-level access: nobody reaches another person's things by changing an id.

Every kind of object reachable by an id or a token in a URL is one row of
``KINDS``: it builds the object for trainee A in workshop W, then asks for it,
with every method the URL takes, as

* ``trainee_b``: another trainee, confirmed in W too;
* ``faculty_w2``: faculty (certifying faculty too) of another workshop W2;
* ``organizer_w2``: the organizer of W2, who manages W2's roster, mail and sessions.

Each must be refused (403 or 404) and the database must be exactly as before
(every row of every table is compared). A URL may name the asker's own
workshop, session or quiz (``{own.id}``, ``{own_session.id}``, ``{own_quiz.id}``)
with A's object in it: the organizer of W2 must not reach A's enrolment through
W2's roster.

Some pages are open to the other trainee by design (the trainee's own
evaluation form, their own calendar feed): those are asked with
``shows_nothing_of`` set and must not show A's data, whatever their status;
A, asking the same, must see it. ``test_every_url_with_an_id_is_covered``
walks ``app.url_map``: a rule with an argument that is neither in the table nor
in ``NOT_PERSONAL`` (with its reason) fails it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from training.core.jobs import Job
from training.core.mail import OutboxMessage
from training.extensions import db
from training.workshops.models import Duty, SessionKind, WorkshopStaff

OUTSIDERS = ("trainee_b", "faculty_w2", "organizer_w2")
MARKER = "Zygomatic-7Q"  # a word of A's own that no page may show to the others


@dataclass(frozen=True)
class Ask:
    endpoint: str
    method: str
    url: str  # formatted with the world, e.g. "/attempts/{attempt.id}"
    data: dict[str, Any] | None = None
    # Open to these askers by design: they may get a page, but it must not show A's data.
    shows_nothing_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class Kind:
    name: str
    build: Callable[[SimpleNamespace, Any, Any], None]
    asks: tuple[Ask, ...]


# --- the world ---------------------------------------------------------------------


def build_world(make) -> SimpleNamespace:
    world = SimpleNamespace()
    world.organizer = make.organizer()
    world.teacher = make.faculty()
    world.certifier = make.faculty()
    world.a = make.trainee(full_name=f"Dr. Amelia {MARKER}")
    world.b = make.trainee()
    world.w = make.workshop(organizer=world.organizer, faculty=[world.teacher], certifiers=[world.certifier])
    world.enrolment = make.enrolment(world.w, world.a)
    make.enrolment(world.w, world.b)
    world.lab = make.session(world.w, kind=SessionKind.HANDS_ON, stations=2)

    world.faculty_w2 = make.faculty()
    world.organizer_w2 = make.organizer()
    world.w2 = make.workshop(
        organizer=world.organizer_w2, faculty=[world.faculty_w2], certifiers=[world.faculty_w2]
    )
    world.w2_lab = make.session(world.w2, kind=SessionKind.HANDS_ON, stations=1)
    world.trainee_b = world.b
    return world


def asker_view(world: SimpleNamespace, asker: str) -> dict[str, Any]:
    """The world as URL parameters, with the asker's own workshop, session, quiz and feed."""
    at_home = asker in ("a", "trainee_b")
    values = {
        **vars(world),
        "own": world.w if at_home else world.w2,
        "own_session": world.lab if at_home else world.w2_lab,
    }
    if hasattr(world, "w2_quiz"):
        values["own_quiz"] = world.quiz if at_home else world.w2_quiz
    if hasattr(world, "tokens"):
        values["own_token"] = getattr(world.tokens, asker)
    return values


# --- the rows: how to build each kind of object --------------------------------------


def build_nothing(world, make, client) -> None:
    pass


def build_attempt(world, make, client) -> None:
    world.quiz = make.quiz(world.w, max_attempts=3)
    world.attempt = make.attempt(world.quiz, world.a, submit=False)
    world.graded = make.attempt(make.quiz(world.w), world.a)
    world.question_id = world.attempt.questions[0].question_id


def build_grade(world, make, client) -> None:
    world.quiz = make.quiz(world.w)
    make.attempt(world.quiz, world.a)
    world.w2_quiz = make.quiz(world.w2)


def build_assessment(world, make, client) -> None:
    skills = [skill for module in world.w.curriculum_version.modules for skill in module.skills]
    world.skill = skills[0]
    make.assign(world.lab.stations[0], world.a)
    world.assessment = make.assessment(
        world.w, world.a, world.skill, world.teacher, feedback=f"Feedback for {MARKER}"
    )
    world.sign_off = make.signed_off(world.w, world.a, world.skill, certifier=world.certifier)


def build_certificate(world, make, client) -> None:
    world.certificate = make.certificate(world.w, world.a)


def build_evaluation(world, make, client) -> None:
    make.evaluation(world.w, world.a, overall=2, comments=f"The cadaver lab was short, {MARKER}.")


def build_attendance(world, make, client) -> None:
    world.record = make.attendance(world.lab, world.a, "late", note=f"Train from {MARKER}")


def build_export_job(world, make, client) -> None:
    client.login(world.a)
    assert client.post("/profile/data/export").status_code == 302
    client.logout()
    world.job = db.session.scalar(sa.select(Job).where(Job.created_by_id == world.a.id))
    assert world.job.result_file, "the export job should have finished"


def build_calendar(world, make, client) -> None:
    # A workshop only A attends: its session may show in no one else's feed.
    only_a = make.workshop(organizer=world.organizer, faculty=[world.teacher], certifiers=[])
    make.enrolment(only_a, world.a)
    make.session(only_a, title=f"Private session {MARKER}")
    world.tokens = SimpleNamespace(
        **{asker: make.calendar_feed(getattr(world, asker)) for asker in ("a", *OUTSIDERS)}
    )
    world.wrong_token = "x" * 43


def build_mail(world, make, client) -> None:
    message = OutboxMessage(
        recipient=world.a.email,
        subject=f"Your seat, {MARKER}",
        body="Welcome.",
        topic="enrolment.confirmed",
        workshop_id=world.w.id,
    )
    db.session.add(message)
    db.session.commit()
    world.message = message


def build_staff_pages(world, make, client) -> None:
    world.quiz = make.quiz(world.w)
    world.member = db.session.scalar(
        sa.select(WorkshopStaff).where(
            WorkshopStaff.workshop_id == world.w.id, WorkshopStaff.duty == Duty.FACULTY
        )
    )
    world.station = world.lab.stations[0]
    make.assign(world.station, world.a)


W = "/workshops/{w.id}"
OWN = "/workshops/{own.id}"
RECORD = "/assessments/workshops/{w.id}/trainees/{a.id}/skills/{skill.id}"
OWN_RECORD = "/assessments/workshops/{own.id}/trainees/{a.id}/skills/{skill.id}"
REASON = {"reason": f"Removed by {MARKER}"}

KINDS = (
    Kind(
        "enrolment",
        build_nothing,
        (
            Ask("enrolments.remove", "POST", W + "/roster/{enrolment.id}/remove", REASON),
            Ask("enrolments.remove", "POST", OWN + "/roster/{enrolment.id}/remove", REASON),
        ),
    ),
    Kind(
        "quiz attempt",
        build_attempt,
        (
            Ask("quizzes.attempt", "GET", "/attempts/{attempt.id}"),
            Ask("quizzes.attempt", "POST", "/attempts/{attempt.id}", {"q-{question_id}": "b"}),
            Ask(
                "quizzes.save_answer",
                "POST",
                "/attempts/{attempt.id}/answer",
                {"question_id": "{question_id}", "q-{question_id}": "b"},
            ),
            Ask("quizzes.submit_attempt", "POST", "/attempts/{attempt.id}/submit"),
            Ask("quizzes.result", "GET", "/attempts/{graded.id}/result"),
        ),
    ),
    Kind(
        "quiz grade",
        build_grade,
        (
            Ask("quizzes.override_grade", "GET", "/quizzes/{quiz.id}/grades/{a.id}"),
            Ask("quizzes.override_grade", "GET", "/quizzes/{own_quiz.id}/grades/{a.id}"),
            *(
                Ask(
                    "quizzes.override_grade", "POST", url, {"percent": "100", "reason": f"Raised by {MARKER}"}
                )
                for url in ("/quizzes/{quiz.id}/grades/{a.id}", "/quizzes/{own_quiz.id}/grades/{a.id}")
            ),
        ),
    ),
    Kind(
        "assessment record",
        build_assessment,
        (
            Ask("assessments.record", "GET", RECORD),
            Ask("assessments.record", "GET", OWN_RECORD),
            Ask("assessments.assess", "GET", RECORD + "/assess"),
            Ask("assessments.assess", "GET", OWN_RECORD + "/assess"),
            Ask(
                "assessments.assess",
                "POST",
                RECORD + "/assess",
                {"entrustment": "1", "competent": "no", "feedback": "Rewritten"},
            ),
            Ask("assessments.sign_off", "POST", RECORD + "/sign-off", {"evidence_id": "{assessment.id}"}),
            Ask("assessments.sign_off", "POST", OWN_RECORD + "/sign-off", {"evidence_id": "{assessment.id}"}),
            Ask("assessments.revoke", "POST", "/assessments/sign-offs/{sign_off.id}/revoke", REASON),
            Ask("assessments.station", "GET", "/assessments/sessions/{lab.id}"),
        ),
    ),
    Kind(
        "certificate",
        build_certificate,
        (
            Ask("certificates.detail", "GET", "/certificates/{certificate.serial}"),
            Ask("certificates.download", "GET", "/certificates/{certificate.serial}/pdf"),
            Ask("certificates.badge_jwt", "GET", "/certificates/{certificate.serial}/badge.jwt"),
            Ask("certificates.badge_json", "GET", "/certificates/{certificate.serial}/badge.json"),
            Ask("certificates.revoke", "POST", "/certificates/{certificate.serial}/revoke", REASON),
            Ask("certificates.reissue", "POST", "/certificates/{certificate.serial}/reissue"),
        ),
    ),
    Kind(
        "evaluation answer",
        build_evaluation,
        (
            Ask("certificates.evaluation_results", "GET", W + "/evaluation/results"),
            # The other trainee has an evaluation form of their own: it must start empty.
            Ask("certificates.evaluate", "GET", W + "/evaluation", shows_nothing_of=("trainee_b",)),
            Ask("certificates.confirm_name", "GET", W + "/certificate-name", shows_nothing_of=("trainee_b",)),
            # The other trainee's progress page is her own, always.
            Ask("certificates.progress", "GET", W + "/progress", shows_nothing_of=("trainee_b",)),
        ),
    ),
    Kind(
        "attendance record",
        build_attendance,
        (
            Ask("attendance.record", "GET", "/attendance/records/{record.id}"),
            Ask(
                "attendance.mark",
                "POST",
                "/attendance/sessions/{lab.id}/roll-call/{a.id}",
                {"status": "absent", "note": "Rewritten"},
            ),
            Ask(
                "attendance.mark",
                "POST",
                "/attendance/sessions/{own_session.id}/roll-call/{a.id}",
                {"status": "absent", "note": "Rewritten"},
            ),
        ),
    ),
    Kind(
        "personal-data export job",
        build_export_job,
        (
            Ask("main.job", "GET", "/jobs/{job.id}"),
            Ask("main.job_progress", "GET", "/jobs/{job.id}/progress"),
            Ask("main.job_download", "GET", "/jobs/{job.id}/download"),
        ),
    ),
    Kind(
        "calendar feed",
        build_calendar,
        (
            # Each asker's own feed answers, without A's sessions; a wrong token is nobody's.
            Ask("workshops.feed", "GET", "/calendar/{own_token}.ics", shows_nothing_of=OUTSIDERS),
            Ask("workshops.feed", "GET", "/calendar/{wrong_token}.ics"),
        ),
    ),
    Kind(
        "person",
        build_nothing,
        (
            Ask("workshops.faculty_profile", "GET", "/faculty/{a.id}"),
            Ask("accounts.user_detail", "GET", "/admin/users/{a.id}"),
            Ask("accounts.deactivate", "POST", "/admin/users/{a.id}/deactivate"),
            Ask("accounts.reactivate", "POST", "/admin/users/{a.id}/reactivate"),
            Ask("accounts.erase_user", "POST", "/admin/users/{a.id}/erase", {"confirm_email": "{a.email}"}),
            Ask("accounts.resend_invitation", "POST", "/admin/users/{a.id}/invitation"),
            Ask("accounts.change_roles", "POST", "/admin/users/{a.id}/roles", {"roles": "admin"}),
        ),
    ),
    Kind(
        "mail to the trainee",
        build_mail,
        (
            Ask("main.retry_mail", "POST", "/admin/outbox/{message.id}/retry"),
            Ask("enrolments.retry_mail", "POST", W + "/mail/{message.id}/retry"),
            Ask("enrolments.retry_mail", "POST", OWN + "/mail/{message.id}/retry"),
            Ask("enrolments.pending_mail", "GET", W + "/mail"),
        ),
    ),
    Kind(
        # Pages of W's staff: they show A's name, marks and grades, or change W for A.
        "workshop staff pages",
        build_staff_pages,
        (
            # W's confirmed trainees see its quizzes (not one another's results).
            Ask("quizzes.workshop_quizzes", "GET", W + "/quizzes", shows_nothing_of=("trainee_b",)),
            Ask("quizzes.quiz", "GET", "/quizzes/{quiz.id}", shows_nothing_of=("trainee_b",)),
            *(
                Ask(endpoint, method, url)
                for endpoint, method, url in (
                    ("enrolments.roster", "GET", W + "/roster"),
                    ("enrolments.export_roster", "GET", W + "/roster.csv"),
                    ("enrolments.add", "GET", W + "/roster/add"),
                    ("enrolments.add", "POST", W + "/roster/add"),
                    ("enrolments.import_roster", "GET", W + "/roster/import"),
                    ("enrolments.import_roster", "POST", W + "/roster/import"),
                    ("enrolments.add_new", "POST", W + "/roster/new"),
                    ("enrolments.promote", "POST", W + "/roster/promote"),
                    ("quizzes.new_quiz", "GET", W + "/quizzes/new"),
                    ("quizzes.new_quiz", "POST", W + "/quizzes/new"),
                    ("quizzes.edit_quiz", "GET", "/quizzes/{quiz.id}/edit"),
                    ("quizzes.edit_quiz", "POST", "/quizzes/{quiz.id}/edit"),
                    ("quizzes.item_analysis", "GET", "/quizzes/{quiz.id}/analysis"),
                    ("quizzes.accommodations", "GET", W + "/accommodations"),
                    ("quizzes.accommodations", "POST", W + "/accommodations"),
                    ("quizzes.gradebook", "GET", W + "/gradebook"),
                    ("quizzes.gradebook_csv", "GET", W + "/gradebook.csv"),
                    ("quizzes.knowledge_gain", "GET", W + "/knowledge-gain"),
                    ("attendance.matrix", "GET", "/attendance/workshops/{w.id}/matrix"),
                    ("attendance.matrix_csv", "GET", "/attendance/workshops/{w.id}/matrix.csv"),
                    ("attendance.settings", "GET", "/attendance/workshops/{w.id}/settings"),
                    ("attendance.settings", "POST", "/attendance/workshops/{w.id}/settings"),
                    ("attendance.roll_call", "GET", "/attendance/sessions/{lab.id}/roll-call"),
                    (
                        "attendance.mark_all_present",
                        "POST",
                        "/attendance/sessions/{lab.id}/roll-call/all-present",
                    ),
                    ("attendance.check_in_screen", "GET", "/attendance/sessions/{lab.id}/check-in-screen"),
                    (
                        "attendance.check_in_screen_code",
                        "GET",
                        "/attendance/sessions/{lab.id}/check-in-screen/code",
                    ),
                    ("attendance.sign_in_sheet", "GET", "/attendance/sessions/{lab.id}/sign-in-sheet.pdf"),
                    ("assessments.matrix", "GET", "/assessments/workshops/{w.id}/matrix"),
                    ("assessments.matrix_csv", "GET", "/assessments/workshops/{w.id}/matrix.csv"),
                    ("certificates.eligibility", "GET", W + "/certificates"),
                    ("certificates.edit_rules", "GET", W + "/certificates/rules"),
                    ("certificates.edit_rules", "POST", W + "/certificates/rules"),
                    ("certificates.issue", "POST", W + "/certificates/issue"),
                    ("certificates.issue_all", "POST", W + "/certificates/issue-all"),
                    ("certificates.download_all", "GET", W + "/certificates.zip"),
                    ("workshops.edit", "GET", W + "/edit"),
                    ("workshops.edit", "POST", W + "/edit"),
                    ("planning.copy_workshop", "GET", W + "/copy"),
                    ("planning.copy_workshop", "POST", W + "/copy"),
                    ("workshops.cancel", "GET", W + "/cancel"),
                    ("workshops.cancel", "POST", W + "/cancel"),
                    ("workshops.publish", "POST", W + "/publish"),
                    ("workshops.complete", "POST", W + "/complete"),
                    ("workshops.staff", "GET", W + "/staff"),
                    ("workshops.staff", "POST", W + "/staff"),
                    ("workshops.remove_staff", "POST", W + "/staff/{member.id}/remove"),
                    ("workshops.remove_staff", "POST", OWN + "/staff/{member.id}/remove"),
                    ("workshops.create_session", "GET", W + "/sessions/new"),
                    ("workshops.create_session", "POST", W + "/sessions/new"),
                    ("workshops.edit_session", "GET", "/sessions/{lab.id}/edit"),
                    ("workshops.edit_session", "POST", "/sessions/{lab.id}/edit"),
                    ("workshops.cancel_session", "POST", "/sessions/{lab.id}/cancel"),
                    ("workshops.move_trainee", "POST", "/sessions/{lab.id}/move"),
                    ("workshops.place_trainees", "POST", "/sessions/{lab.id}/place"),
                    ("workshops.add_station", "POST", "/sessions/{lab.id}/stations"),
                    ("workshops.remove_station", "POST", "/sessions/{lab.id}/stations/{station.id}/remove"),
                )
            ),
        ),
    ),
)

# Rules with an argument that are not about one person's object, each with why.
CATALOGUE = (
    "the curriculum is shared by every workshop and holds no personal data (tests/web/access/curriculum.py)"
)
PROGRAMME = "a published workshop's programme is open to everyone signed in (tests/web/access/workshops.py)"
OWN_ONLY = "acts on the signed-in trainee's own enrolment or record, never on another's"
NOT_PERSONAL: dict[str, str] = {
    "static": "static files",
    "certificates.verify": "public by design: anyone may check a certificate by its serial",
    "certificates.verify_json": "public by design: anyone may check a certificate by its serial",
    "accounts.accept_invitation": "the secret token is the permission (tests/web/test_auth.py)",
    "accounts.reset_password": "the secret token is the permission (tests/web/test_auth.py)",
    "accounts.confirm_email": "the secret token is the permission (tests/web/test_auth.py)",
    "accounts.change_email": "the secret token is the permission (tests/web/test_account_security.py)",
    "attendance.scan": "the code on the room's screen checks in the signed-in trainee only",
    "attendance.confirm_check_in": "the code on the room's screen checks in the signed-in trainee only",
    "quizzes.start_attempt": OWN_ONLY,
    "quizzes.question_image": "shown to authors and to trainees who drew the question (access matrix)",
    "quizzes.new_hotspot_question": CATALOGUE,
    "quizzes.edit_hotspot_question": CATALOGUE,
    "enrolments.workshop": OWN_ONLY,
    "enrolments.enrol": OWN_ONLY,
    "enrolments.cancel": OWN_ONLY,
    "certificates.evaluate/POST": OWN_ONLY,
    "certificates.confirm_name/POST": OWN_ONLY,
    "workshops.detail": PROGRAMME,
    "workshops.timetable": PROGRAMME,
    "workshops.programme": PROGRAMME,
    "workshops.workshop_calendar": PROGRAMME,
    "workshops.session_detail": PROGRAMME,
    **{
        f"curriculum.{name}": CATALOGUE
        for name in (
            "compare",
            "discard",
            "module",
            "edit_module",
            "new_question",
            "new_skill",
            "edit_question",
            "edit_skill",
            "version",
            "anatomy",
            "start_draft",
            "export",
            "upload_image",
            "image",
            "prerequisite_graph",
            "publish",
        )
    },
}

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _fill(template: Any, values: dict[str, Any]) -> Any:
    if isinstance(template, str):
        return template.format(**values)
    if isinstance(template, dict):
        return {_fill(key, values): _fill(value, values) for key, value in template.items()}
    return template


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    tables = {}
    for table in db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        rows = db.session.execute(sa.select(table).order_by(*order)).all()
        tables[table.name] = [tuple(row) for row in rows]
    return tables


def changed_tables(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> list[str]:
    return sorted(name for name in before if before[name] != after[name])


@pytest.mark.parametrize("kind", KINDS, ids=[kind.name for kind in KINDS])
def test_nobody_else_reaches_the_trainees_object(kind, app, client, make, run_tasks):
    world = build_world(make)
    kind.build(world, make, client)
    run_tasks()
    adapter = app.url_map.bind("localhost")
    failures = []
    for asker in OUTSIDERS:
        values = asker_view(world, asker)
        for ask in kind.asks:
            url = _fill(ask.url, values)
            data = _fill(ask.data, values) if ask.data is not None else None
            endpoint, _ = adapter.match(url, method=ask.method)
            assert endpoint == ask.endpoint, f"{url} is {endpoint}, not {ask.endpoint}"
            client.logout()
            client.login(getattr(world, asker))
            before = snapshot()
            response = client.open(url, method=ask.method, data=data)
            body = response.get_data(as_text=True) if response.mimetype.startswith("text") else ""
            response.close()
            after = snapshot()
            what = f"{asker}: {ask.method} {url}"
            if asker in ask.shows_nothing_of:
                if MARKER in body:
                    failures.append(f"{what} shows A's data")
            elif response.status_code not in (403, 404):
                failures.append(f"{what} answered {response.status_code}")
            if changes := changed_tables(before, after):
                failures.append(f"{what} changed {changes}")
    assert not failures, "\n".join(failures)

    # The pages that may answer others do show A's data to A: "shows nothing" means something.
    client.logout()
    client.login(world.a)
    for ask in kind.asks:
        if ask.shows_nothing_of:
            url = _fill(ask.url, asker_view(world, "a"))
            response = client.open(url, method=ask.method)
            assert MARKER in response.get_data(as_text=True), f"A: {ask.method} {url}"
            response.close()


def _key(endpoint: str, method: str) -> str:
    return f"{endpoint}/{method}"


def test_every_url_with_an_id_is_covered(app):
    covered = {_key(ask.endpoint, ask.method) for kind in KINDS for ask in kind.asks}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.arguments:
            continue
        for method in sorted(rule.methods - IGNORED_METHODS):
            key = _key(rule.endpoint, method)
            if key not in covered and key not in NOT_PERSONAL and rule.endpoint not in NOT_PERSONAL:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not missing, "add a row to KINDS or a reason to NOT_PERSONAL:\n" + "\n".join(sorted(missing))


def test_every_reason_names_a_real_rule(app):
    keys = {rule.endpoint for rule in app.url_map.iter_rules()} | {
        _key(rule.endpoint, method) for rule in app.url_map.iter_rules() for method in rule.methods
    }
    assert not sorted(set(NOT_PERSONAL) - keys)


def test_a_wrong_id_is_a_404_not_a_500(client, make):
    # The largest id a URL takes, and one past it: both are simply not there.
    client.login(make.admin())
    for url in ("/attempts/2147483647", "/attempts/2147483648", "/attendance/records/99999999"):
        assert client.get(url).status_code == 404, url


# --- a trainee id must name a trainee of the workshop in the URL ----------------------------

PERSON_ARGUMENTS = {"trainee_id", "user_id"}
WORKSHOP_ARGUMENTS = {"workshop_id", "session_id", "quiz_id"}
# Pages about one trainee of one workshop, with the person's id as ``{x.id}``: asked by
# the workshop's own staff about someone who is not its trainee, each must answer 404.
TRAINEE_PAGES = (
    Ask(
        "attendance.mark",
        "POST",
        "/attendance/sessions/{lab.id}/roll-call/{x.id}",
        {"status": "absent", "note": "Marked"},
    ),
    Ask("quizzes.override_grade", "GET", "/quizzes/{quiz.id}/grades/{x.id}"),
    Ask(
        "quizzes.override_grade",
        "POST",
        "/quizzes/{quiz.id}/grades/{x.id}",
        {"percent": "100", "reason": "Raised"},
    ),
    Ask("assessments.record", "GET", "/assessments/workshops/{w.id}/trainees/{x.id}/skills/{skill.id}"),
    Ask(
        "assessments.assess", "GET", "/assessments/workshops/{w.id}/trainees/{x.id}/skills/{skill.id}/assess"
    ),
    Ask(
        "assessments.assess",
        "POST",
        "/assessments/workshops/{w.id}/trainees/{x.id}/skills/{skill.id}/assess",
        {"entrustment": "3", "competent": "yes", "feedback": "Rated"},
    ),
    Ask(
        "assessments.sign_off",
        "POST",
        "/assessments/workshops/{w.id}/trainees/{x.id}/skills/{skill.id}/sign-off",
        {"evidence_id": "{assessment.id}"},
    ),
)


def test_pages_about_a_trainee_answer_404_for_anyone_not_a_trainee_of_the_workshop(app, client, make):
    world = build_world(make)
    build_assessment(world, make, client)
    world.quiz = make.quiz(world.w)
    # Nobody here is a trainee of W: a trainee of W2 only, W2's organizer, W's own faculty.
    elsewhere = make.trainee(full_name=f"Dr. Elsewhere {MARKER}")
    make.enrolment(world.w2, elsewhere)
    adapter = app.url_map.bind("localhost")
    failures = []
    # W's certifying faculty may use every one of these pages on W's trainees; its
    # organizer and an admin some of them (403 for the others).
    for asker, allowed in (
        (world.certifier, (404,)),
        (world.organizer, (403, 404)),
        (make.admin(), (403, 404)),
    ):
        client.login(asker)
        for person in (elsewhere, world.organizer_w2, world.teacher):
            values = {**vars(world), "x": person}
            for ask in TRAINEE_PAGES:
                url = _fill(ask.url, values)
                data = _fill(ask.data, values) if ask.data is not None else None
                assert adapter.match(url, method=ask.method)[0] == ask.endpoint
                before = snapshot()
                response = client.open(url, method=ask.method, data=data)
                what = f"{asker.email} {ask.method} {url}"
                if response.status_code not in allowed:
                    failures.append(f"{what} answered {response.status_code}")
                if MARKER in response.get_data(as_text=True):
                    failures.append(f"{what} named the person")
                if changes := changed_tables(before, snapshot()):
                    failures.append(f"{what} changed {changes}")
    assert not failures, "\n".join(failures)

    client.login(world.certifier)  # and W's own trainee is reached
    for ask in TRAINEE_PAGES:
        if ask.method == "GET":
            url = _fill(ask.url, {**vars(world), "x": world.a})
            assert client.get(url).status_code == 200, url


def test_every_url_about_a_person_of_a_workshop_is_a_trainee_page(app):
    covered = {_key(ask.endpoint, ask.method) for ask in TRAINEE_PAGES}
    missing = [
        f"{method} {rule.rule} ({rule.endpoint})"
        for rule in app.url_map.iter_rules()
        if rule.arguments & PERSON_ARGUMENTS and rule.arguments & WORKSHOP_ARGUMENTS
        for method in sorted(rule.methods - IGNORED_METHODS)
        if _key(rule.endpoint, method) not in covered
    ]
    assert not missing, "add a row to TRAINEE_PAGES:\n" + "\n".join(sorted(missing))
