"""Sign-up, login, passwords, profile and user administration."""

from tests.web.access.common import Entry, admin_only, everyone, signed_in
from training.accounts import tokens


def build(world, make) -> None:
    world.target = make.trainee()
    world.invited = make.faculty(password="")
    world.reset_token = tokens.make_token(world.target, tokens.PASSWORD_RESET)
    world.invitation_token = tokens.make_token(world.invited, tokens.INVITATION)


# Signed-in users opening sign-up or login are sent on to their dashboard.
GUESTS_ONLY = everyone(302, anonymous=200)

ENTRIES = {
    ("accounts.signup", "GET"): Entry("/signup", GUESTS_ONLY),
    ("accounts.signup", "POST"): Entry("/signup", GUESTS_ONLY),
    ("accounts.login", "GET"): Entry("/login", GUESTS_ONLY),
    ("accounts.login", "POST"): Entry("/login", GUESTS_ONLY),
    ("accounts.logout", "POST"): Entry("/logout", everyone(302)),
    ("accounts.forgot_password", "GET"): Entry("/password/forgot", everyone(200)),
    ("accounts.forgot_password", "POST"): Entry("/password/forgot", everyone(200)),
    ("accounts.reset_password", "GET"): Entry("/password/reset/{reset_token}", everyone(200)),
    ("accounts.reset_password", "POST"): Entry("/password/reset/{reset_token}", everyone(200)),
    ("accounts.accept_invitation", "GET"): Entry("/invitation/{invitation_token}", everyone(200)),
    ("accounts.accept_invitation", "POST"): Entry("/invitation/{invitation_token}", everyone(200)),
    ("accounts.profile", "GET"): Entry("/profile", signed_in()),
    # Fields left out of a post keep their values: nothing to refuse, saved.
    ("accounts.profile", "POST"): Entry("/profile", signed_in(302)),
    # Links mailed to confirm an address; a made-up one is refused (tests/web/test_account_security.py
    # follows real ones).
    ("accounts.confirm_email", "GET"): Entry("/signup/confirm/made-up", everyone(400)),
    ("accounts.confirm_email", "POST"): Entry("/signup/confirm/made-up", everyone(400)),
    ("accounts.change_email", "GET"): Entry("/profile/email/made-up", everyone(400)),
    ("accounts.change_email", "POST"): Entry("/profile/email/made-up", everyone(400)),
    ("accounts.sign_out_everywhere", "POST"): Entry("/profile/sign-out-everywhere", signed_in(302)),
    ("accounts.change_password", "GET"): Entry("/profile/password", signed_in()),
    ("accounts.change_password", "POST"): Entry("/profile/password", signed_in()),
    ("accounts.confirm_password", "GET"): Entry("/confirm-password", signed_in()),
    ("accounts.confirm_password", "POST"): Entry("/confirm-password", signed_in()),
    ("accounts.users", "GET"): Entry("/admin/users", admin_only()),
    ("accounts.create_user", "GET"): Entry("/admin/users/new", admin_only()),
    ("accounts.create_user", "POST"): Entry("/admin/users/new", admin_only()),
    ("accounts.user_detail", "GET"): Entry("/admin/users/{target.id}", admin_only()),
    # An empty role list is refused with the form shown again.
    ("accounts.change_roles", "POST"): Entry("/admin/users/{target.id}/roles", admin_only(422)),
    ("accounts.deactivate", "POST"): Entry("/admin/users/{target.id}/deactivate", admin_only(302)),
    ("accounts.reactivate", "POST"): Entry("/admin/users/{target.id}/reactivate", admin_only(302)),
    ("accounts.resend_invitation", "POST"): Entry("/admin/users/{invited.id}/invitation", admin_only(302)),
    ("accounts.export_users", "POST"): Entry("/admin/users/export", admin_only(302)),
    ("accounts.my_data", "GET"): Entry("/profile/data", signed_in()),
    ("accounts.export_my_data", "POST"): Entry("/profile/data/export", signed_in(302)),
    # Without the typed e-mail address the form comes back with its error.
    ("accounts.erase_user", "POST"): Entry("/admin/users/{target.id}/erase", admin_only(422)),
}
