"""Pure decisions about enrolment: seats, the waitlist, the window, prerequisites
and the organizer's CSV file. No database, no request, no current user."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import Enum
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email

from training.enrolments.models import EnrolmentState
from training.workshops.models import PrerequisitePolicy, WorkshopState

# Seats ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seat:
    """Where a new enrolment goes: a seat, or the waitlist at ``position`` (1 = next)."""

    state: EnrolmentState
    position: int | None = None

    @property
    def confirmed(self) -> bool:
        return self.state is EnrolmentState.CONFIRMED


def seat_for_newcomer(capacity: int, confirmed: int, waitlisted: int) -> Seat:
    """First come, first served: a free seat if there is one and nobody waits for it."""
    if confirmed < capacity and waitlisted == 0:
        return Seat(EnrolmentState.CONFIRMED)
    return Seat(EnrolmentState.WAITLISTED, waitlisted + 1)


def to_promote(capacity: int, confirmed: int, waitlist: Sequence[int]) -> list[int]:
    """The waitlisted enrolments (ids in waitlist order) that take the free seats."""
    free = max(capacity - confirmed, 0)
    return list(waitlist[:free])


@dataclass(frozen=True)
class SeatSummary:
    capacity: int
    confirmed: int
    waitlisted: int

    @property
    def left(self) -> int:
        return max(self.capacity - self.confirmed, 0)

    @property
    def full(self) -> bool:
        return self.left == 0


# The enrolment window --------------------------------------------------------------------------


def closes_at(enrolment_closes_at: datetime | None, starts_on: date, timezone: str) -> datetime:
    """When enrolment ends: the set closing time, else the start of the first day at the venue."""
    if enrolment_closes_at is not None:
        return enrolment_closes_at
    return datetime.combine(starts_on, time.min, ZoneInfo(timezone))


@dataclass(frozen=True)
class Window:
    state: WorkshopState
    opens_at: datetime | None
    closes_at: datetime  # see ``closes_at()``


def enrolment_refusal(window: Window, now: datetime, *, by_organizer: bool = False) -> str | None:
    """Why enrolment is refused now, or None. Organizers may enrol outside the
    window (a late registration) but never in a workshop that is not published."""
    if window.state is WorkshopState.DRAFT:
        return "This workshop is not published yet: enrolment is not open."
    if window.state is WorkshopState.CANCELLED:
        return "This workshop was cancelled: enrolment is closed."
    if window.state is WorkshopState.COMPLETED:
        return "This workshop has already taken place: enrolment is closed."
    if by_organizer:
        return None
    if window.opens_at is not None and now < window.opens_at:
        return "Enrolment has not opened yet."
    if now >= window.closes_at:
        return "Enrolment for this workshop has closed."
    return None


class Availability(Enum):
    """What a visitor who wants to come can do now, as the public pages say it."""

    SEATS = "seats"  # enrolment is open and the next trainee gets a seat
    WAITLIST = "waitlist"  # enrolment is open, every seat is taken: newcomers join the waitlist
    NOT_YET = "not yet"  # enrolment opens later
    CLOSED = "closed"  # closed, cancelled or held

    @property
    def open(self) -> bool:
        return self in (Availability.SEATS, Availability.WAITLIST)


def availability(seats: SeatSummary, window: Window, now: datetime) -> Availability:
    """The same decisions as enrolling itself: ``enrolment_refusal`` for the window and
    ``seat_for_newcomer`` for the seat (nobody jumps the waitlist)."""
    refusal = enrolment_refusal(window, now)
    if refusal is not None:
        later = (
            window.state is WorkshopState.PUBLISHED and window.opens_at is not None and now < window.opens_at
        )
        return Availability.NOT_YET if later else Availability.CLOSED
    if seat_for_newcomer(seats.capacity, seats.confirmed, seats.waitlisted).confirmed:
        return Availability.SEATS
    return Availability.WAITLIST


# Prerequisites ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrerequisiteCheck:
    policy: PrerequisitePolicy
    missing: tuple[str, ...] = ()  # module codes, sorted
    titles: Mapping[str, str] = field(default_factory=dict)

    @property
    def allowed(self) -> bool:
        return not (self.policy is PrerequisitePolicy.REQUIRED and self.missing)

    @property
    def warning(self) -> bool:
        return self.policy is PrerequisitePolicy.WARN and bool(self.missing)

    def describe(self) -> str:
        names = [f"{code} {self.titles[code]}" if self.titles.get(code) else code for code in self.missing]
        return ", ".join(names)

    def message(self) -> str:
        noun = "module" if len(self.missing) == 1 else "modules"
        if self.allowed:
            return f"Recommended first: the prerequisite {noun} {self.describe()}."
        return f"Enrolment needs the prerequisite {noun} {self.describe()}, completed in an earlier workshop."


def required_codes(taught: Iterable[tuple[str, Iterable[str]]]) -> set[str]:
    """Prerequisite codes of a workshop's modules ((code, prerequisites) pairs),
    except those the workshop teaches itself."""
    taught = list(taught)
    codes = {code for code, _ in taught}
    return {p for _, prerequisites in taught for p in prerequisites} - codes


def check_prerequisites(
    policy: PrerequisitePolicy,
    required: Iterable[str],
    completed: Iterable[str],
    titles: Mapping[str, str] | None = None,
) -> PrerequisiteCheck:
    """``completed``: codes of modules taught in completed workshops the trainee was confirmed on."""
    if policy is PrerequisitePolicy.OFF:
        return PrerequisiteCheck(policy)
    missing = tuple(sorted(set(required) - set(completed)))
    return PrerequisiteCheck(policy, missing, dict(titles or {}))


# The organizer's CSV file ---------------------------------------------------------------------------

MAX_IMPORT_BYTES = 512 * 1024
MAX_IMPORT_ROWS = 1000
COLUMNS = ("name", "email", "specialty", "country")
# Headings people write for the same column.
_ALIASES = {
    "name": "name",
    "full name": "name",
    "full_name": "name",
    "email": "email",
    "e-mail": "email",
    "e mail": "email",
    "email address": "email",
    "e-mail address": "email",
    "specialty": "specialty",
    "speciality": "specialty",
    "country": "country",
}
# Signatures of files that are not text: spreadsheets, PDFs, images, archives.
_BINARY_STARTS = {
    b"PK\x03\x04": "an Excel workbook or a zip archive",
    b"\xd0\xcf\x11\xe0": "an old Excel (.xls) or Word file",
    b"%PDF": "a PDF",
    b"\x89PNG": "an image",
    b"\xff\xd8\xff": "an image",
    b"GIF8": "an image",
}


@dataclass(frozen=True)
class ImportRow:
    line: int
    name: str
    email: str
    specialty: str
    country: str  # ISO 3166-1 alpha-2


@dataclass
class ParsedFile:
    rows: list[ImportRow] = field(default_factory=list)
    # (line, message); line 0 is the file as a whole
    problems: list[tuple[int, str]] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.problems


class FileRefused(ValueError):
    """The file as a whole cannot be read (not text, not UTF-8, wrong columns)."""


def is_email_address(text: str) -> bool:
    """An address the sign-up and profile forms would take (their check: email-validator,
    without asking the DNS)."""
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def decode_upload(data: bytes) -> str:
    if not data.strip():
        raise FileRefused("The file is empty.")
    if len(data) > MAX_IMPORT_BYTES:
        raise FileRefused(
            f"The file is larger than {MAX_IMPORT_BYTES // 1024} KB; split it into smaller files."
        )
    for signature, kind in _BINARY_STARTS.items():
        if data.startswith(signature):
            raise FileRefused(
                f"This is {kind}, not a CSV file. In your spreadsheet choose "
                "Save as > CSV UTF-8 (comma delimited) and upload that file."
            )
    if b"\x00" in data:
        raise FileRefused(
            "This is not a text file (or it is UTF-16). Save it as CSV UTF-8 and upload it again."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FileRefused(
            f"The file is not UTF-8 text (line {line} has a byte that is not UTF-8). "
            "In your spreadsheet choose Save as > CSV UTF-8 and upload it again."
        ) from error
    return text


def _dialect(first_line: str) -> str:
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))


def parse_roster(
    text: str,
    *,
    specialties: Sequence[str],
    countries: Mapping[str, str],
) -> ParsedFile:
    """Read the rows of an organizer's CSV file and list every problem with its line.

    ``countries`` maps lower-cased codes and names to ISO alpha-2 codes. Raises
    FileRefused when the header is wrong: no row can be read then.
    """
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_dialect(first_line), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise FileRefused("The file is empty.") from None
    except csv.Error as error:
        raise FileRefused(f"Line 1 cannot be read as CSV: {error}.") from None
    names = [_ALIASES.get(" ".join(cell.strip().lower().split()), cell.strip()) for cell in header]
    unknown = [cell for cell in names if cell not in COLUMNS and cell]
    missing = [column for column in COLUMNS if column not in names]
    doubled = sorted({cell for cell in names if cell in COLUMNS and names.count(cell) > 1})
    if missing or unknown or doubled:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown {', '.join(unknown)}")
        if doubled:
            parts.append(f"twice {', '.join(doubled)}")
        raise FileRefused(f"The first line must name the columns {', '.join(COLUMNS)} ({'; '.join(parts)}).")
    index = {name: names.index(name) for name in COLUMNS}
    by_specialty = {s.lower(): s for s in specialties}
    parsed = ParsedFile()
    seen: dict[str, int] = {}
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            parsed.problems.append((reader.line_num, f"cannot be read as CSV ({error})"))
            break
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # blank lines are forgiven
        if len(parsed.rows) + len(parsed.problems) >= MAX_IMPORT_ROWS:
            parsed.problems.append((line, f"more than {MAX_IMPORT_ROWS} rows; split the file"))
            break
        if len(cells) != len(header):
            parsed.problems.append((line, f"has {len(cells)} cells where the header has {len(header)}"))
            continue
        value = {name: " ".join(cells[i].split()) for name, i in index.items()}
        problems = []
        if len(value["name"]) < 2 or len(value["name"]) > 200:
            problems.append("the name must be 2 to 200 characters")
        email = value["email"].lower()
        if not email:
            problems.append("the e-mail address is missing")
        elif len(email) > 254 or not is_email_address(email):
            problems.append(f"{value['email']!r} is not an e-mail address")
        elif email in seen:
            problems.append(f"{email} is already on line {seen[email]}")
        else:
            seen[email] = line
        specialty = by_specialty.get(value["specialty"].lower())
        if specialty is None:
            problems.append(
                "the specialty is missing"
                if not value["specialty"]
                else f"unknown specialty {value['specialty']!r} (see the list of specialties)"
            )
        country = countries.get(value["country"].lower())
        if country is None:
            problems.append(
                "the country is missing"
                if not value["country"]
                else f"unknown country {value['country']!r} (a name or a two-letter code such as IT)"
            )
        if problems:
            parsed.problems.append((line, "; ".join(problems)))
        else:
            parsed.rows.append(ImportRow(line, value["name"], email, specialty or "", country or ""))
    if not parsed.rows and not parsed.problems:
        parsed.problems.append((0, "The file has a header but no rows."))
    return parsed
