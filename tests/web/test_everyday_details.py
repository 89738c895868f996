"""Small things people noticed: the workshop page lists its modules once, and "Last
login" is recorded whichever way a person signed in, the sign-up link included."""

import re

import sqlalchemy as sa

from tests.web.test_auth import signup_data
from training.accounts.models import User
from training.extensions import db


def test_the_workshop_page_lists_its_modules_once(client, make):
    version = make.curriculum_version(["ANAT-101", "MFAT-201"])
    workshop = make.workshop(version=version)
    client.login(make.trainee())
    html = client.get(f"/workshops/{workshop.id}").text
    page = re.sub(r"<script\b.*?</script>", "", html, flags=re.S)  # what a reader sees, not the JSON-LD
    for module in workshop.modules:
        assert page.count(module.title) == 1, module.title
        # The one listing links to the module.
        assert f'href="/curricula/modules/{module.id}"' in page


def test_last_login_is_recorded_when_the_sign_up_link_logs_in(client, make, mails):
    admin = make.admin()
    client.post("/signup", data=signup_data())
    user = db.session.scalar(sa.select(User).where(User.email == "chen.wei@example.org"))
    (message,) = mails(user.email)
    link = re.search(r"http://training\.test(/signup/confirm/\S+)", message.body).group(1)
    welcome = client.post(link, follow_redirects=True)
    assert "Welcome, Dr. Chen Wei" in welcome.text
    db.session.refresh(user)
    assert user.last_login_at is not None
    client.logout()
    client.login(admin)
    page = client.get(f"/admin/users/{user.id}").text
    shown = re.search(r"Last login</dt><dd[^>]*>([^<]*)</dd>", page).group(1)
    assert shown != "never"
    assert shown.endswith("UTC")


def test_country_menus_sort_by_name_with_accents_in_place(client, make):
    version = make.curriculum_version(["ANAT-101"])
    for code in ("BE", "AX", "AT"):  # by code: AT, AX, BE; by name: Åland, Austria, Belgium
        make.workshop(version=version, country=code)
    client.login(make.trainee())
    catalogue = client.get("/workshops").text
    menu = re.search(r'<select[^>]*name="country"[^>]*>(.*?)</select>', catalogue, re.S).group(1)
    assert re.findall(r"<option[^>]*>([^<]*)</option>", menu)[1:] == ["Åland Islands", "Austria", "Belgium"]
    profile = client.get("/profile").text
    countries = re.search(r'<select[^>]*name="country"[^>]*>(.*?)</select>', profile, re.S).group(1)
    names = re.findall(r"<option[^>]*>([^<]*)</option>", countries)
    assert names.index("Åland Islands") == names.index("Afghanistan") + 1
    assert names.index("Curaçao") == names.index("Cuba") + 1
