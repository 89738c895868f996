"""The rating scales, as data: the OSATS global rating scale and the O-SCORE entrustment scale.

OSATS (Objective Structured Assessment of Technical Skills) scores seven domains
from 1 to 5; behavioural anchors describe 1, 3 and 5, and 2 and 4 lie between
them (total 7-35). The anchors are written here in our own words, with the
examples a fat-grafting station would show. The keys are column names of
``Assessment``: changing one is a migration. A domain that does not apply to the
station (e.g. use of assistants at a bench) is left unrated (NULL) and out of the total.
"""

from __future__ import annotations

from dataclasses import dataclass

LOWEST, HIGHEST = 1, 5


@dataclass(frozen=True)
class Domain:
    key: str
    title: str
    anchors: dict[int, str]  # 1, 3 and 5

    @property
    def short(self) -> str:
        """A label short enough for a chart axis."""
        return SHORT_TITLES[self.key]


OSATS_DOMAINS: tuple[Domain, ...] = (
    Domain(
        "respect_for_tissue",
        "Respect for tissue",
        {
            1: "Often uses needless force or damages tissue (tears skin at the port, "
            "crushes fat, excessive suction).",
            3: "Handles tissue with care, but now and then causes avoidable trauma.",
            5: "Handles tissue gently and consistently; damage is minimal.",
        },
    ),
    Domain(
        "time_and_motion",
        "Time and motion",
        {
            1: "Many unnecessary moves; slow, repeated or aimless passes.",
            3: "Efficient on the whole, with some unnecessary moves.",
            5: "Clear economy of movement; every pass has a purpose.",
        },
    ),
    Domain(
        "instrument_handling",
        "Instrument handling",
        {
            1: "Tentative or awkward with cannulas, syringes and filters, again and again.",
            3: "Uses the instruments competently, though at times stiff or awkward.",
            5: "Fluid, assured movements with the instruments; no awkwardness.",
        },
    ),
    Domain(
        "knowledge_of_instruments",
        "Knowledge of instruments",
        {
            1: "Often asks for the wrong instrument or uses an unsuitable one "
            "(cannula size, filter, needle depth).",
            3: "Knows most instruments by name and picks the right one for the task.",
            5: "Clearly familiar with every instrument the procedure needs and when to use it.",
        },
    ),
    Domain(
        "use_of_assistants",
        "Use of assistants",
        {
            1: "Places assistants badly or does not use them at all.",
            3: "Uses assistants well most of the time.",
            5: "Uses assistants deliberately, to best advantage, throughout.",
        },
    ),
    Domain(
        "flow_of_operation",
        "Flow of operation and forward planning",
        {
            1: "Keeps stopping, unsure of the next step.",
            3: "Plans ahead and makes steady progress.",
            5: "The course of the procedure is clearly planned; moves effortlessly from step to step.",
        },
    ),
    Domain(
        "knowledge_of_procedure",
        "Knowledge of the specific procedure",
        {
            1: "Knowledge is lacking; needs specific instruction at most steps.",
            3: "Knows all the important steps of the procedure.",
            5: "Shows familiarity with every aspect of the procedure, including why each step is done.",
        },
    ),
)

SHORT_TITLES = {
    "respect_for_tissue": "Tissue",
    "time_and_motion": "Time & motion",
    "instrument_handling": "Handling",
    "knowledge_of_instruments": "Instruments",
    "use_of_assistants": "Assistants",
    "flow_of_operation": "Flow",
    "knowledge_of_procedure": "Procedure",
}

DOMAIN_KEYS: tuple[str, ...] = tuple(domain.key for domain in OSATS_DOMAINS)
DOMAINS_BY_KEY: dict[str, Domain] = {domain.key: domain for domain in OSATS_DOMAINS}
TOTAL_MIN, TOTAL_MAX = LOWEST * len(OSATS_DOMAINS), HIGHEST * len(OSATS_DOMAINS)

# Two raters who differ by this much on a domain disagree about it.
DISAGREEMENT_POINTS = 2


@dataclass(frozen=True)
class EntrustmentLevel:
    level: int
    title: str  # the observer's own words, as the O-SCORE anchors them
    description: str

    @property
    def words(self) -> str:
        """The level with its anchor, as records and certificates print it."""
        return f"{self.level} \u201c{self.title}\u201d"


# Entrustment for one observed procedure: the O-SCORE (Gofton et al. 2012), how much the
# observer had to do. Anchors are the scale's own words. At a cadaver or bench station the
# level describes performance on the model; it never grants unsupervised practice on patients.
ENTRUSTMENT_LEVELS: tuple[EntrustmentLevel, ...] = (
    EntrustmentLevel(1, "I had to do it", "The observer had to perform the procedure."),
    EntrustmentLevel(2, "I had to talk them through", "The trainee needed step-by-step direction."),
    EntrustmentLevel(3, "I had to prompt them from time to time", "The trainee needed occasional prompts."),
    EntrustmentLevel(
        4,
        "I needed to be there in the room just in case",
        "The trainee worked alone; the observer stayed in the room as a precaution.",
    ),
    EntrustmentLevel(5, "I did not need to be there", "The trainee needed no help or presence."),
)
ENTRUSTMENT_BY_LEVEL = {level.level: level for level in ENTRUSTMENT_LEVELS}
ENTRUSTMENT_SCALE = "O-SCORE entrustment scale (1-5)"

# The competence standard a workshop starts from and may only raise: no applicable OSATS
# domain below 3, every critical checklist step done, entrustment 4 or more.
FLOOR_DOMAIN_SCORE = 3
FLOOR_ENTRUSTMENT = 4

# What the setting of an observed attempt is called, by the kind of session it was made at.
SETTING_BY_SESSION_KIND = {
    "cadaver_lab": "cadaver lab",
    "hands_on": "bench model",
    "live_demonstration": "live surgery observed",
    "lecture": "simulation",
    "seminar": "simulation",
}

INSTRUMENT = "OSATS global rating scale with a task-specific checklist"
