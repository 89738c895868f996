"""Every link on every page of the access matrix leads somewhere, for every role.

The pages are the matrix's GET rows; each role opens those it may see (status 200)
and follows every link of the app they show. A link that answers 404 or 500 is a
broken promise: the page offered something that is not there for that person.
Select menus are checked on the same pages: an option whose value is the text
"None" cannot be submitted back (see core.forms.choices).
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urldefrag, urlsplit

from tests.web import access
from tests.web.access.common import ROLES

ENTRIES = access.all_entries()
# Pages the matrix reaches only by a link (its workshop row is a draft's page).
MORE_PAGES = ("/workshops/{ws_workshop.id}", "/workshops/{enrol_ws.id}")
HREF = re.compile(r"<a\b[^>]*?\bhref=\"([^\"]*)\"", re.I)
NONE_OPTION = re.compile(r"<option\b[^>]*\bvalue=\"None\"")  # case matters: "none" is a value
BROKEN = {404, 500}


def links_of(html: str) -> set[str]:
    """The app's own pages a page links to (no static files, mail or other sites)."""
    found = set()
    for raw in HREF.findall(html):
        href, _ = urldefrag(unescape(raw).strip())
        parts = urlsplit(href)
        if not href or parts.scheme or parts.netloc or not href.startswith("/"):
            continue
        if href.startswith("/static/"):
            continue
        found.add(href)
    return found


def crawl(client, pages: list[str]) -> tuple[dict[str, tuple[str, int]], list[str]]:
    """Broken links (link -> the page showing it, status) and pages with a "None" option."""
    broken: dict[str, tuple[str, int]] = {}
    none_options: list[str] = []
    followed: dict[str, int] = {}
    for page in pages:
        response = client.get(page)
        html = response.text if response.status_code == 200 and response.mimetype == "text/html" else ""
        response.close()
        if NONE_OPTION.search(html):
            none_options.append(page)
        for link in sorted(links_of(html)):
            if link not in followed:
                answer = client.get(link)
                followed[link] = answer.status_code
                answer.close()
            if followed[link] in BROKEN:
                broken.setdefault(link, (page, followed[link]))
    return broken, none_options


def test_no_page_links_to_a_missing_page(app, client, make):
    world = access.build_world(make, app)
    pages = sorted(
        {
            entry.url.format(**vars(world))
            for (_, method), entry in ENTRIES.items()
            if method == "GET" and not entry.url.startswith("/static")
        }
        | {page.format(**vars(world)) for page in MORE_PAGES}
    )
    problems = {}
    options = {}
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.login(getattr(world, role))
        broken, none_options = crawl(client, pages)
        if broken:
            problems[role] = broken
        if none_options:
            options[role] = none_options
    assert not problems, f"links answering 404/500 (link: (page, status)): {problems}"
    assert not options, f"select options whose value is 'None': {options}"
