"""Account use cases against the real database."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner

from training.accounts import services, tokens
from training.accounts.models import Role, User
from training.core.audit import AuditEvent
from training.core.errors import Conflict, DomainError, InvalidInput, NotAllowed
from training.extensions import db

STRONG = "dermal-fat-compartments"


def profile(**changes):
    values = {
        "full_name": "Dr. Sofia Marín",
        "email": "Sofia.Marin@Example.org",
        "specialty": "Oculoplastic surgery",
        "registration_number": "CMM 28/2819311",
        "institution": "Hospital Clínic",
        "country": "ES",
    }
    values.update(changes)
    return services.Profile(**values)


def events(action):
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


class TestSignUp:
    def test_creates_a_trainee_with_a_lower_case_email_and_a_hashed_password(self, ctx, mails):
        services.sign_up(profile(), STRONG)
        db.session.commit()
        user = services.find_by_email("sofia.marin@example.org")
        assert user.email == "sofia.marin@example.org"
        assert user.roles == {Role.TRAINEE}
        assert user.password_hash.startswith("$argon2id$")
        assert STRONG not in user.password_hash
        assert user.email_confirmed_at is None
        assert [m.subject for m in mails(user.email)] == ["Confirm your e-mail address"]
        assert events("user.signed_up")[0].new["email"] == "sofia.marin@example.org"

    def test_an_address_differing_only_in_case_is_taken_and_its_owner_told(self, ctx, make, mails):
        owner = make.trainee(email="sofia.marin@example.org")
        services.sign_up(profile(email="SOFIA.MARIN@example.org"), STRONG)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
        assert [m.subject for m in mails(owner.email)] == ["Someone tried to sign up with your address"]

    def test_a_weak_password_is_refused_with_every_reason(self, ctx):
        with pytest.raises(InvalidInput) as caught:
            services.sign_up(profile(), "password1234")
        assert "This is a very common password." in caught.value.problems["password"]

    def test_the_database_refuses_a_mixed_case_email_written_directly(self, ctx):
        db.session.add(User(email="Upper@Example.org", full_name="X Y", session_token="t"))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()


class TestAuthenticate:
    def test_right_password_signs_in_and_the_login_records_the_time(self, ctx, make):
        user = make.trainee(email="a@example.org")
        assert services.authenticate("A@Example.org ", user.password) == user
        services.start_login(user, user_agent="pytest")
        assert user.last_login_at is not None

    @pytest.mark.parametrize(
        ("email", "password"),
        [("a@example.org", "wrong-password-here"), ("nobody@example.org", "lipofilling-cannula-harvest")],
    )
    def test_wrong_password_and_unknown_address_look_the_same(self, ctx, make, email, password):
        make.trainee(email="a@example.org")
        assert services.authenticate(email, password) is None

    def test_a_deactivated_account_cannot_sign_in(self, ctx, make):
        user = make.trainee(active=False)
        assert services.authenticate(user.email, user.password) is None

    def test_an_invited_account_without_password_cannot_sign_in(self, ctx, make):
        user = make.faculty(password="")
        assert services.authenticate(user.email, "") is None

    def test_an_old_weaker_hash_is_upgraded_on_login(self, ctx, make, app):
        user = make.trainee()
        old_hash = user.password_hash
        app.config["PASSWORD_HASH_TIME_COST"] = 2
        try:
            assert services.authenticate(user.email, user.password) == user
            assert user.password_hash != old_hash
            assert "t=2" in user.password_hash
        finally:
            app.config["PASSWORD_HASH_TIME_COST"] = 1


class TestProfile:
    def test_changes_are_audited_old_to_new(self, ctx, make):
        user = make.trainee(institution="Old Hospital")
        services.update_profile(user, profile(email=user.email, institution="New Hospital"), actor=user)
        event = events("user.profile_changed")[0]
        assert event.old["institution"] == "Old Hospital"
        assert event.new["institution"] == "New Hospital"
        assert event.actor_id == user.id

    def test_nothing_changed_writes_nothing(self, ctx, make):
        user = make.trainee()
        same = services.Profile(
            full_name=user.full_name,
            email=user.email,
            specialty=user.specialty,
            registration_number=user.registration_number,
            institution=user.institution,
            country=user.country,
        )
        services.update_profile(user, same, actor=user)
        assert events("user.profile_changed") == []

    def test_another_trainee_cannot_change_my_profile(self, ctx, make):
        me, other = make.trainee(), make.trainee()
        with pytest.raises(NotAllowed):
            services.update_profile(me, profile(), actor=other)

    def test_cannot_take_someone_elses_address(self, ctx, make, mails):
        owner = make.trainee(email="taken@example.org")
        me = make.trainee()
        mine = me.email
        taken = profile(email="Taken@example.org")
        services.update_profile(me, taken, actor=me, current_password=me.password)
        assert me.email == mine
        (warning,) = mails(owner.email)
        assert warning.subject == "Someone tried to use your address for another account"
        admin = make.admin()
        with pytest.raises(Conflict):
            services.update_profile(me, profile(email="Taken@example.org"), actor=admin)


class TestPasswords:
    def test_change_needs_the_current_password(self, ctx, make):
        user = make.trainee()
        with pytest.raises(InvalidInput) as caught:
            services.change_password(user, "not-my-password", STRONG, actor=user)
        assert caught.value.problems == {"current_password": ["Your current password is not correct."]}

    def test_change_signs_out_other_sessions(self, ctx, make):
        user = make.trainee()
        before = user.get_id()
        services.change_password(user, user.password, STRONG, actor=user)
        assert user.get_id() != before
        assert services.check_password(user, STRONG)

    def test_reset_link_works_once(self, ctx, make, mails, run_tasks):
        user = make.trainee()
        services.request_password_reset(user.email.upper())
        assert mails() == []  # queued: the request does the same work for every address
        db.session.commit()
        run_tasks()
        (message,) = mails(user.email)
        token = message.body.split("/password/reset/")[1].split()[0]
        assert "http://training.test/password/reset/" in message.body
        services.reset_password(token, tokens.PASSWORD_RESET, STRONG)
        assert services.check_password(user, STRONG)
        with pytest.raises(DomainError, match="already been used"):
            services.reset_password(token, tokens.PASSWORD_RESET, "another-long-passphrase")

    def test_reset_link_expires(self, ctx, make, app, monkeypatch):
        user = make.trainee()
        hours = app.config["PASSWORD_RESET_MAX_AGE"] + timedelta(minutes=1)
        real = TimestampSigner.get_timestamp
        monkeypatch.setattr(
            TimestampSigner, "get_timestamp", lambda self: real(self) - int(hours.total_seconds())
        )
        token = tokens.make_token(user, tokens.PASSWORD_RESET)
        monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
        with pytest.raises(DomainError, match="expired"):
            services.reset_password(token, tokens.PASSWORD_RESET, STRONG)

    def test_a_reset_token_is_not_an_invitation(self, ctx, make):
        user = make.trainee()
        token = tokens.make_token(user, tokens.PASSWORD_RESET)
        with pytest.raises(DomainError, match="not valid"):
            services.reset_password(token, tokens.INVITATION, STRONG)

    def test_unknown_address_sends_nothing(self, ctx, mails, run_tasks):
        services.request_password_reset("nobody@example.org")
        db.session.commit()
        assert run_tasks() == 1
        assert mails() == []

    def test_deactivated_account_gets_no_reset(self, ctx, make, mails, run_tasks):
        user = make.trainee(active=False)
        services.request_password_reset(user.email)
        db.session.commit()
        assert run_tasks() == 1
        assert mails() == []


class TestAdministration:
    def test_create_account_invites_by_mail(self, ctx, make, mails):
        admin = make.admin()
        user = services.create_account(profile(email="new.faculty@example.org"), {Role.FACULTY}, actor=admin)
        assert user.password_hash is None
        (message,) = mails("new.faculty@example.org")
        assert "/invitation/" in message.body
        token = message.body.split("/invitation/")[1].split()[0]
        services.reset_password(token, tokens.INVITATION, STRONG)
        assert services.authenticate(user.email, STRONG) == user
        assert events("user.invitation_accepted")

    def test_role_change_is_audited_old_to_new(self, ctx, make):
        admin, trainee = make.admin(), make.trainee()
        services.change_roles(trainee, {Role.TRAINEE, Role.ORGANIZER}, actor=admin)
        db.session.commit()
        assert trainee.roles == {Role.TRAINEE, Role.ORGANIZER}
        (event,) = events("user.roles_changed")
        assert (event.old, event.new) == ({"roles": ["trainee"]}, {"roles": ["organizer", "trainee"]})
        assert event.actor_id == admin.id

    def test_the_last_admin_cannot_be_demoted(self, ctx, make):
        admin, other = make.admin(), make.admin(active=False)
        services.change_roles(other, {Role.FACULTY}, actor=admin)
        with pytest.raises(InvalidInput, match="own admin role"):
            services.change_roles(admin, {Role.FACULTY}, actor=admin)

    def test_deactivation_keeps_records_and_ends_sessions(self, ctx, make):
        admin, trainee = make.admin(), make.trainee()
        session_id = trainee.get_id()
        services.deactivate(trainee, actor=admin)
        db.session.commit()
        assert not trainee.active
        assert trainee.get_id() != session_id
        assert db.session.get(User, trainee.id) is not None
        services.reactivate(trainee, actor=admin)
        assert trainee.active
        assert [e.action for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))] == [
            "user.deactivated",
            "user.reactivated",
        ]

    def test_command_line_account_checks_the_password_too(self, ctx):
        with pytest.raises(InvalidInput):
            services.create_user_from_command(profile(), {Role.ADMIN}, "short")
