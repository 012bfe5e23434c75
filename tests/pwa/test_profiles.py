"""Success Profiles through pages and API: authorship, drafts, publishing, feedback."""

from __future__ import annotations

import re

import sqlalchemy as sa

from pwa import clock
from pwa.extensions import db
from pwa.models import Feedback, Person, ProfileVersion, Role, VersionCompetency
from pwa.store import people
from pwa.store import profiles as store
from tests.factories import (
    LEVELS,
    Api,
    comp,
    enrol,
    make_invite,
    make_person,
    publish_profile,
    sign_in_as,
    token,
)


def test_learner_reads_the_profile_with_authors_and_levels(app, org):
    publish_profile(app)
    api = sign_in_as(app, "Ana Ruiz")
    html = api.get("/roles/store-associate").get_data(as_text=True)
    assert "Version 1" in html and "Written by Grace Okafor" in html
    assert "Greeting customers" in html and LEVELS[2] in html
    assert "Level 3 · target" in html


def test_learner_cannot_author(app, org):
    publish_profile(app)
    api = sign_in_as(app, "Ana Ruiz")
    assert api.get("/author").status_code == 403
    assert api.get("/author/store-associate").status_code == 403
    html = api.get("/").get_data(as_text=True)
    assert api.client.post("/author/store-associate/draft",
                           data={"csrf_token": token(html)}).status_code == 403
    assert api.client.post("/author/store-associate/draft/publish",
                           data={"csrf_token": token(html), "summary": "x",
                                 "revision": "1"}).status_code == 403


def test_author_only_for_nominated_roles_and_ld_admin_cannot_edit_text(app, org):
    publish_profile(app)
    publish_profile(app, "warehouse-picker", "Marcus Johnson")
    grace = Api(app.test_client())
    with app.app_context():
        grace_id = db.session.scalar(sa.select(Person.id).where(
            Person.display_name == "Grace Okafor"))
    enrol(grace, make_invite(app, grace_id))
    assert grace.get("/author/store-associate").status_code == 200
    assert grace.get("/author/warehouse-picker").status_code == 403
    admin = sign_in_as(app, "Priya N", ld_admin=True)
    assert admin.get("/author/store-associate").status_code == 403
    assert admin.get("/admin/authors").status_code == 200


def test_ld_admin_nominates_only_holders_of_the_role(app, org):
    admin = sign_in_as(app, "Priya N", ld_admin=True)
    ana = make_person(app, "Ana Ruiz")
    ben = make_person(app, "Ben Ode", "warehouse-picker")
    html = admin.get("/admin/authors").get_data(as_text=True)
    with app.app_context():
        role_id = db.session.scalar(sa.select(Role.id).where(Role.slug == "store-associate"))
    wrong = admin.client.post("/admin/authors/store-associate", data={
        "csrf_token": token(html), f"r{role_id}-person": str(ben)}, follow_redirects=True)
    assert "Only people who hold the role" in wrong.get_data(as_text=True)
    right = admin.client.post("/admin/authors/store-associate", data={
        "csrf_token": token(html), f"r{role_id}-person": str(ana)}, follow_redirects=True)
    assert "Ana Ruiz can now write" in right.get_data(as_text=True)


def test_stale_draft_save_is_refused_with_the_current_text(app, org):
    publish_profile(app)
    with app.app_context():
        grace_id = db.session.scalar(sa.select(Person.id).where(
            Person.display_name == "Grace Okafor"))
    first, second = Api(app.test_client()), Api(app.test_client())
    enrol(first, make_invite(app, grace_id))
    tomasz = make_person(app, "Tomasz Nowak")
    with app.app_context():
        people.nominate_author(db.session.get(Person, tomasz),
                               db.session.scalar(sa.select(Role).where(
                                     Role.slug == "store-associate")))
        db.session.commit()
    enrol(second, make_invite(app, tomasz))
    home = first.get("/author/store-associate").get_data(as_text=True)
    first.client.post("/author/store-associate/draft", data={"csrf_token": token(home)})
    form_a = first.get("/author/store-associate/draft/competency/greet").get_data(as_text=True)
    form_b = second.get("/author/store-associate/draft/competency/greet").get_data(as_text=True)
    revision = re.search(r'name="revision"[^>]*value="(\d+)"', form_a).group(1)

    def save(api, html, name):
        data = {"csrf_token": token(html), "revision": revision, "name": name,
                "description": "d", "group": "Customers", "target": "3", "importance": "4"}
        data.update({f"level_{n}": f"{name} level {n}" for n in range(1, 6)})
        return api.client.post("/author/store-associate/draft/competency/greet", data=data)

    assert save(first, form_a, "Welcoming customers").status_code == 302
    refused = save(second, form_b, "Serving customers")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "Someone else saved this draft" in text
    assert "Welcoming customers level 3" in text  # the current text
    assert 'value="Serving customers"' in text  # their own text is kept in the form
    with app.app_context():
        line = db.session.scalar(sa.select(VersionCompetency).join(ProfileVersion).where(
            ProfileVersion.status == "draft", VersionCompetency.name.like("%customers")))
        assert line.name == "Welcoming customers"


def test_bad_competency_input_is_refused_and_nothing_half_saved(app, org):
    author_id = publish_profile(app)
    api = Api(app.test_client())
    enrol(api, make_invite(app, author_id))
    html = api.get("/author/store-associate").get_data(as_text=True)
    api.client.post("/author/store-associate/draft", data={"csrf_token": token(html)})
    page = api.get("/author/store-associate/draft/competency/new").get_data(as_text=True)
    revision = re.search(r'name="revision"[^>]*value="(\d+)"', page).group(1)
    base = {"csrf_token": token(page), "revision": revision, "description": "",
            "group": "Tills", **{f"level_{n}": f"level {n}" for n in range(1, 6)}}
    duplicate = api.client.post("/author/store-associate/draft/competency/new",
                                data={**base, "name": "greeting CUSTOMERS", "target": "3",
                                      "importance": "3"})
    assert duplicate.status_code == 422 and "appears twice" in duplicate.get_data(as_text=True)
    for bad in ("0", "6", "three"):
        answer = api.client.post("/author/store-associate/draft/competency/new",
                                 data={**base, "name": "Cash handling", "target": bad,
                                       "importance": "3"})
        assert answer.status_code == 422
    with app.app_context():
        draft = db.session.scalar(sa.select(ProfileVersion).where(
            ProfileVersion.status == "draft"))
        assert [line.name for line in draft.lines] == ["Greeting customers", "Using the tills"]


def test_published_versions_are_immutable(app, org):
    author_id = publish_profile(app)
    with app.app_context():
        version = db.session.scalar(sa.select(ProfileVersion))
        person = db.session.get(Person, author_id)
        try:
            store.save_draft(version, [comp("x", "X")], expected_revision=version.revision,
                             author=person, now=clock.now())
        except Exception as exc:  # noqa: BLE001
            assert "published version can't be changed" in str(exc.message)
        else:
            raise AssertionError("a published version was edited")


def test_feedback_accept_publish_and_the_learner_sees_reply_and_changes(app, org):
    author_id = publish_profile(app)
    learner = sign_in_as(app, "Ana Ruiz")
    sent = learner.post("/api/v1/feedback", {"role": "store-associate", "competency": "tills",
                                             "kind": "outdated",
                                             "text": "We have self-checkouts now."})
    assert sent.status_code == 201, sent.get_json()
    author = Api(app.test_client())
    enrol(author, make_invite(app, author_id))
    desk = author.get("/author/store-associate").get_data(as_text=True)
    assert "We have self-checkouts now." in desk
    feedback_id = sent.get_json()["id"]
    author.client.post(f"/author/store-associate/feedback/{feedback_id}",
                       data={"csrf_token": token(desk), "decision": "accept",
                             "reply": "Good point, added."})
    with app.app_context():
        draft = db.session.scalar(sa.select(ProfileVersion).where(
            ProfileVersion.status == "draft"))
        assert db.session.get(Feedback, feedback_id).addressed_in_id == draft.id
        person = db.session.get(Person, author_id)
        comps = store.competencies(draft)
        comps[1] = comp("tills", "Using tills and self-checkouts", 3, 4, "Tills")
        store.save_draft(draft, comps, expected_revision=draft.revision, author=person,
                         now=clock.now())
        db.session.commit()
        revision = draft.revision
    page = author.get("/author/store-associate/draft").get_data(as_text=True)
    published = author.client.post("/author/store-associate/draft/publish", data={
        "csrf_token": token(page), "revision": str(revision), "summary": "Self-checkouts."},
        follow_redirects=True)
    assert "Version 2 is published" in published.get_data(as_text=True)
    mine = learner.get("/api/v1/feedback").get_json()["feedback"][0]
    assert (mine["status"], mine["reply"], mine["addressed_in"]) == \
        ("accepted", "Good point, added.", 2)
    changes = learner.get("/roles/store-associate/changes/2").get_data(as_text=True)
    assert "Target changed" in changes and "Using tills and self-checkouts" in changes
    diff = learner.get("/api/v1/roles/store-associate/profile/diff?from=1&to=2").get_json()
    tills = next(c for c in diff["competencies"] if c["key"] == "tills")
    assert tills["changes"] == ["target_changed", "descriptors_changed"]


def test_feedback_refusals(app, org):
    publish_profile(app)
    publish_profile(app, "warehouse-picker", "Marcus Johnson",
                    comps=(comp("scan", "Scanning", group="Picking"),))
    learner = sign_in_as(app, "Ana Ruiz")
    other_role = learner.post("/api/v1/feedback", {"role": "store-associate",
                                                   "competency": "scan", "kind": "unclear",
                                                   "text": "?"})
    assert other_role.status_code == 422
    assert "has no competency 'scan'" in other_role.get_json()["message"]
    bad_kind = learner.post("/api/v1/feedback", {"role": "store-associate", "kind": "angry",
                                                 "text": "x"})
    assert bad_kind.status_code == 422
    empty = learner.post("/api/v1/feedback", {"role": "store-associate", "kind": "other",
                                              "text": "   "})
    assert empty.status_code == 422
    unknown_role = learner.post("/api/v1/feedback", {"role": "pilot", "kind": "other",
                                                     "text": "x"})
    assert unknown_role.status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Feedback)) == 0


def test_profile_api_etags_and_cache_lifetimes(app, org):
    publish_profile(app)
    api = sign_in_as(app, "Ana Ruiz")
    versioned = api.get("/api/v1/roles/store-associate/profile?version=1")
    assert versioned.status_code == 200
    assert "immutable" in versioned.headers["Cache-Control"]
    etag = versioned.headers["ETag"]
    assert not etag.startswith("W/")
    again = api.get("/api/v1/roles/store-associate/profile?version=1",
                    headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    current = api.get("/api/v1/roles/store-associate/profile")
    assert current.headers["Cache-Control"] == "private, no-cache"
    assert current.get_json()["competencies"][0]["levels"] == LEVELS
    assert api.get("/api/v1/roles/store-associate/profile?version=9").status_code == 404
    assert api.get("/api/v1/roles/store-associate/profile?version=x").status_code == 422
    roles = api.get("/api/v1/roles").get_json()["roles"]
    assert {r["slug"]: r["current_version"] for r in roles} == {
        "store-associate": 1, "warehouse-picker": None}
    assert Api(app.test_client()).get("/api/v1/roles").status_code == 401


def test_feedback_is_in_the_export_and_goes_with_the_account(app, org):
    publish_profile(app)
    learner = sign_in_as(app, "Ana Ruiz")
    learner.post("/api/v1/feedback", {"role": "store-associate", "kind": "unclear",
                                      "text": "Level 4 of greeting is vague."})
    exported = learner.get("/api/v1/me/export").get_json()["feedback"]
    assert [(f["kind"], f["text"], f["version"]) for f in exported] == [
        ("unclear", "Level 4 of greeting is vague.", 1)]
    assert learner.delete("/api/v1/me").status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Feedback)) == 0
