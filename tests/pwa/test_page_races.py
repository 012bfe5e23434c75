"""A page's POST whose transaction PostgreSQL ends as a deadlock is done again, whole.

The API's sync did so already; a page answered 500 and the author's publish, the L&D
catalogue item or the HR file was lost with it. Now every page that writes does its
unit of work again (``pwa.pages.forms.done_again_after_race``), up to three times in
all, with nothing of the lost try left behind: its transaction rolled back, its flashed
messages taken back, an uploaded file read again from its start.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from pwa import jobs
from pwa.extensions import db
from pwa.models import Organisation, ProfileVersion, RosterUpload
from pwa.store import profiles as store
from pwa.store import roster
from tests.factories import (
    Deadlocked,
    draft_to_publish,
    publish_profile,
    published_numbers,
    sign_in_as,
    token,
)


def publish(grace, revision: int) -> Any:
    page = grace.get("/author/store-associate/draft").get_data(as_text=True)
    return grace.client.post("/author/store-associate/draft/publish", data={
        "csrf_token": token(page), "revision": str(revision), "summary": "Tills: level 1."})


def test_a_publish_that_lost_a_race_is_done_again_and_said_once(app, org, monkeypatch):
    author_id = publish_profile(app)
    grace = sign_in_as(app, "Grace Okafor")
    revision = draft_to_publish(app, author_id)
    real, tries = store.publish, []

    def deadlocked_once(*args: Any, **kwargs: Any) -> Any:
        done = real(*args, **kwargs)
        db.session.flush()  # its rows are written, then the database ends the transaction
        tries.append(1)
        if len(tries) == 1:
            raise OperationalError("UPDATE people ...", {}, Deadlocked())
        return done

    monkeypatch.setattr(store, "publish", deadlocked_once)
    answer = publish(grace, revision)
    assert answer.status_code == 302 and len(tries) == 2
    assert published_numbers(app) == [1, 2]
    shown = grace.get(answer.headers["Location"]).get_data(as_text=True)
    assert shown.count("Version 2 is published") == 1  # the lost try's message taken back


def test_a_race_lost_every_time_saves_nothing_and_keeps_what_was_typed_to_send_again(
        app, org, monkeypatch):
    author_id = publish_profile(app)
    grace = sign_in_as(app, "Grace Okafor")
    revision = draft_to_publish(app, author_id)
    real, tries = store.publish, []

    def always_deadlocked(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        tries.append(1)
        raise OperationalError("UPDATE people ...", {}, Deadlocked())

    monkeypatch.setattr(store, "publish", always_deadlocked)
    answer = publish(grace, revision)
    assert answer.status_code == 503 and len(tries) == 3 and published_numbers(app) == [1]
    html = answer.get_data(as_text=True)
    assert "Not saved yet" in html and "Nothing you sent is lost" in html
    form = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', html, re.S)
    assert form is not None and form.group(1) == "/author/store-associate/draft/publish"
    sent = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">',
                           form.group(2)))
    kept = sent.pop("csrf_token")  # the one the draft's page gave, still good
    assert sent == {"revision": str(revision), "summary": "Tills: level 1."}
    # Sent again once the race is over: published, once.
    monkeypatch.setattr(store, "publish", real)
    again = grace.client.post(form.group(1), data={**sent, "csrf_token": kept})
    assert again.status_code == 302 and published_numbers(app) == [1, 2]


def test_an_hr_file_whose_upload_lost_a_race_is_read_again_whole(app, org, monkeypatch):
    from io import BytesIO

    admin = sign_in_as(app, "Priya Nair", ld_admin=True)
    real, tries = roster.save_upload, []

    def deadlocked_once(*args: Any, **kwargs: Any) -> Any:
        done = real(*args, **kwargs)
        tries.append(1)
        if len(tries) == 1:
            raise OperationalError("INSERT INTO roster_uploads ...", {}, Deadlocked())
        return done

    monkeypatch.setattr(roster, "save_upload", deadlocked_once)
    page = admin.get("/admin/people").get_data(as_text=True)
    text = "employee_id,name,role\nE1,Ana Ruiz,store-associate\n"
    answer = admin.client.post("/admin/people", data={
        "csrf_token": token(page), "file": (BytesIO(text.encode()), "hr.csv")},
        content_type="multipart/form-data")
    assert answer.status_code == 302 and len(tries) == 2
    with app.app_context():
        [kept] = db.session.scalars(sa.select(RosterUpload.text)).all()
    assert kept == text


def test_an_hr_file_that_lost_every_race_is_asked_for_again(app, org, monkeypatch):
    from io import BytesIO

    admin = sign_in_as(app, "Priya Nair", ld_admin=True)

    def always_deadlocked(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("INSERT INTO roster_uploads ...", {}, Deadlocked())

    monkeypatch.setattr(roster, "save_upload", always_deadlocked)
    page = admin.get("/admin/people").get_data(as_text=True)
    answer = admin.client.post("/admin/people", data={
        "csrf_token": token(page), "file": (BytesIO(b"employee_id,name,role\n"), "hr.csv")},
        content_type="multipart/form-data")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 503
    assert '<form method="post" action="/admin/people" enctype="multipart/form-data">' in html
    assert '<input type="file" name="file" required>' in html


def test_every_page_that_writes_is_done_again_after_a_race(app):
    """A new page's POST is too, unless it is named here with the reason."""
    not_again = {
        "home.signout": "ends the session: the session store's own transactions",
        "admin.retry_job": "writes nothing: it asks for a job",
    }
    pages = ("account", "admin", "author", "home", "profiles", "reports", "shell")
    missing = sorted(
        rule.endpoint for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ()) and rule.endpoint.partition(".")[0] in pages
        and not getattr(app.view_functions[rule.endpoint], "done_again_after_race", False)
        and rule.endpoint not in not_again)
    assert missing == []


def test_a_real_deadlock_with_an_authors_publish_is_done_again_and_both_commit(
        app, org, monkeypatch):
    """Two connections, the page's in a thread. Publishing locks the organisation's row
    (before it writes, the one order: ``pwa.store.bundles``), then writes the draft's
    row. A rival transaction takes the two the other way round: it holds the draft's row,
    then asks for the organisation's. No code of ours does so today (every transaction
    that moves a counter takes the organisation's row first); the rival stands for one
    that one day will, or for a lock this test does not know of: what is checked is
    what the page does when PostgreSQL ends its transaction as a deadlock, here the
    page's (the rival waits longer before it looks for one). The page does its publish
    again, after the rival committed, and answers as if nothing happened. On SQLite the
    one write lock orders the two: the page waits for the rival, and both commit."""
    author_id = publish_profile(app)
    grace = sign_in_as(app, "Grace Okafor")
    revision = draft_to_publish(app, author_id)
    with app.app_context():
        draft_id = db.session.scalar(sa.select(ProfileVersion.id)
                                     .where(ProfileVersion.status == "draft"))
        org_id = db.session.scalar(sa.select(Organisation.id))
        engine = db.engine
    asked: list[tuple[Any, ...]] = []  # the jobs run elsewhere, not in this test's threads
    monkeypatch.setattr(jobs, "enqueue", lambda name, *args: asked.append((name, *args)))
    postgres = engine.dialect.name == "postgresql"
    lost: list[str] = []
    event.listen(engine, "handle_error",
                 lambda context: lost.append(
                     getattr(context.original_exception, "sqlstate", None) or ""))
    answers: list[Any] = []
    errors: list[BaseException] = []

    def page() -> None:
        try:
            answers.append(publish(grace, revision))
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)

    versions = ProfileVersion.__table__
    with engine.connect() as rival:
        if postgres:
            rival.exec_driver_sql("SET deadlock_timeout = '30s'")  # the page finds it first
            rival_pid = rival.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        rival.execute(sa.update(versions).where(versions.c.id == draft_id)
                      .values(revision=versions.c.revision))
        thread = threading.Thread(target=page)
        thread.start()
        if postgres:
            with engine.connect() as watch:  # until the page waits for the draft's row
                deadline = time.monotonic() + 20
                while not watch.execute(
                        sa.text("SELECT count(*) FROM pg_stat_activity "
                                "WHERE :rival = ANY(pg_blocking_pids(pid))"),
                        {"rival": rival_pid}).scalar():
                    assert time.monotonic() < deadline, "the page never waited"
                    time.sleep(0.02)
                    watch.rollback()
            rival.execute(sa.select(Organisation.id).where(Organisation.id == org_id)
                          .with_for_update(key_share=True))
        else:
            time.sleep(0.3)  # the page waits for the one write lock meanwhile
        rival.commit()
        thread.join(30)
        assert not thread.is_alive()
    assert errors == []
    [answer] = answers
    assert answer.status_code == 302
    assert re.search(r"/roles/store-associate/changes/2$", answer.headers["Location"])
    assert published_numbers(app) == [1, 2]
    assert sorted(asked) == [("mentors.assign", org_id),
                             ("plans.summarise_organisation", org_id)]
    if postgres:
        assert lost == ["40P01"]  # a real deadlock, lost by the page once
