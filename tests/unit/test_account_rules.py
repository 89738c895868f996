"""Account decisions, tested without an app or a database."""

import pytest

from training.accounts.models import Role
from training.accounts.rules import (
    RoleChange,
    deactivation_problems,
    normalise_email,
    password_problems,
    role_change_problems,
    safe_next_url,
)


class TestPasswordPolicy:
    def test_accepts_a_long_passphrase(self):
        assert password_problems("temple tear-trough midface") == []

    @pytest.mark.parametrize("password", ["short", "elevenchars"])
    def test_refuses_fewer_than_twelve_characters(self, password):
        assert password_problems(password) == ["Use at least 12 characters."]

    def test_accepts_exactly_twelve_characters_when_strong(self):
        assert password_problems("k7#Vq9!mZt2w") == []

    def test_refuses_over_128_characters(self):
        assert password_problems("a9$" * 43) == ["Use at most 128 characters."]

    @pytest.mark.parametrize("common", ["password1234", "qwerty123456", "123456789012", "aaaaaaaaaaaa"])
    def test_refuses_common_and_repetitive_passwords(self, common):
        problems = password_problems(common)
        assert problems[0] == "This password is too easy to guess."

    def test_says_why_a_common_password_is_refused(self):
        assert "This is a very common password." in password_problems("password1234")

    @pytest.mark.parametrize("password", ["okafor-amara-okafor", "AmaraOkafor2026!", "amara.okafor@x.org"])
    def test_refuses_a_password_built_from_the_persons_name(self, password):
        personal = ["Dr. Amara Okafor", "amara.okafor@x.org"]
        assert password_problems(password) == []
        assert password_problems(password, personal=personal) == [
            "Do not build your password from your name or e-mail address."
        ]

    def test_a_name_inside_a_longer_passphrase_is_fine(self):
        personal = ["Dr. Amara Okafor", "amara.okafor@x.org"]
        assert password_problems("amara grafts nanofat daily", personal=personal) == []


def test_email_is_compared_lower_case_without_spaces():
    assert normalise_email("  Sofia.Marin@Example.ORG ") == "sofia.marin@example.org"


class TestNextUrl:
    @pytest.mark.parametrize("target", ["/profile", "/admin/users?page=2", "/jobs/3#top"])
    def test_accepts_paths_on_this_site(self, target):
        assert safe_next_url(target) == target

    @pytest.mark.parametrize(
        "target",
        [
            None,
            "",
            "https://evil.example/",
            "//evil.example/path",
            "/\\evil.example",
            "\\\\evil.example",
            "javascript:alert(1)",
            "profile",
            "/\tevil",
            "http:/evil.example",
        ],
    )
    def test_refuses_other_sites_and_tricks(self, target):
        assert safe_next_url(target) is None


def _change(old, new, *, actor=1, target=2, others=1, active=True):
    return RoleChange(
        actor_id=actor,
        target_id=target,
        old=frozenset(old),
        new=frozenset(new),
        target_active=active,
        other_active_admins=others,
    )


class TestRoleChanges:
    def test_promotion_is_fine(self):
        assert role_change_problems(_change({Role.TRAINEE}, {Role.TRAINEE, Role.ORGANIZER})) == []

    def test_a_person_keeps_at_least_one_role(self):
        assert role_change_problems(_change({Role.TRAINEE}, set())) == ["A person needs at least one role."]

    def test_an_admin_cannot_remove_their_own_admin_role(self):
        problems = role_change_problems(_change({Role.ADMIN}, {Role.FACULTY}, actor=5, target=5, others=3))
        assert problems == ["You cannot remove your own admin role; ask another admin."]

    def test_the_last_active_admin_keeps_the_role(self):
        problems = role_change_problems(_change({Role.ADMIN}, {Role.FACULTY}, others=0))
        assert problems == ["This is the last active admin; make someone else admin first."]

    def test_an_inactive_admin_may_lose_the_role_even_if_alone(self):
        assert role_change_problems(_change({Role.ADMIN}, {Role.FACULTY}, others=0, active=False)) == []

    def test_all_problems_are_reported_together(self):
        problems = role_change_problems(_change({Role.ADMIN}, set(), actor=1, target=1, others=0))
        assert len(problems) == 3


class TestDeactivation:
    def test_admin_deactivates_someone_else(self):
        assert (
            deactivation_problems(actor_id=1, target_id=2, target_is_admin=False, other_active_admins=0) == []
        )

    def test_nobody_deactivates_themselves(self):
        problems = deactivation_problems(actor_id=1, target_id=1, target_is_admin=True, other_active_admins=2)
        assert problems == ["You cannot deactivate your own account."]

    def test_the_last_admin_stays(self):
        problems = deactivation_problems(actor_id=1, target_id=2, target_is_admin=True, other_active_admins=0)
        assert problems == ["This is the last active admin; make someone else admin first."]


def test_a_login_ends_by_age_from_the_login_or_by_idleness():
    from datetime import UTC, datetime, timedelta

    from training.accounts.rules import check_login

    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    limits = {
        "lifetime": timedelta(hours=12),
        "idle_limit": timedelta(hours=2),
        "seen_every": timedelta(minutes=5),
    }
    fresh = check_login(
        created_at=now - timedelta(hours=1), last_seen_at=now - timedelta(minutes=1), now=now, **limits
    )
    assert (fresh.over, fresh.touch) == (False, False)
    stale = check_login(
        created_at=now - timedelta(hours=1), last_seen_at=now - timedelta(minutes=6), now=now, **limits
    )
    assert (stale.over, stale.touch) == (False, True)
    used_all_along = check_login(
        created_at=now - timedelta(hours=12, minutes=1),
        last_seen_at=now - timedelta(minutes=1),
        now=now,
        **limits,
    )
    assert used_all_along.over
    idle = check_login(
        created_at=now - timedelta(hours=3),
        last_seen_at=now - timedelta(hours=2, minutes=1),
        now=now,
        **limits,
    )
    assert idle.over
