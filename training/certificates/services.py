"""Certificates use cases, the capability's public interface: rules, names,
evaluations, eligibility, issue, revoke, re-issue, verify.

Each use case lives in its own module (``requirements``, ``names``, ``evaluations``,
``eligibility``, ``documents``, ``storage``, ``issuing``, ``revocation``, ``registry``);
other capabilities, templates and tests call them through this one.
"""

from __future__ import annotations

from training.certificates.documents import (
    CERTIFICATE_FONTS,
    build_snapshot,
    certificate_html,
    dates_text,
    day_text,
    ensure_fonts_installed,
    ensure_links_reach_the_public,
    issued_on_text,
    qr_data_uri,
    render_certificate,
)
from training.certificates.eligibility import (
    EligibilityRow,
    NotEligible,
    eligibility_table,
    eligible_to_issue,
    issue_refusal,
    kinds_of,
    live_certificate,
    live_certificates,
    results_of,
    trainee_eligibility,
)
from training.certificates.evaluations import (
    EvaluationResults,
    EvaluationTargets,
    RatedItem,
    evaluation_of,
    evaluation_open,
    evaluation_results,
    evaluation_targets,
    submit_evaluation,
)
from training.certificates.evidence import gather
from training.certificates.issuing import (
    BulkOutcome,
    count_issued_since,
    draft_certificate,
    issue_certificate,
    new_serial,
    store_certificate,
)
from training.certificates.models import QuizPolicy
from training.certificates.names import confirm_name, confirmed_name, is_confirmed_trainee
from training.certificates.registry import Verification, find_by_serial, search_registry, serial_in, verify
from training.certificates.requirements import requirements, rules_of, save_rules, workshop_skills
from training.certificates.revocation import reissue_certificate, revoke_certificate
from training.certificates.storage import (
    STORAGE,
    StoredFileProblem,
    stored_key,
    stored_keys,
    stored_pdf,
)
from training.certificates.storage import write_atomically as _write_atomically

__all__ = [
    "CERTIFICATE_FONTS",
    "STORAGE",
    "BulkOutcome",
    "EligibilityRow",
    "EvaluationResults",
    "EvaluationTargets",
    "NotEligible",
    "QuizPolicy",
    "RatedItem",
    "StoredFileProblem",
    "Verification",
    "_write_atomically",
    "build_snapshot",
    "certificate_html",
    "confirm_name",
    "confirmed_name",
    "count_issued_since",
    "dates_text",
    "day_text",
    "draft_certificate",
    "eligibility_table",
    "eligible_to_issue",
    "ensure_fonts_installed",
    "ensure_links_reach_the_public",
    "evaluation_of",
    "evaluation_open",
    "evaluation_results",
    "evaluation_targets",
    "find_by_serial",
    "gather",
    "is_confirmed_trainee",
    "issue_certificate",
    "issue_refusal",
    "issued_on_text",
    "kinds_of",
    "live_certificate",
    "live_certificates",
    "new_serial",
    "qr_data_uri",
    "reissue_certificate",
    "render_certificate",
    "requirements",
    "results_of",
    "revoke_certificate",
    "rules_of",
    "save_rules",
    "search_registry",
    "serial_in",
    "store_certificate",
    "stored_key",
    "stored_keys",
    "stored_pdf",
    "submit_evaluation",
    "trainee_eligibility",
    "verify",
    "workshop_skills",
]
