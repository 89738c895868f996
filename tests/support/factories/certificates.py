"""Certificates factories: confirmed names, course evaluations and issued certificates.

``make.certificate(workshop, trainee)`` issues a real certificate (snapshot, signed
PDF in the instance folder, row) without asking for eligibility: for tests of
what comes after issue. Tests of issuing go through the services with the
``evidence`` fixture.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Flask

from training.accounts.models import User
from training.certificates import rules, services
from training.certificates.models import (
    Certificate,
    CertificateKind,
    CertificateName,
    CertificateState,
    CourseEvaluation,
    EvaluationRating,
    RatingTarget,
)
from training.core.db import utcnow
from training.extensions import db
from training.workshops.models import Workshop


class CertificatesFactories:
    app: Flask

    def confirmed_name(self, workshop: Workshop, trainee: User, name: str | None = None) -> CertificateName:
        with self.app.app_context():
            row = CertificateName(
                workshop_id=workshop.id,
                trainee_id=trainee.id,
                name=name or trainee.full_name,
                confirmed_at=utcnow(),
            )
            db.session.add(row)
            db.session.commit()
        return row

    def evaluation(
        self,
        workshop: Workshop,
        trainee: User,
        *,
        overall: int = 4,
        comments: str = "",
        sessions: dict[int, int] | None = None,
        faculty: dict[int, int] | None = None,
    ) -> CourseEvaluation:
        with self.app.app_context():
            ratings = [
                EvaluationRating(target=RatingTarget.SESSION, target_id=k, rating=v)
                for k, v in (sessions or {}).items()
            ]
            ratings += [
                EvaluationRating(target=RatingTarget.FACULTY, target_id=k, rating=v)
                for k, v in (faculty or {}).items()
            ]
            row = CourseEvaluation(
                workshop_id=workshop.id,
                trainee_id=trainee.id,
                overall=overall,
                comments=comments,
                submitted_at=utcnow(),
                ratings=ratings,
            )
            db.session.add(row)
            db.session.commit()
        return row

    def certificate(
        self,
        workshop: Workshop,
        trainee: User | None = None,
        *,
        kind: CertificateKind = CertificateKind.ATTENDANCE,
        state: CertificateState = CertificateState.VALID,
        name: str | None = None,
        language: str | None = None,
        bilingual: bool = False,
        **fields: Any,
    ) -> Certificate:
        if trainee is None:
            trainee = self.enrolment(workshop).trainee  # type: ignore[attr-defined]
        with self.app.app_context():
            now = utcnow()
            serial = services.new_serial()
            evidence = rules.TraineeEvidence(
                trainee_id=trainee.id,
                account_name=trainee.full_name,
                confirmed_name=name or trainee.full_name,
            )
            result = rules.Eligibility(kind, met=("Made by a test factory.",))
            snapshot = services.build_snapshot(
                db.session.merge(workshop), kind, evidence, result, serial=serial, issued_at=now, actor=None
            )
            if language is not None:  # else a snapshot from before languages were recorded
                snapshot.update(language=language, bilingual=bilingual)
            document = services.render_certificate(snapshot)
            relative = f"{services.STORAGE}/{workshop.id}/{serial}.pdf"
            certificate = Certificate(
                serial=serial,
                workshop_id=workshop.id,
                trainee_id=trainee.id,
                kind=kind,
                state=state,
                snapshot=snapshot,
                pdf_file=relative,
                pdf_sha256=hashlib.sha256(document).hexdigest(),
                issued_at=now,
                revoked_at=now if state is CertificateState.REVOKED else None,
                revocation_reason="Revoked by a test factory." if state is CertificateState.REVOKED else "",
                superseded_at=now if state is CertificateState.SUPERSEDED else None,
                **fields,
            )
            db.session.add(certificate)
            db.session.flush()
            services._write_atomically(relative, document)
            db.session.commit()
        return certificate
