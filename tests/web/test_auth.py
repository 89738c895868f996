"""Signing up, logging in and out, and passwords, through the real pages."""

import re

import pytest
import sqlalchemy as sa

from training.accounts.models import Role, User
from training.extensions import db

STRONG = "temple-hollowing-microfat"


def signup_data(**changes):
    data = {
        "full_name": "Dr. Chen Wei",
        "email": "Chen.Wei@Example.org",
        "specialty": "Facial plastic surgery (ENT)",
        "registration_number": "MC-110204",
        "institution": "Peking Union Medical College Hospital",
        "country": "CN",
        "password": STRONG,
        "confirm": STRONG,
    }
    data.update(changes)
    return data


def find_user(email):
    return db.session.scalar(sa.select(User).where(User.email == email))


class TestSignUp:
    def test_a_trainee_signs_up_confirms_the_address_and_is_logged_in(self, client, mails):
        page = client.get("/signup")
        assert page.status_code == 200
        assert "Exactly as it must appear on your certificates" in page.text

        response = client.post("/signup", data=signup_data(), follow_redirects=True)
        assert response.status_code == 200
        assert "Check your mail: we have sent a message to chen.wei@example.org" in response.text
        user = find_user("chen.wei@example.org")
        assert user.roles == {Role.TRAINEE}
        assert user.country == "CN"
        refused = client.post("/login", data={"email": user.email, "password": STRONG})
        assert "Confirm your e-mail address first" in refused.text
        (message,) = mails(user.email)
        assert [m.state.value for m in mails(user.email)] == ["sent"]
        link = re.search(r"http://training\.test(/signup/confirm/\S+)", message.body).group(1)
        assert "Confirm your e-mail address" in client.get(link).text
        response = client.post(link, follow_redirects=True)
        assert "Welcome, Dr. Chen Wei" in response.text
        assert client.get("/profile").status_code == 200
        assert [m.subject for m in mails(user.email)][-1] == "Welcome to the training programme"

    def test_every_missing_field_is_named(self, client):
        response = client.post("/signup", data={})
        assert response.status_code == 200
        assert response.text.count("This field is required.") >= 7
        assert find_user("chen.wei@example.org") is None

    def test_a_taken_address_gets_the_same_answer_and_its_owner_is_told(self, client, make, mails):
        owner = make.trainee(email="chen.wei@example.org")
        taken = client.post("/signup", data=signup_data(email="CHEN.WEI@example.org"), follow_redirects=True)
        assert "already" not in taken.text
        assert "Check your mail: we have sent a message to chen.wei@example.org" in taken.text
        (message,) = mails(owner.email)
        assert message.subject == "Someone tried to sign up with your address"
        fresh = client.post(
            "/signup", data=signup_data(email="new.person@example.org"), follow_redirects=True
        )
        assert fresh.status_code == taken.status_code
        tokens = re.compile(r"[\w-]{20,}\.[\w-]{6}\.[\w-]{20,}")  # CSRF tokens, signed each second
        same = tokens.sub("TOKEN", fresh.text.replace("new.person@example.org", "chen.wei@example.org"))
        assert same == tokens.sub("TOKEN", taken.text)

    def test_a_weak_password_is_explained(self, client):
        response = client.post("/signup", data=signup_data(password="password1234", confirm="password1234"))
        assert "This is a very common password." in response.text
        assert find_user("chen.wei@example.org") is None

    def test_passwords_must_match(self, client):
        response = client.post("/signup", data=signup_data(confirm="something-else-entirely"))
        assert "The two passwords differ." in response.text

    def test_html_in_a_name_is_shown_as_text(self, client):
        name = "<script>alert(1)</script> Dr. X"
        client.post("/signup", data=signup_data(full_name=name))
        user = find_user("chen.wei@example.org")
        user.email_confirmed_at = user.created_at
        db.session.commit()
        client.login(user)
        response = client.get("/profile")
        assert "<script>alert(1)</script>" not in response.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Dr. X" in response.text

    def test_an_unknown_country_is_refused(self, client):
        response = client.post("/signup", data=signup_data(country="XX"))
        assert "Not a valid choice" in response.text


class TestLogin:
    def login(self, client, email, password, **extra):
        return client.post("/login", data={"email": email, "password": password, **extra})

    def test_logs_in_and_goes_to_the_dashboard(self, client, make):
        user = make.trainee()
        response = self.login(client, user.email.upper(), user.password)
        assert response.status_code == 302
        assert response.location == "/"
        assert user.full_name in client.get("/").text

    def test_follows_a_next_path_on_this_site(self, client, make):
        user = make.trainee()
        page = client.get("/profile")
        assert page.location == "/login?next=/profile"
        response = self.login(client, user.email, user.password, next="/profile")
        assert response.location == "/profile"

    @pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example"])
    def test_ignores_a_next_to_another_site(self, client, make, target):
        user = make.trainee()
        response = self.login(client, user.email, user.password, next=target)
        assert response.location == "/"

    def test_the_error_never_says_which_part_was_wrong(self, client, make):
        user = make.trainee()
        wrong_password = self.login(client, user.email, "not-the-password-at-all")
        unknown_address = self.login(client, "nobody@example.org", user.password)
        message = "The e-mail address or password is not correct, or the account is not active."
        assert message in wrong_password.text
        assert message in unknown_address.text
        # The CSRF tokens carry a timestamp: they differ between any two pages.
        strip = re.compile(r'name="csrf_token"[^>]*>|name="csrf-token"[^>]*>|name="email"[^>]*>')
        assert strip.sub("", wrong_password.text) == strip.sub("", unknown_address.text).replace(
            "nobody@example.org", user.email
        )

    def test_a_deactivated_account_cannot_log_in(self, client, make):
        user = make.trainee(active=False)
        response = self.login(client, user.email, user.password)
        assert "The e-mail address or password is not correct" in response.text

    def test_login_renews_the_session(self, client, make):
        user = make.trainee()
        with client.session_transaction() as session:
            session["planted"] = "by an attacker"
        self.login(client, user.email, user.password)
        with client.session_transaction() as session:
            assert "planted" not in session
            assert session["_user_id"] == user.get_id()

    def test_guessing_a_password_is_refused(self, client, make):
        # The limits themselves: tests/web/test_login_limits.py.
        user = make.trainee()
        statuses = [self.login(client, user.email, "wrong-password-guess").status_code for _ in range(6)]
        assert statuses == [200] * 5 + [429]
        assert "Too many failed attempts" in self.login(client, user.email, user.password).text

    def test_logout_needs_a_post_and_ends_the_session(self, client, make):
        client.login(make.trainee())
        assert client.get("/logout").status_code == 405
        response = client.post("/logout", follow_redirects=True)
        assert "You have logged out." in response.text
        assert client.get("/profile").status_code == 302

    def test_a_password_change_elsewhere_ends_this_session(self, client, make):
        user = client.login(make.trainee())
        assert client.get("/profile").status_code == 200
        user.sign_out_everywhere()
        db.session.commit()
        assert client.get("/profile").status_code == 302

    def test_a_long_idle_session_ends(self, client, make):
        client.login(make.trainee())
        with client.session_transaction() as session:
            session["seen"] -= 3 * 3600
        response = client.get("/profile", follow_redirects=True)
        assert "You were logged out after 120 minutes without activity." in response.text


class TestPasswordReset:
    def test_the_whole_reset_by_mail(self, client, make, mails):
        user = make.trainee()
        response = client.post("/password/forgot", data={"email": user.email}, follow_redirects=True)
        assert "If an active account uses this address" in response.text
        (message,) = mails(user.email)
        link = re.search(r"http://training\.test(/password/reset/\S+)", message.body).group(1)

        page = client.get(link)
        assert f"For {user.email}" in page.text
        response = client.post(link, data={"password": STRONG, "confirm": STRONG})
        assert response.status_code == 302
        client.logout()
        assert client.post("/login", data={"email": user.email, "password": STRONG}).status_code == 302

        used = client.get(link)
        assert used.status_code == 400
        assert "already been used" in used.text

    def test_an_unknown_address_gets_the_same_answer(self, client, mails):
        response = client.post(
            "/password/forgot", data={"email": "nobody@example.org"}, follow_redirects=True
        )
        assert "If an active account uses this address" in response.text
        assert mails() == []

    def test_a_mangled_link_is_refused_clearly(self, client):
        response = client.get("/password/reset/not-a-real-token")
        assert response.status_code == 400
        assert "This link is not valid" in response.text


class TestProfile:
    def test_edit_own_details(self, client, make):
        user = client.login(make.trainee())
        page = client.get("/profile")
        assert user.registration_number in page.text
        data = {
            "full_name": "Dr. Renamed Person",
            "email": user.email,
            "specialty": user.specialty,
            "registration_number": "NEW-123",
            "institution": "Other Hospital",
            "country": "DE",
        }
        response = client.post("/profile", data=data, follow_redirects=True)
        assert "Your details are saved." in response.text
        assert (user.full_name, user.country) == ("Dr. Renamed Person", "DE")

    def test_staff_may_leave_trainee_fields_empty(self, client, make):
        user = client.login(make.organizer(specialty=None, registration_number=None))
        response = client.post(
            "/profile", data={"full_name": user.full_name, "email": user.email}, follow_redirects=True
        )
        assert "Your details are saved." in response.text

    def test_change_password_and_stay_logged_in(self, client, make):
        user = client.login(make.trainee())
        response = client.post(
            "/profile/password",
            data={"current_password": user.password, "new_password": STRONG, "confirm": STRONG},
            follow_redirects=True,
        )
        assert "Your password is changed." in response.text
        assert client.get("/profile").status_code == 200

    def test_change_password_needs_the_current_one(self, client, make):
        client.login(make.trainee())
        response = client.post(
            "/profile/password",
            data={"current_password": "guessing-wrongly-here", "new_password": STRONG, "confirm": STRONG},
        )
        assert "Your current password is not correct." in response.text


def test_password_reset_requests_are_rate_limited(client, mails):
    statuses = [
        client.post("/password/forgot", data={"email": f"n{n}@example.org"}).status_code for n in range(6)
    ]
    assert statuses == [302] * 5 + [429]
