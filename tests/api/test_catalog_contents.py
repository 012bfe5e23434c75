"""Several lessons in one answer (/api/v1/catalog/contents): what a phone keeps for offline
use, each exactly as its own address answers it, or a clear error and nothing half-sent."""

from __future__ import annotations

import sqlalchemy as sa

from pwa import clock
from pwa.extensions import db
from pwa.models import Organisation
from pwa.store import catalogue
from tests.factories import (
    SPANISH,
    TRANSLATABLE_LESSON,
    revise,
    sign_in_as,
    speaks_spanish,
    translate,
)
from tests.factories import add_translatable_lesson as add_lesson

CONTENTS = "/api/v1/catalog/contents"


def more_lessons(app, *titles):
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
        keys = [catalogue.save(org_id, {**TRANSLATABLE_LESSON, "title": title}, by=None,
                               now=clock.now()).item.key for title in titles]
        db.session.commit()
        return keys


def test_each_lesson_is_as_its_own_address_answers_it_in_the_order_asked(app, org):
    key = add_lesson(app)
    translate(app, key, SPANISH)
    revise(app, key, title="Till safety first")  # revision 2: its title left in English
    api = sign_in_as(app, "Ana Ruiz")
    speaks_spanish(app, "Ana Ruiz")
    others = more_lessons(app, "Counting the float", "Closing a till")
    wanted = [(key, 2), (key, 1), *((other, 1) for other in others)]
    items = ",".join(f"{k}:{n}" for k, n in wanted)
    for lang in ("", "&lang=es"):
        answer = api.get(f"{CONTENTS}?items={items}{lang}")
        assert answer.status_code == 200, answer.get_json()
        assert answer.headers["Cache-Control"] == "no-store"
        alone = [api.get(f"/api/v1/catalog/items/{k}?revision={n}{lang}").get_json()
                 for k, n in wanted]
        assert answer.get_json() == {"items": alone}
    spanish = api.get(f"{CONTENTS}?items={key}:1,{key}:2&lang=es").get_json()["items"]
    assert spanish[0]["title"] == "Seguridad en la caja"
    assert spanish[1]["title"] == "Till safety first"
    assert spanish[1]["translation"]["original"] == ["title", "questions.1"]


def test_an_unknown_lesson_or_revision_refuses_the_whole_turn_and_names_it(app, org):
    key = add_lesson(app)
    api = sign_in_as(app, "Ana Ruiz")
    for items, named in ((f"{key}:1,no-such-lesson:1", "no-such-lesson"),
                         (f"{key}:7,{key}:1", f"{key}' has no revision 7")):
        answer = api.get(f"{CONTENTS}?items={items}")
        assert answer.status_code == 404, items
        body = answer.get_json()
        assert body["code"] == 404 and named in body["message"], body


def test_what_cannot_be_read_is_refused_with_its_reason(app, org):
    key = add_lesson(app)
    api = sign_in_as(app, "Ana Ruiz")
    many = ",".join([f"{key}:1"] * 51)
    for query in ("", "items=", f"items={key}", f"items={key}:", "items=:1",
                  f"items={key}:one", f"items={key}:-1", f"items={key}:1.0",
                  f"items={key}:１", f"items={key}:99999999999999999999", f"items={key}:1,",
                  f"items={many}", f"items={key}:1&lang=Spanish", f"items={key}:1&extra=1",
                  f"items={key}:1%00"):
        answer = api.get(f"{CONTENTS}?{query}")
        assert answer.status_code == 422, query
        body = answer.get_json()
        assert body["error"] == "invalid_request" and body["details"], query
    assert api.get(f"{CONTENTS}?items={','.join([f'{key}:1'] * 50)}").status_code == 200


def test_nobody_signed_out_reads_them(app, org):
    key = add_lesson(app)
    answer = app.test_client().get(f"{CONTENTS}?items={key}:1")
    assert answer.status_code == 401 and answer.get_json()["error"]
