"""Reading daily practice: the bundle's practice part and Home's card each cost a fixed number
of queries, however many lessons the learner started and answers they gave; Home's card says
what the bundle says."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import joinedload

from engine import practice as rules
from pwa import clock
from pwa.extensions import db
from pwa.models import Item, Person
from pwa.store import memo
from pwa.store import practice as store
from tests.factories import (
    RECENT_MORNING,
    add_lesson,
    comp,
    practise,
    publish_profile,
    statements,
)

LESSONS = 6


def plan_of(app: Flask, keys: list[str]) -> dict[str, Any]:
    """The plan's lines as the plan's part of the bundle gives them: these lessons, in order."""
    with app.app_context():
        ids = dict(db.session.execute(sa.select(Item.key, Item.id)
                                      .where(Item.key.in_(keys))).all())
    return {"lines": [{"item": f"c:{ids[key]}", "format": "micro_lesson"} for key in keys]}


def read(app: Flask, plan: dict[str, Any], *, kept: bool = False,
         ) -> tuple[dict[str, Any], list[str], Any, list[str]]:
    """Ana's practice part of the bundle and Home's card, each in a session of its own as a
    request has (her organisation read with her, as the signed-in session is); with the
    statements each sent. ``kept``: with what members share kept from before
    (``pwa.store.memo.shared``), else read afresh."""
    bundle = {"plan": plan, "role": "store-associate",
              "ratings": {"current": [{"role": "store-associate", "competency": "tills",
                                       "level": 2}]},
              "profiles": {"store-associate": {"competencies": [
                  {"key": "tills", "name": "Using the tills"}]}}}
    ana = (sa.select(Person).where(Person.display_name == "Ana Ruiz")
           .options(joinedload(Person.organisation)))
    with app.app_context():
        if not kept:
            memo.kept().clear()
        person = db.session.scalar(ana)
        with statements(app) as part_sql:
            part = store.bootstrap_part(person, bundle)["practice"]
    with app.app_context():
        if not kept:
            memo.kept().clear()
        person = db.session.scalar(ana)
        with statements(app) as card_sql:
            card = store.today(person, plan)
    return part, list(part_sql), card, list(card_sql)


def test_practice_is_read_in_as_many_queries_for_many_lessons_and_answers_as_for_one(app, org):
    publish_profile(app, comps=(comp("tills", "Using the tills", 4, 5),
                                comp("greet", "Greeting customers")))
    keys = [add_lesson(app, f"Till safety {n}") for n in range(LESSONS)]
    plan = plan_of(app, keys)
    practise(app, "Ana Ruiz", keys[0], [(0, True, RECENT_MORNING)])
    part, part_sql, card, card_sql = read(app, plan)
    assert len(part["progress"]) == 1 and part["mastery"][0]["answers"] == 1

    # Every question of every lesson, answered on five days, and three of them today.
    today = rules.day_start(rules.local_day(clock.now(), "UTC"), "UTC")
    for key in keys:
        practise(app, "Ana Ruiz", key, [
            (q, (day + q) % 4 != 0, RECENT_MORNING + timedelta(days=1 + day, minutes=q))
            for day in range(5) for q in range(3)])
    practise(app, "Ana Ruiz", keys[1], [(q, True, today + timedelta(minutes=q))
                                        for q in range(3)])
    many, many_sql, many_card, many_card_sql = read(app, plan)
    assert len(many["progress"]) == LESSONS and many["mastery"][0]["answers"] == 1 + 18 * 5 + 3
    assert many["today"]["answered"] == 3

    assert len(many_sql) == len(part_sql), many_sql
    assert len(many_card_sql) == len(card_sql), many_card_sql
    # The bundle's part: the settings, the questions started, the lessons gone through, the
    # lessons, the latest answers, the scheduler's parameters and the content queued. Home's
    # card: the first five only (docs/practice.md says so).
    assert (len(part_sql), len(card_sql)) == (7, 5), (part_sql, card_sql)
    # The role comes from the bundle: the person's role is never loaded again.
    assert not any(re.search(r'\bFROM\s+"?roles"?', s, re.IGNORECASE)
                   for s in part_sql + many_sql + card_sql + many_card_sql)
    # With the lessons, their content and the parameters kept from an earlier reader of the
    # organisation: the learner's own rows only.
    read(app, plan, kept=True)
    kept, kept_sql, kept_card, kept_card_sql = read(app, plan, kept=True)
    assert (kept, kept_card) == (many, many_card)
    assert (len(kept_sql), len(kept_card_sql)) == (4, 4), (kept_sql, kept_card_sql)
    # Home's card is the bundle's today.
    first = many["days"][0]
    assert [(e.kind, e.item_key, e.question) for e in many_card.day.entries] == [
        (e["kind"], e["item_key"], e["question"]) for e in first["entries"]]
    assert (many_card.day.seconds, many_card.answered, many_card.week) == (
        first["seconds"], many["today"]["answered"], many["week"])
