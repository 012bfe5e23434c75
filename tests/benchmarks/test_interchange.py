"""Importing a CASE package of 10,000 competencies as a role's draft, against the floor.

Ours: ``engine.interchange.case.read`` of the package's bytes (json.loads, the tree, the
rubric's levels, a key per competency) and ``pwa.interchange.import_draft`` (the draft's
version row, then one ``executemany`` each of the competencies' identities and of the
draft's lines), one commit. The floor: ``json.loads`` of the same bytes, then raw
SQLAlchemy Core ``executemany`` of exactly the rows ours writes (a version, 10,000
identities, 10,000 lines, computed before its clock starts) into another role of the same
database, one commit. Both run in turn, ROUNDS rounds each, on emptied rows, and the
median of the rounds' own ratios is the figure (``goals.paired_ratio``). The goal is 3.
"""

from __future__ import annotations

import json
import statistics
import time

import pytest
import sqlalchemy as sa

from engine.interchange import Written, case
from engine.profiles import Competency
from pwa import clock, interchange
from pwa.extensions import db
from pwa.models import CompetencyIdentity, ProfileVersion, Role, VersionCompetency
from tests.benchmarks.goals import goal, paired_ratio

ITEMS, ROUNDS, GOAL = 10_000, 5, 3.0


def package() -> bytes:
    return case.write(Written(
        role="Warehouse", number=1, summary="All of it.", published_at="2026-01-01T00:00:00Z",
        identifier="bench/warehouse", competencies=tuple(
            Competency(f"c{k}", f"Competency {k}", f"What competency {k} means at work.",
                       f"Group {k // 50}", tuple(f"Level {n} of {k}" for n in range(1, 6)),
                       1 + k % 5, 1 + k % 3) for k in range(ITEMS))))


def empty(role_ids: list[int]) -> None:
    db.session.execute(sa.delete(ProfileVersion).where(ProfileVersion.role_id.in_(role_ids)))
    db.session.execute(sa.delete(CompetencyIdentity)
                       .where(CompetencyIdentity.role_id.in_(role_ids)))
    db.session.commit()


@pytest.mark.benchmark
def test_case_import_of_10000_items(app, org, capsys):
    data = package()
    ours: list[float] = []
    floor: list[float] = []
    with app.app_context():
        ours_id = org["roles"]["store-associate"]
        floor_id = org["roles"]["warehouse-picker"]
        reading = case.read(data)
        assert len(reading.competencies) == ITEMS and reading.notes == ()
        now = clock.now()
        for _ in range(ROUNDS):
            empty([ours_id, floor_id])
            ours_role = db.session.get(Role, ours_id)
            started = time.perf_counter()
            draft = interchange.import_draft(ours_role, case.read(data), by=None, now=now)
            db.session.commit()
            ours.append(time.perf_counter() - started)
            draft_id = draft.id
            assert db.session.scalar(sa.select(sa.func.count(VersionCompetency.id))
                                     .where(VersionCompetency.version_id == draft_id)) == ITEMS
            db.session.expunge_all()

            identities = [{"role_id": floor_id, "key": c.key, "created_at": now}
                          for c in reading.competencies]
            started = time.perf_counter()
            json.loads(data)
            with db.engine.begin() as conn:
                version_id = conn.execute(sa.insert(ProfileVersion.__table__).values(
                    role_id=floor_id, number=1, status="draft", summary="", revision=1,
                    created_at=now, updated_at=now).returning(
                        ProfileVersion.__table__.c.id)).scalar_one()
                conn.execute(sa.insert(CompetencyIdentity.__table__), identities)
                ids = dict(conn.execute(
                    sa.select(CompetencyIdentity.key, CompetencyIdentity.id)
                    .where(CompetencyIdentity.role_id == floor_id)).all())
                conn.execute(sa.insert(VersionCompetency.__table__), [
                    {"version_id": version_id, "competency_id": ids[c.key],
                     "position": position, "name": c.name, "description": c.description,
                     "group_name": c.group, "levels": list(c.levels), "target": c.target,
                     "importance": c.importance}
                    for position, c in enumerate(reading.competencies)])
            floor.append(time.perf_counter() - started)
        empty([ours_id, floor_id])
        database = db.engine.dialect.name
    ratio, ratios = paired_ratio(ours, floor)
    with capsys.disabled():
        print(f"\nCASE import of {ITEMS} items ({len(data) / 1e6:.1f} MB), "
              f"{database}: "
              f"ours {statistics.median(ours):.3f} s, floor (json.loads + executemany) "
              f"{statistics.median(floor):.3f} s, ratio {ratio:.2f} "
              f"(rounds {', '.join(f'{r:.2f}' for r in ratios)}; goal ≤ {GOAL})")
    goal(ratio <= GOAL, f"CASE import of {ITEMS} items: ratio {ratio:.2f} (goal ≤ {GOAL})")
