"""Queue the bulk certificate issue of a workshop, as the page's button does, and print
the job's id. Run by the benchmark with the environment of the copy it issues into:
``python -m bench.start_bulk WORKSHOP_ID ACTOR_ID``."""

from __future__ import annotations

import sys

from training import create_app
from training.accounts.models import User
from training.certificates import jobs
from training.certificates.models import CertificateKind
from training.core.jobs import start_job
from training.extensions import db
from training.workshops.models import Workshop


def main(workshop_id: int, actor_id: int) -> int:
    app = create_app()
    with app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        actor = db.session.get(User, actor_id)
        kind = CertificateKind.ATTENDANCE
        job = start_job(
            jobs.KIND,
            f"{kind.plural} for {workshop.title}",
            actor=actor,
            workshop_id=workshop_id,
            certificate_kind=kind.value,
        )
        db.session.commit()
        print(job.id)
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), int(sys.argv[2])))
