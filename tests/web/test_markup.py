"""Every page of every role is valid HTML for the Nu Html Checker (vnu): the pages
are fetched with the test client, written to a folder and checked in one run of
the checker (one JVM for all of them)."""

from __future__ import annotations

from collections import defaultdict

import pytest

from tests.support import checkers, crawl
from tests.web import access


def test_every_page_of_every_role_is_valid_html(app, client, make, tmp_path):
    if (missing := checkers.missing_tool()) is not None:
        pytest.fail(missing)  # never a skip: CI must run the checker
    world = access.build_world(make, app)
    crawled: dict[str, crawl.Target] = {}
    role = None
    for target in crawl.targets(world):
        if target.role != role:
            role = target.role
            client.logout()
            if role != "anonymous":
                client.login(getattr(world, role))
        response = client.get(target.url)
        assert response.status_code == 200, f"{target}: {response.status_code}"
        if response.mimetype == "text/html":
            html = response.text
            name = f"{len(crawled):03d}.html"
            (tmp_path / name).write_text(html if crawl.is_document(html) else crawl.as_document(html))
            crawled[name] = target
        response.close()
    # Every role has pages, or the crawl found nothing to check.
    assert {target.role for target in crawled.values()} == set(access.common.ROLES)

    problems = checkers.run_vnu(tmp_path)

    by_message: dict[str, list[str]] = defaultdict(list)
    for problem in problems:
        target = crawled.get(problem.file, problem.file)
        by_message[problem.message].append(f"{target}, line {problem.line}: {problem.extract}")
    report = "\n".join(
        f"{len(places)} x {message}\n    " + "\n    ".join(places[:5])
        for message, places in sorted(by_message.items(), key=lambda item: -len(item[1]))
    )
    assert not problems, f"{len(problems)} vnu errors on {len(crawled)} pages:\n{report}"
