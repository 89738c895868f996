"""The command line: create-user and seed-demo."""

import sqlalchemy as sa

from training.accounts.models import Role, User
from training.demo import DEMO_ACCOUNTS
from training.extensions import db


def users():
    return list(db.session.scalars(sa.select(User).order_by(User.id)))


def test_create_an_admin_with_a_password_option(app, session):
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "--email",
            "Boss@Example.org",
            "--name",
            "Ada Boss",
            "--role",
            "admin",
            "--role",
            "organizer",
            "--password",
            "theatre-list-monday",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Created boss@example.org (admin, organizer)." in result.output
    (user,) = users()
    assert user.roles == {Role.ADMIN, Role.ORGANIZER}


def test_create_user_asks_for_the_password_when_not_given(app, session):
    result = app.test_cli_runner().invoke(
        args=["create-user", "--email", "a@example.org", "--name", "A B", "--role", "faculty"],
        input="theatre-list-monday\ntheatre-list-monday\n",
    )
    assert result.exit_code == 0, result.output
    assert users()[0].password_hash.startswith("$argon2id$")


def test_create_user_refuses_a_weak_password_and_says_why(app, session):
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "--email",
            "a@example.org",
            "--name",
            "A B",
            "--role",
            "admin",
            "--password",
            "short",
        ]
    )
    assert result.exit_code == 1
    assert "error: password: Use at least 12 characters." in result.output
    assert users() == []


def test_create_user_refuses_a_taken_address(app, session, make):
    make.trainee(email="a@example.org")
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "--email",
            "A@example.org",
            "--name",
            "A B",
            "--role",
            "admin",
            "--password",
            "theatre-list-monday",
        ]
    )
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_seed_demo_prints_the_accounts_and_can_run_again(app, session):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    for account in DEMO_ACCOUNTS:
        assert account.email in first.output
        assert account.password in first.output
    count = len(users())
    assert count >= len(DEMO_ACCOUNTS)  # the demo accounts, and the trainees filling the demo workshop

    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert len(users()) == count

    skipped = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "already has accounts" in skipped.output
