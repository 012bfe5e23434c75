"""An L&D admin on a phone finds the background jobs that failed, reads what each means
and what to do, and tries one again. Chromium at 390x844, then 320 px wide."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from pwa import clock
from pwa.extensions import db
from pwa.models import JobFailure
from pwa.store import job_failures
from tests.browser.harness import enrol

pytestmark = pytest.mark.browser


def _fail(app, job, organisation_id, kind, error, where):
    with app.app_context():
        job_failures.record(job_failures.Failed(
            job=job, arguments=f"[{organisation_id}]" if organisation_id else "[]",
            organisation_id=organisation_id, job_id=f"{job.replace('.', '_')}-0123456789abcdef",
            attempts=4, error=error, kind=kind, message=where), clock.now())
        db.session.commit()


def test_ld_admin_reads_the_failed_jobs_and_tries_one_again_at_phone_size(phone, live_server,
                                                                          org):
    server = live_server
    _fail(server.app, "mentors.assign", org["id"], "database",
          "sqlalchemy.exc.OperationalError",
          "pwa/store/mentors.py:412 in assign_organisation_from_uncovered_gaps")
    _fail(server.app, "push.send", None, "network", "requests.exceptions.ConnectTimeout",
          "pwa/jobs/push.py:70 in post")
    enrol(phone, server, "Priya N", ld_admin=True)
    page = phone.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    page.get_by_role("link", name="Learning & development").click()
    page.get_by_role("link", name="Background jobs that failed").click()

    expect(page.get_by_role("heading", name="Background jobs that failed")).to_be_visible()
    expect(page.get_by_role("heading", name="2 not resolved")).to_be_visible()
    rows = page.locator("#job-failures > li")
    expect(rows).to_have_count(2)
    mentors = rows.filter(has_text="Suggesting mentors")
    expect(mentors).to_contain_text("The database could not be reached or was too busy.")
    expect(mentors).to_contain_text("Job id: mentors_assign-0123456789abcdef")
    expect(rows.filter(has_text="Sending reminders to phones")).to_contain_text(
        "for everyone on this server")
    expect(page.get_by_role("heading", name="What you can do")).to_be_visible()
    assert _fits(page, 390)
    button = mentors.get_by_role("button", name="Try the job again: Suggesting mentors")
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44 and box["x"] + box["width"] <= 390
    phone.shot("50-failed-jobs")

    button.click()  # the tests' app runs the job before it answers: it succeeds
    expect(page.get_by_text("The job was asked to run again.")).to_be_visible()
    expect(page.get_by_role("heading", name="1 not resolved")).to_be_visible()
    expect(mentors).to_contain_text("Resolved")
    expect(mentors.get_by_role("button")).to_have_count(0)
    with server.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(JobFailure)
                                 .where(JobFailure.resolved_at.is_not(None))) == 1

    page.set_viewport_size({"width": 320, "height": 700})
    assert _fits(page, 320)
    page.screenshot(path="/tmp/failed-jobs-320.png", full_page=True)
    assert phone.csp_violations() == []


def _fits(page, width: int) -> bool:
    """Nothing makes the page scroll sideways."""
    return bool(page.evaluate("w => document.documentElement.scrollWidth <= w", width))
