"""Login limits through the real login form (issue 21): a venue's trainees behind one
address all get in; guessing one account's password is refused after a few failures,
from one address or from many; a refusal is the login page with 429 and never tells
whether the address has an account; the password is checked with no transaction open;
an old, costlier hash is re-made with today's parameters at login."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher, extract_parameters

from training.accounts import login_limits
from training.accounts.models import User
from training.extensions import db

LOGIN_FAILED = "The e-mail address or password is not correct, or the account is not active."
VENUE = "203.0.113.7"  # one NAT address for a whole venue's Wi-Fi


def log_in(client, email, password, address=VENUE, **extra):
    return client.post(
        "/login",
        data={"email": email, "password": password, **extra},
        environ_base={"REMOTE_ADDR": address},
    )


def refused_for_the_account(response) -> bool:
    return response.status_code == 429 and login_limits.REFUSED_FOR_ACCOUNT in response.text


def test_fifty_trainees_behind_one_address_all_get_in_some_after_a_typo(client, make):
    trainees = [make.trainee() for _ in range(50)]
    statuses = []
    for n, trainee in enumerate(trainees):
        if n % 5 == 0:  # one in five mistypes first
            typo = log_in(client, trainee.email, trainee.password + "x")
            assert typo.status_code == 200
            assert LOGIN_FAILED in typo.text
        signed_in = log_in(client, trainee.email, trainee.password)
        statuses.append(signed_in.status_code)
        assert client.get("/").status_code == 200
        client.logout()
    assert statuses == [302] * 50


def test_successful_logins_are_not_counted_against_the_account(client, make):
    trainee = make.trainee()
    for _ in range(12):  # more than either failure limit allows
        assert log_in(client, trainee.email, trainee.password).status_code == 302
        client.logout()


def test_guessing_one_account_from_changing_addresses_is_refused_after_ten_failures(client, make):
    trainee, other = make.trainee(), make.trainee()
    guesses = [log_in(client, trainee.email, f"guess-{n}", address=f"198.51.100.{n}") for n in range(10)]
    assert [g.status_code for g in guesses] == [200] * 10
    assert all(LOGIN_FAILED in g.text for g in guesses)

    eleventh = log_in(client, trainee.email, "guess-10", address="198.51.100.10")
    assert refused_for_the_account(eleventh)
    assert 'name="email"' in eleventh.text  # the login page again, saying why
    # Refused before the password is looked at: even the right one does not tell.
    right = log_in(client, trainee.email.upper(), trainee.password, address="192.0.2.1")
    assert refused_for_the_account(right)
    # Other accounts, from the same addresses, are not held up.
    assert log_in(client, other.email, other.password, address="198.51.100.3").status_code == 302


def test_one_address_guessing_one_account_is_refused_after_five_failures(client, make):
    trainee = make.trainee()
    statuses = [log_in(client, trainee.email, f"guess-number-{n}").status_code for n in range(6)]
    assert statuses == [200] * 5 + [429]
    # The owner elsewhere still gets in (five failures of the ten the account allows).
    assert log_in(client, trainee.email, trainee.password, address="192.0.2.44").status_code == 302


def test_a_refusal_does_not_tell_whether_the_address_has_an_account(client, make):
    trainee = make.trainee()
    known = [log_in(client, trainee.email, f"guess-{n}", address=f"198.51.100.{n}") for n in range(11)]
    nobody = "nobody@example.org"
    unknown = [log_in(client, nobody, f"guess-{n}", address=f"198.51.100.{n}") for n in range(11)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [200] * 10 + [429]
    strip = re.compile(r'name="csrf_token"[^>]*>|name="csrf-token"[^>]*>|name="email"[^>]*>')
    assert strip.sub("", known[-1].text) == strip.sub("", unknown[-1].text)
    assert refused_for_the_account(unknown[-1])


def test_an_address_posting_without_end_reaches_a_ceiling(client, make):
    # Empty forms fail no password, so only the ceiling on every post counts them.
    statuses = [log_in(client, "", "").status_code for _ in range(300)]
    assert statuses == [200] * 300
    refused = log_in(client, "", "")
    assert refused.status_code == 429
    assert login_limits.REFUSED_FOR_ADDRESS in refused.text
    trainee = make.trainee()
    assert log_in(client, trainee.email, trainee.password).status_code == 429
    assert log_in(client, trainee.email, trainee.password, address="192.0.2.9").status_code == 302


def test_the_password_is_checked_with_no_transaction_open(client, make, monkeypatch):
    trainee = make.trainee()
    open_during_checks: list[bool] = []
    verify = PasswordHasher.verify

    def watched_verify(self, hash, password):
        open_during_checks.append(db.session().in_transaction())
        return verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", watched_verify)
    assert log_in(client, trainee.email, "not-the-password").status_code == 200
    assert log_in(client, "nobody@example.org", "not-the-password").status_code == 200
    assert log_in(client, trainee.email, trainee.password).status_code == 302
    # Yesterday's cookie: the user loader looks its login up (and finds it ended) first.
    client.logout()
    with client.session_transaction() as cookie:
        cookie["_user_id"], cookie["login"] = trainee.get_id(), "a-login-that-has-ended"
    assert log_in(client, trainee.email, trainee.password).status_code == 302
    assert open_during_checks == [False, False, False, False]


@pytest.fixture
def old_hash_trainee(make):
    trainee = make.trainee()
    user = db.session.get(User, trainee.id)
    # argon2-cffi's defaults, which the project used before: t=3, 64 MiB, p=4.
    user.password_hash = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash(trainee.password)
    db.session.commit()
    return trainee


def test_an_old_costlier_hash_is_remade_with_todays_parameters_at_login(client, app, old_hash_trainee):
    trainee = old_hash_trainee
    before = db.session.get(User, trainee.id).password_hash
    assert log_in(client, trainee.email, "a-wrong-password").status_code == 200
    db.session.expire_all()
    assert db.session.get(User, trainee.id).password_hash == before  # a failure changes nothing

    assert log_in(client, trainee.email, trainee.password).status_code == 302
    db.session.expire_all()
    after = db.session.get(User, trainee.id).password_hash
    parameters = extract_parameters(after)
    assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (
        app.config["PASSWORD_HASH_TIME_COST"],
        app.config["PASSWORD_HASH_MEMORY_KIB"],
        app.config["PASSWORD_HASH_PARALLELISM"],
    )
    assert PasswordHasher().verify(after, trainee.password)
    client.logout()
    assert log_in(client, trainee.email, trainee.password).status_code == 302
