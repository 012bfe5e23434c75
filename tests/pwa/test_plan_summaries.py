"""``plan_summaries``: each learner's plan reduced to its size, kept current by jobs.

The plan is computed, never stored; the release sums its size over a role's
learners from this read model instead of computing every plan. Here the row
follows every change a plan is made of (a sync, the catalogue, a profile, a
future role), goes with the account, survives two jobs racing, and the
release's sums are the clipped sums of the rows. The jobs run inline in tests
(``SKILLPATH_JOBS_INLINE``), so a row is current when the answer arrives.
"""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import sqlalchemy as sa

from pwa import clock, jobs
from pwa.extensions import db
from pwa.models import Item, Organisation, Person, PlanSummary, ProfileVersion, Role
from pwa.store import gaps, people, plans, releases
from pwa.store import profiles as store
from pwa.sync.ingest import ingest
from tests.factories import (
    RECENT_MORNING,
    comp,
    device,
    make_org,
    person_named,
    seed_catalogue,
    session_cookie,
    sign_in_as,
    statements,
    token,
)

MONDAY = RECENT_MORNING
# seed_catalogue: Store associate (greet: target 3; tills: target 2), each with one item of
# 30 minutes (Greeting well, Till basics); Warehouse picker (pick: target 3; Pick paths, 30).


def event(type_, data, at=MONDAY):
    return {"id": str(uuid.uuid4()), "type": type_, "schema": 1,
            "occurred_at": at.isoformat().replace("+00:00", "Z"), "device_id": "phone-1",
            "data": data}


def rate(level, competency, at=MONDAY, role="store-associate"):
    return event("rating.set", {"role": role, "competency": competency, "version": 1,
                                "level": level, "note": None}, at)


def sync(api, *events):
    answer = api.post("/api/v1/sync", {"events": list(events)}).get_json()
    assert len(answer["accepted"]) == len(events), answer
    return answer


def summary(app, name="Ana Ruiz"):
    """(minutes, fee_cents, covered, uncovered) of the person's row, or None."""
    with app.app_context():
        row = db.session.scalar(sa.select(PlanSummary).join(
            Person, Person.id == PlanSummary.person_id).where(Person.display_name == name))
        return None if row is None else (row.minutes, row.fee_cents, row.covered,
                                          row.uncovered)


def from_the_plan(app, name="Ana Ruiz"):
    """The same four numbers, from the plan as the learner's phone is sent it now."""
    with app.app_context():
        plan = plans.built(db.session.get(Person, person_named(app, name)))
        return (sum(line.item.minutes for line in plan.active), 0,
                len({line.competency for line in plan.active if line.aim is not None}),
                len(plan.uncovered))


def item_ref(app, key):
    with app.app_context():
        return f"c:{db.session.scalar(sa.select(Item.id).where(Item.key == key))}"


def learner(app, name="Ana Ruiz", *ratings):
    """``name`` signed in, who rated greeting and the tills 1 (or ``ratings``)."""
    api = sign_in_as(app, name)
    sync(api, *(ratings or (rate(1, "greet"), rate(1, "tills"))))
    return api


# Syncs -------------------------------------------------------------------------------------

def test_each_rating_synced_summarises_the_plan_again(app, org):
    seed_catalogue(app)
    ana = sign_in_as(app, "Ana Ruiz")
    assert summary(app) is None  # nothing rated, nothing synced
    sync(ana, rate(1, "greet"))
    assert summary(app) == (30, 0, 1, 0)  # Greeting well
    sync(ana, rate(1, "tills"))
    assert summary(app) == (60, 0, 2, 0)  # and Till basics
    sync(ana, rate(3, "greet", MONDAY + timedelta(hours=1)))  # greeting's target met
    assert summary(app) == (30, 0, 1, 0) == from_the_plan(app)


def test_what_the_learner_chooses_changes_the_summary(app, org):
    seed_catalogue(app)
    ana = learner(app)
    assert summary(app) == (60, 0, 2, 0)
    tills = item_ref(app, "till-basics")
    sync(ana, event("plan.item.changed", {"item": tills, "competency": "tills",
                                          "state": "dropped"}))
    # No other item builds the tills: the gap is one only a mentor can close now.
    assert summary(app) == (30, 0, 1, 1) == from_the_plan(app)
    own = str(uuid.uuid4())
    sync(ana, event("plan.item.added", {"id": own, "title": "Shadow Grace at the tills",
                                        "format": "on_the_job", "minutes": 45, "url": None,
                                        "competency": "tills"}, MONDAY + timedelta(minutes=1)))
    assert summary(app) == (75, 0, 2, 0) == from_the_plan(app)
    sync(ana, event("plan.item.changed", {"item": f"own:{own}", "competency": "tills",
                                          "state": "done"}, MONDAY + timedelta(minutes=2)))
    assert summary(app) == from_the_plan(app)
    assert summary(app)[0] == 30  # what is done is no longer asked of her


def test_a_goal_and_the_weekly_time_are_part_of_it(app, org):
    seed_catalogue(app)
    ana = learner(app, "Ana Ruiz", rate(3, "greet"), rate(2, "tills"))  # both targets met
    assert summary(app) == (0, 0, 0, 0)
    sync(ana, event("plan.goal.added", {"competency": "greet"}))  # to grow all the same
    assert summary(app) == (30, 0, 1, 0)
    sync(ana, event("plan.goal.removed", {"competency": "greet"},
                    MONDAY + timedelta(minutes=1)))
    assert summary(app) == (0, 0, 0, 0)


def test_her_goals_and_own_items_are_read_in_one_statement(app, org):
    """The plan reads the learner's goals and own items in one round trip, and both count:
    the goal grows a met target, her own item is a line of its own."""
    seed_catalogue(app)
    ana = learner(app, "Ana Ruiz", rate(3, "greet"), rate(2, "tills"))  # both targets met
    sync(ana, event("plan.goal.added", {"competency": "greet"}),
         event("plan.item.added", {"id": str(uuid.uuid4()), "title": "A book on greeting",
                                   "format": "book_study", "minutes": 45, "url": None,
                                   "competency": "greet"}, MONDAY + timedelta(minutes=1)))
    with statements(app) as sent:
        plan = from_the_plan(app)
    assert plan == summary(app) and plan[0] == 75 and plan[2] == 1  # Greeting well and the book
    touching = [s for s in sent if "plan_goals" in s or "own_items" in s]
    assert len(touching) == 1 and "plan_goals" in touching[0] and "own_items" in touching[0]


def test_deleting_the_account_deletes_the_summary(app, org):
    seed_catalogue(app)
    ana = learner(app)
    ben = learner(app, "Ben Carter")
    assert summary(app) is not None and summary(app, "Ben Carter") is not None
    assert ana.delete("/api/v1/me").status_code == 200
    assert summary(app) is None and summary(app, "Ben Carter") == (60, 0, 2, 0)
    assert ben.get("/api/v1/plan").status_code == 200


# Two jobs for one person at once -------------------------------------------------------------

def test_a_sync_waits_for_a_job_that_has_read_the_plan(app, org, monkeypatch):
    """The worst order a job and a sync can take: the job reads the plan, the sync changes
    it and summarises it again, then the job writes what it read. It cannot: the job holds
    the learner (``plans._after_their_syncs``) until it commits, the sync waits for it,
    and its summary, read after, is the row that stands."""
    seed_catalogue(app)
    ana = learner(app)
    ana_id = person_named(app, "Ana Ruiz")
    has_read, may_write = threading.Event(), threading.Event()
    real = plans.built

    def built(person):
        plan = real(person)
        if threading.current_thread().name == "slow-job":
            has_read.set()
            assert may_write.wait(20)
        return plan

    monkeypatch.setattr(plans, "built", built)

    def slow_job():
        with app.app_context():
            jobs.run_here("plans.summarise", (ana_id,))

    answers = []
    slow = threading.Thread(target=slow_job, name="slow-job")
    syncing = threading.Thread(target=lambda: answers.append(sync(ana, event(
        "plan.item.changed", {"item": item_ref(app, "till-basics"), "competency": "tills",
                              "state": "dropped"}))))
    slow.start()
    try:
        assert has_read.wait(20)  # it holds her plan of 60 minutes, not yet written
        syncing.start()
        syncing.join(0.5)
        assert syncing.is_alive() and not answers  # the sync waits for the job
    finally:
        may_write.set()
        slow.join(20)
        syncing.join(20)
    assert not slow.is_alive() and not syncing.is_alive() and answers
    assert summary(app) == (30, 0, 1, 1) == from_the_plan(app)
    # Run again in any order, each job reads the database as it is: the same row.
    with app.app_context():
        jobs.run_here("plans.summarise", (ana_id,))
    assert summary(app) == (30, 0, 1, 1)


def test_a_job_begun_while_a_sync_is_uncommitted_never_writes_over_what_the_sync_made(
        app, org, monkeypatch):
    """A sync that moves a level summarises the plan in its own transaction, stamped before
    it reads; a job over the organisation begun after that stamp, but before the sync
    commits, reads the plan as it was. Were it then to write its older row with its later
    stamp, nothing would correct it. It waits for the learner's sync to commit instead
    (the lock the sync holds on the learner, ``take_turns``), then reads the plan."""
    seed_catalogue(app)
    ana = learner(app)
    with app.app_context():
        organisation_id = db.session.scalar(sa.select(Person.organisation_id).where(
            Person.id == person_named(app, "Ana Ruiz")))
    refreshed, may_commit = threading.Event(), threading.Event()
    real = gaps.refresh

    def refresh(person_ids):
        count = real(person_ids)
        if threading.current_thread().name == "sync":
            refreshed.set()  # her new plan summarised, not yet committed
            assert may_commit.wait(20)
        return count

    monkeypatch.setattr(gaps, "refresh", refresh)
    answers = []
    syncing = threading.Thread(name="sync", target=lambda: answers.append(ana.post(
        "/api/v1/sync", {"events": [rate(3, "greet", MONDAY + timedelta(hours=1))]})))
    job_backend: list[int] = []
    failed: list[BaseException] = []

    def job():
        with app.app_context():
            if db.engine.dialect.name == "postgresql":
                job_backend.append(db.session.scalar(sa.text("SELECT pg_backend_pid()")))
            try:
                jobs.run_here("plans.summarise_organisation", (organisation_id,))
            except BaseException as error:  # noqa: BLE001 - reported below
                failed.append(error)

    running = threading.Thread(name="job", target=job)
    syncing.start()
    try:
        assert refreshed.wait(20)
        running.start()
        with app.app_context():
            if db.engine.dialect.name == "postgresql":  # until it waits on a lock
                for _ in range(200):
                    if job_backend and db.session.scalar(sa.text(
                            "SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
                            {"pid": job_backend[0]}) == "Lock":
                        break
                    db.session.rollback()
                    threading.Event().wait(0.05)
                else:
                    raise AssertionError("the job never waited for the sync")
            else:  # SQLite: the sync holds the one write lock; the job reads meanwhile
                threading.Event().wait(0.5)
    finally:
        may_commit.set()
        syncing.join(30)
        running.join(30)
    assert not syncing.is_alive() and not running.is_alive()
    assert answers and answers[0].status_code == 200, answers
    assert not failed, failed
    # Greeting now at its target: the row is the plan she has, whoever wrote last.
    assert summary(app) == from_the_plan(app) != (60, 0, 2, 0)


def test_two_phones_syncing_at_once_leave_the_summary_of_the_plan_they_made(app, org):
    seed_catalogue(app)
    ana = learner(app)
    tablet = device(app, cookie=session_cookie(ana))  # her second device, signed in as her
    tills = item_ref(app, "till-basics")
    own = str(uuid.uuid4())
    batches = [
        (ana, [event("plan.item.changed", {"item": tills, "competency": "tills",
                                           "state": "dropped"})]),
        (tablet, [event("plan.item.added", {"id": own, "title": "A book on greeting",
                                            "format": "book_study", "minutes": 45,
                                            "url": None, "competency": "greet"})]),
    ]
    start = threading.Barrier(len(batches))
    answers = []

    def send(api, events):
        start.wait(20)
        answers.append(api.post("/api/v1/sync", {"events": events}).get_json())

    threads = [threading.Thread(target=send, args=batch) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [len(a["accepted"]) for a in answers] == [1, 1], answers
    # Greeting well and her book (30 + 45); the tills dropped, with nothing else for them.
    assert summary(app) == (75, 0, 1, 1) == from_the_plan(app)


# The organisation's changes: the catalogue, a profile, a future role ---------------------------

def test_a_catalogue_change_summarises_everyone_again(app, org):
    seed_catalogue(app)
    learner(app)
    learner(app, "Ben Carter", rate(1, "greet"))
    admin = sign_in_as(app, "Priya Nair", ld_admin=True)
    page = admin.get("/admin/catalogue/greeting-well/retire").get_data(as_text=True)
    assert admin.client.post("/admin/catalogue/greeting-well/retire",
                             data={"csrf_token": token(page)}).status_code == 302
    assert summary(app) == (30, 0, 1, 1) and summary(app, "Ben Carter") == (0, 0, 0, 1)
    admin.client.post("/admin/catalogue/greeting-well/retire",
                      data={"csrf_token": token(page), "restore": "y"})
    assert summary(app) == (60, 0, 2, 0) and summary(app, "Ben Carter") == (30, 0, 1, 0)
    edit = admin.get("/admin/catalogue/greeting-well").get_data(as_text=True)
    saved = admin.client.post("/admin/catalogue/greeting-well", data={
        "csrf_token": token(edit), "title": "Greeting well", "format": "classroom",
        "summary": "Welcome every customer within 10 seconds.", "duration_minutes": "50",
        "language": "en", "level_from": "1", "level_to": "5",
        "competencies": ["store-associate/greet"], "url": "", "cards": "", "questions": ""})
    assert saved.status_code == 302
    assert summary(app) == (80, 0, 2, 0) and summary(app, "Ben Carter") == (50, 0, 1, 0)
    assert summary(app, "Priya Nair") == (0, 0, 0, 0)  # everyone: she has rated nothing


def test_a_published_profile_summarises_everyone_again(app, org):
    seed_catalogue(app)
    learner(app)
    learner(app, "Ben Carter", rate(1, "tills"))
    grace = sign_in_as(app, "Grace Okafor")  # the store's author
    with app.app_context():
        author = db.session.get(Person, person_named(app, "Grace Okafor"))
        role = db.session.scalar(sa.select(Role).where(Role.slug == "store-associate"))
        draft = store.open_draft(role, author, clock.now())
        comps = store.competencies(draft)
        comps[1] = comp("tills", "Using the tills", 1, 4, "Tills")  # the target: 2 -> 1
        store.save_draft(draft, comps, expected_revision=draft.revision, author=author,
                         now=clock.now())
        db.session.commit()
        revision, role_id = draft.revision, role.id
    assert summary(app) == (60, 0, 2, 0) and summary(app, "Ben Carter") == (30, 0, 1, 0)
    page = grace.get("/author/store-associate/draft").get_data(as_text=True)
    published = grace.client.post("/author/store-associate/draft/publish", data={
        "csrf_token": token(page), "revision": str(revision), "summary": "Tills: level 1."})
    assert published.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ProfileVersion).where(
            ProfileVersion.status == "published", ProfileVersion.role_id == role_id)) == 2
    # At level 1 the tills meet the role's new target: no item is asked for them.
    assert summary(app) == (30, 0, 1, 0) == from_the_plan(app)
    assert summary(app, "Ben Carter") == (0, 0, 0, 0) == from_the_plan(app, "Ben Carter")


def test_choosing_a_future_role_summarises_the_plan_again(app, org):
    seed_catalogue(app)
    ana = learner(app)
    page = ana.get("/account/settings").get_data(as_text=True)

    def aim_for(future):
        return ana.client.post("/account/settings", data={
            "csrf_token": token(page), "future_role": future, "time_zone": "UTC",
            "language": "en"}).status_code

    assert aim_for("warehouse-picker") == 302
    sync(ana, rate(1, "pick", role="warehouse-picker"))
    assert summary(app) == (90, 0, 3, 0)  # and Pick paths
    assert aim_for("") == 302  # no future role: picking is no longer in her plan
    assert summary(app) == (60, 0, 2, 0) == from_the_plan(app)


def test_the_command_summarises_every_organisation(app, org, runner):
    seed_catalogue(app)
    learner(app)
    with app.app_context():
        db.session.execute(sa.delete(PlanSummary))
        db.session.commit()
    result = runner.invoke(args=["plans", "summarise"])
    assert result.exit_code == 0, result.output
    # Grace and Wes wrote the profiles; Ana rated: each has a plan, if an empty one.
    assert result.output == "Acme Stores: 3 plans summarised.\n"
    assert summary(app) == (60, 0, 2, 0) and summary(app, "Wes Moyo") == (0, 0, 0, 0)


# The release ----------------------------------------------------------------------------------

# Noise so small the released sums are the true ones, and a cap of 45 minutes a person.
EXACT = {"SKILLPATH_RELEASE_RHO": 1e12, "SKILLPATH_RELEASE_RHO_YEAR": 1e13,
         "SKILLPATH_RELEASE_HOURS_CAP": 0.75}


def test_the_release_sums_the_summaries_each_clipped(app_factory):
    app = app_factory(**EXACT)
    make_org(app)
    seed_catalogue(app)
    learner(app)  # 60 minutes, 2 covered
    learner(app, "Ben Carter", rate(1, "greet"))  # 30 minutes, 1 covered
    cy = learner(app, "Cy Lund")
    with app.app_context():
        person = db.session.get(Person, person_named(app, "Cy Lund"))
        person.future_role_id = db.session.scalar(sa.select(Role.id).where(
            Role.slug == "warehouse-picker"))
        db.session.commit()
    sync(cy, rate(1, "pick", role="warehouse-picker"))  # 90 minutes, 3 covered
    dee = learner(app, "Dee Ames")
    sync(dee, event("plan.item.changed", {"item": item_ref(app, "till-basics"),
                                          "competency": "tills", "state": "dropped"}))
    # Eve rated through ingest alone, as the demo seed does: the sync keeps her row ...
    with app.app_context():
        org = db.session.scalar(sa.select(Organisation))
        eve, _ = people.ensure_person(org, "Eve Stone",
                                      people.role_by_slug(org, "store-associate"))
        assert not ingest(eve, [rate(1, "greet"), rate(1, "tills")], clock.now()).refused
        db.session.commit()
    assert summary(app, "Eve Stone") == (60, 0, 2, 0)
    # ... which a deployment from before the table lacks: the release summarises her first.
    with app.app_context():
        db.session.execute(sa.delete(PlanSummary).where(
            PlanSummary.person_id == person_named(app, "Eve Stone")))
        db.session.commit()
    assert summary(app, "Eve Stone") is None
    rows = {"Ana Ruiz": (60, 0, 2, 0), "Ben Carter": (30, 0, 1, 0), "Cy Lund": (90, 0, 3, 0),
            "Dee Ames": (30, 0, 1, 1)}
    assert {name: summary(app, name) for name in rows} == rows
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
        assert releases.publish(org_id, clock.now()).status == releases.PUBLISHED
        db.session.commit()
        numbers = releases.latest(org_id).role("store-associate").numbers
    assert summary(app, "Eve Stone") == (60, 0, 2, 0)  # summarised first, then counted
    rows["Eve Stone"] = summary(app, "Eve Stone")
    # Each person's minutes clipped to 45 and their gaps to the role's 2 competencies.
    assert (numbers.learners, numbers.minutes, numbers.fee_cents, numbers.covered,
            numbers.uncovered) == (5, 45 + 30 + 45 + 30 + 45, 0, 2 + 1 + 2 + 1 + 2, 1)
    assert numbers.minutes == sum(min(m, 45) for m, *_ in rows.values())
    assert numbers.covered == sum(min(c, 2) for _, _, c, _ in rows.values())

