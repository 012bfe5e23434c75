"""FSRS fitted to an organisation's stored answers: the store, the job, the commands, the page.

The answers are simulated from known memory parameters
(``tests.factories.simulated_reviews``) and stored as the sync stores them, one
``practice_reviews`` row each, spread over four learners' questions of one lesson.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from engine import fitting as rules
from engine import practice as practice_rules
from engine.fitting import DEFAULT_PARAMETERS
from pwa import clock
from pwa.extensions import db
from pwa.models import Item, Organisation, Person, PracticeFit, PracticeReview, Role
from pwa.store import fitting, people
from pwa.store import practice as practice_store
from tests.factories import make_person, publish_profile, sign_in_as, simulated_reviews

LEARNERS = ("Ana Ruiz", "Ben Okoro", "Chen Wei", "Dana Novak")


@pytest.fixture(scope="module")
def answers() -> list[rules.Log]:
    return simulated_reviews(cards=400, days=240, seed=1)


def store(app, logs, names=LEARNERS, organisation_id=None):
    """Store ``logs`` as answers: question ``card // len(names)`` of one lesson, learner
    ``card % len(names)``. Returns the organisation's id."""
    learners = [make_person(app, name) for name in names] if organisation_id is None else None
    with app.app_context():
        org = organisation_id or db.session.scalar(sa.select(Organisation.id))
        if learners is None:
            learners = list(db.session.scalars(sa.select(Person.id).where(
                Person.organisation_id == org).order_by(Person.id)))
        item = Item(organisation_id=org, key=f"till-safety-{uuid.uuid4().hex[:6]}")
        db.session.add(item)
        db.session.flush()
        db.session.execute(sa.insert(PracticeReview), [
            {"id": str(uuid.uuid4()), "person_id": learners[log.card % len(learners)],
             "item_id": item.id, "revision": 1, "question": log.card // len(learners),
             "answer": [0], "correct": log.grade > 1, "hinted": False, "grade": log.grade,
             "response_ms": 5000, "occurred_at": log.occurred_at} for log in logs])
        db.session.commit()
        return org


def another_organisation(app):
    with app.app_context():
        other = Organisation(slug="other", name="Other Shops")
        db.session.add(other)
        db.session.flush()
        role = Role(organisation_id=other.id, slug="cashier", name="Cashier", description="")
        db.session.add(role)
        db.session.flush()
        people.ensure_person(other, "Zed Ahmed", role)
        db.session.commit()
        return other.id


def fits(app):
    with app.app_context():
        return list(db.session.scalars(sa.select(PracticeFit).order_by(PracticeFit.id)))


def in_use(app, org):
    with app.app_context():
        return practice_store.scheduler(org).parameters


# --- the store --------------------------------------------------------------------------------

def test_the_answers_are_read_as_the_engine_s_reviews_of_each_question(app, org, answers):
    org_id = store(app, answers[:50])
    other = another_organisation(app)
    store(app, answers[50:60], organisation_id=other)
    with app.app_context():
        learners = list(db.session.scalars(sa.select(Person.id).where(
            Person.organisation_id == org_id).order_by(Person.id)))
        item = db.session.scalar(sa.select(Item.id).where(Item.organisation_id == org_id))
        read = fitting.logs(org_id)
    assert len(read) == 50  # only the organisation's own people's answers
    assert [log.occurred_at for log in read] == sorted(log.occurred_at for log in answers[:50])
    expected = sorted(((practice_rules.card_id(learners[log.card % 4], item, log.card // 4),
                        log.occurred_at, log.grade) for log in answers[:50]),
                      key=lambda t: t[1])
    assert [(log.card, log.occurred_at, log.grade) for log in read] == expected


def test_with_too_few_answers_nothing_is_fitted_and_the_defaults_stay(app, org, answers):
    org_id = store(app, answers[:300])
    with app.app_context():
        row = fitting.run(org_id, clock.now())
        db.session.commit()
        assert (row.logs, row.adopted, row.new_parameters) == (300, False, None)
        assert fitting.current_parameters(org_id) is None
        last = fitting.last(org_id)
        assert last is not None and last.fit.message == "Too few reviews yet: 300 of 1000."
    assert in_use(app, org_id) == DEFAULT_PARAMETERS


def test_a_better_fit_is_adopted_and_practice_schedules_with_it(app, org, answers):
    org_id = store(app, answers)
    with app.app_context():
        row = fitting.run(org_id, clock.now())
        db.session.commit()
        assert row.adopted and row.logs == len(answers)
        assert row.new_metrics["log_loss"] < row.old_metrics["log_loss"]
        assert row.old_parameters == list(DEFAULT_PARAMETERS)
        assert fitting.current_parameters(org_id) == tuple(row.new_parameters)
        # The same answers through the engine directly: the same verdict.
        assert fitting.last(org_id).fit == rules.fit(fitting.logs(org_id), None)
    assert in_use(app, org_id) == tuple(row.new_parameters)


def test_a_worse_fit_is_never_adopted_and_the_parameters_in_use_stay(app, org, answers,
                                                                     monkeypatch):
    org_id = store(app, answers)
    with app.app_context():
        good = fitting.run(org_id, clock.now())
        db.session.commit()
        good_parameters, good_at = good.new_parameters, good.fitted_at
    bad = (100.0, 100.0, 100.0, 100.0) + DEFAULT_PARAMETERS[4:20] + (0.8,)
    monkeypatch.setattr(rules, "_optimize", lambda questions, since: bad)
    with app.app_context():
        worse = fitting.run(org_id, clock.now() + timedelta(days=7))
        db.session.commit()
        # Judged against the parameters in use (the good fit's), and kept out.
        assert worse.old_parameters == good_parameters
        assert not worse.adopted and worse.new_parameters == list(bad)
        assert worse.new_metrics["log_loss"] > worse.old_metrics["log_loss"]
        assert fitting.current_parameters(org_id) == tuple(good_parameters)
        assert fitting.adopted_at(org_id) == good_at
        assert fitting.last(org_id).fit.reason == rules.KEPT
    assert in_use(app, org_id) == tuple(good_parameters)


def test_a_fit_is_due_a_week_after_the_last(app, org, answers):
    org_id = store(app, answers[:100])
    now = clock.now()
    with app.app_context():
        assert fitting.due(org_id, now)
        assert fitting.run_if_due(org_id, now) is not None
        db.session.commit()
        assert not fitting.due(org_id, now + timedelta(days=6, hours=23))
        assert fitting.run_if_due(org_id, now + timedelta(days=6)) is None
        assert fitting.due(org_id, now + timedelta(days=7))
    assert len(fits(app)) == 1


def test_the_threshold_is_a_setting(app_factory, answers):
    from tests.factories import make_org

    app = app_factory(SKILLPATH_FIT_MIN_LOGS=100)
    make_org(app)
    org_id = store(app, answers[:1500])
    with app.app_context():
        row = fitting.run(org_id, clock.now())
        assert row.new_parameters is not None and row.old_metrics is not None
    for bad in (0, -5, True, 2.5):
        with pytest.raises(RuntimeError, match="SKILLPATH_FIT_MIN_LOGS"):
            app_factory(SKILLPATH_FIT_MIN_LOGS=bad)


# --- the job and the commands ------------------------------------------------------------------

def test_the_job_fits_when_due(app, org, answers):
    from pwa.jobs import fitting as job

    org_id = store(app, answers)
    with app.app_context():
        assert job.fit_due(org_id) is not None
        db.session.commit()
        assert job.fit_due(org_id) is None  # not a week yet
    assert [f.adopted for f in fits(app)] == [True]


def test_a_fit_with_too_few_answers_is_due_again_once_there_are_enough(app, org, answers):
    from pwa.jobs import fitting as job

    org_id = store(app, answers[:500])
    with app.app_context():
        first = job.fit_due(org_id)
        assert first is not None and first.new_parameters is None  # too few: nothing fitted
        db.session.commit()
        assert job.fit_due(org_id) is None  # still too few
    store(app, answers[500:], organisation_id=org_id)
    with app.app_context():
        assert job.fit_due(org_id) is not None  # enough now, though not a week later
        db.session.commit()
        assert job.fit_due(org_id) is None


def test_every_sync_that_stores_answers_asks_for_the_fit(app, org):
    from pwa.sync.registry import Job, registry

    person = make_person(app, "Ana Ruiz")
    with app.app_context():
        p = db.session.get(Person, person)
        assert [f(p) for f in registry().events["card.reviewed"].jobs] == [
            Job("practice.fit", (p.organisation_id,))]


def test_practice_fit_and_evaluation_print_the_verdict(app, org, runner, answers):
    org_id = store(app, answers)
    other = another_organisation(app)
    before = runner.invoke(args=["practice", "evaluation"])
    assert before.exit_code == 0, before.output
    assert "Acme Stores: no fit yet; practice uses FSRS' default parameters." in before.output
    one = runner.invoke(args=["practice", "fit", "--org", str(org_id)])
    assert one.exit_code == 0, one.output
    assert "Other Shops" not in one.output
    row = fits(app)[0]
    old, new = row.old_metrics, row.new_metrics
    expected = [
        f"Acme Stores: fit of {row.fitted_at:%Y-%m-%d %H:%M} UTC on {len(answers)} answers "
        f"({row.train} before the cut, {row.test} after it).",
        f"  Adopted: log loss on the later reviews improved from {round(old['log_loss'], 4)} "
        f"to {round(new['log_loss'], 4)}.",
        f"  Current parameters: log loss {old['log_loss']:.4f}, RMSE(bins) "
        f"{old['rmse_bins']:.4f}, AUC {old['auc']:.4f}, on {old['reviews']} later answers",
        f"  Fitted parameters: log loss {new['log_loss']:.4f}, RMSE(bins) "
        f"{new['rmse_bins']:.4f}, AUC {new['auc']:.4f}, on {new['reviews']} later answers",
        "  Practice is scheduled with the fitted parameters.",
    ]
    assert one.output.splitlines() == expected
    shown = runner.invoke(args=["practice", "evaluation", "--org", str(org_id)])
    assert shown.output.splitlines() == expected
    every = runner.invoke(args=["practice", "fit"])  # every organisation, at once
    assert "Other Shops: fit of " in every.output
    assert "Too few reviews yet: 0 of 1000." in every.output
    assert [f.organisation_id for f in fits(app)] == [org_id, org_id, other]
    missing = runner.invoke(args=["practice", "fit", "--org", "999999"])
    assert missing.exit_code != 0 and "There is no organisation 999999." in missing.output


# --- the L&D page ----------------------------------------------------------------------------

def test_the_page_asks_for_a_fit_and_shows_old_against_new(app, org, answers):
    org_id = store(app, answers)
    admin = sign_in_as(app, "Priya Nair", ld_admin=True)
    page = admin.get("/reports/practice")  # no fit yet: asks for one (inline in tests)
    assert page.status_code == 200
    [row] = fits(app)
    html = admin.get("/reports/practice").get_data(as_text=True)
    assert len(fits(app)) == 1  # not due again
    assert "Practice is scheduled with parameters fitted to your people's answers on" in html
    old, new = row.old_metrics["log_loss"], row.new_metrics["log_loss"]
    assert (f"Adopted: log loss on the later reviews improved from {old:.4f} to {new:.4f}."
            in html)
    assert f"<td>{old:.4f}</td><td>{new:.4f}</td>" in html
    assert f"judged on about {round(row.test, -2):,} answers after it" in html  # to the hundred
    assert fitting.EVERY == timedelta(days=7) and "every 7 days" in html
    publish_profile(app)  # the reports' index publishes a release of it
    index = admin.get("/reports").get_data(as_text=True)
    assert 'href="/reports/practice"' in index
    assert org_id


def test_the_page_before_enough_answers(app, org, answers):
    store(app, answers[:20])
    admin = sign_in_as(app, "Priya Nair", ld_admin=True)
    first = admin.get("/reports/practice").get_data(as_text=True)
    assert "No fit has run yet. The first one is being prepared" in first
    html = admin.get("/reports/practice").get_data(as_text=True)
    assert "Practice is scheduled with the standard FSRS parameters." in html
    assert "Too few answers yet: a fit needs 1,000." in html
    assert "practice-metrics" not in html
