"""People from an HR file, in the database: applied in bulk, again changing nothing, later
files moving people and ending leavers as an account deletion does; the command."""

from __future__ import annotations

import io
import re
import threading
import time

import pytest
import sqlalchemy as sa

from engine.errors import InviteUnusable
from pwa import clock
from pwa.extensions import db
from pwa.models import (
    Invite,
    LatestRating,
    Person,
    Rating,
    RoleAuthor,
    RosterUpload,
    Session,
    UncoveredGap,
)
from pwa.store import invites, people, plans, roster
from pwa.sync.export import delete_person
from tests.factories import (
    PICKER_COMPS,
    Api,
    enrol,
    make_person,
    publish_profile,
    rate,
    sign_in_as,
    token,
)

HEADER = "name,role,site,external_id,future_role,language\n"
FIRST = (HEADER
         + "Ana Ruiz,store-associate,Leeds,E1,,es\n"
         + "Ben Ode,Store associate,Leeds,E2,,\n"
         + "Cy Lane,warehouse-picker,York,E3,store-associate,\n"
         + "Dee Fox,astronaut,York,E4,,\n"            # line 5: no such role
         + "Eve Hart,store-associate,York,E2,,\n")    # line 6: E2 twice (with line 3)


def load(app, text, **kw):
    """Preview and apply ``text``; returns the plan, what was applied, and the links."""
    with app.app_context():
        now = clock.now()
        org = people.the_organisation()
        _, plan = roster.preview(org.id, text, now, **kw)
        done = roster.apply(org.id, plan, now, end_account=delete_person)
        db.session.commit()
        return plan, done, {i.name: i.token for i in done.invited}


def roster_people(app):
    with app.app_context():
        return {p.external_id: (p.display_name, p.role.slug, p.site,
                                p.future_role.slug if p.future_role else None, p.locale)
                for p in db.session.scalars(sa.select(Person)
                                            .where(Person.external_id.is_not(None)))}


def count(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_file_creates_people_with_invites_reports_bad_lines_and_again_changes_nothing(app, org):
    plan, done, links = load(app, FIRST)
    assert [(e.line, e.column) for e in plan.errors] == [
        (3, "external_id"), (5, "role"), (6, "external_id")]
    assert (done.created, done.changed, done.ended) == (2, 0, 0)
    assert roster_people(app) == {
        "E1": ("Ana Ruiz", "store-associate", "Leeds", None, "es"),
        "E3": ("Cy Lane", "warehouse-picker", "York", "store-associate", "en")}
    assert sorted(links) == ["Ana Ruiz", "Cy Lane"] and count(app, Invite) == 2
    with app.app_context():  # the links work like any invite's
        assert invites.usable_invite(links["Ana Ruiz"], clock.now()).person.external_id == "E1"

    plan, done, links = load(app, FIRST)
    assert (done.created, done.changed, done.ended, links) == (0, 0, 0, {})
    assert len(plan.unchanged) == 2 and count(app, Invite) == 2
    assert roster_people(app)["E1"] == ("Ana Ruiz", "store-associate", "Leeds", None, "es")


def test_a_later_file_moves_people_and_ends_leavers_as_if_they_deleted_their_account(app, org):
    publish_profile(app)  # Grace Okafor, no external id: never a leaver
    bystander = make_person(app, "Walk In")
    _, _, links = load(app, HEADER + "Ana Ruiz,store-associate,Leeds,E1,,\n"
                       "Ben Ode,store-associate,Leeds,E2,,\n"
                       "Cy Lane,store-associate,York,E3,,\n")
    ana = Api(app.test_client())
    _, answer = enrol(ana, links["Ana Ruiz"])
    assert answer.status_code == 200
    rate(app, "Ana Ruiz", "store-associate", {"greet": 4})
    with app.app_context():
        ben = db.session.scalar(sa.select(Person).where(Person.external_id == "E2"))
        people.nominate_author(ben, ben.role)
        db.session.commit()
        ben_id = ben.id
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 1
    assert ana.get("/api/v1/me").status_code == 200

    plan, done, links = load(app, HEADER + "Ben Ode,warehouse-picker,Leeds,E2,,\n"
                             "Cy Lane,store-associate,Hull,E3,,\n")
    assert [(c.external_id, c.fields) for c in plan.change] == [
        ("E2", ("role",)), ("E3", ("site",))]
    assert [p.external_id for p in plan.leavers] == ["E1"]
    assert (done.created, done.changed, done.ended, links) == (0, 2, 1, {})
    assert roster_people(app) == {
        "E2": ("Ben Ode", "warehouse-picker", "Leeds", None, "en"),
        "E3": ("Cy Lane", "store-associate", "Hull", None, "en")}
    with app.app_context():
        assert db.session.scalars(sa.select(RoleAuthor.person_id)).all() != []  # Grace's
        assert db.session.scalar(sa.select(RoleAuthor).where(
            RoleAuthor.person_id == ben_id)) is None  # a picker writes no associate profile
        assert db.session.get(Person, bystander) is not None
    for model in (Rating, LatestRating, Session):
        assert count(app, model) == 0, model
    assert ana.get("/api/v1/me").status_code == 401  # her session ended


def test_a_move_to_another_role_or_future_role_builds_the_plan_again(app, org):
    publish_profile(app)
    publish_profile(app, "warehouse-picker", "Wes Moyo", comps=PICKER_COMPS)

    def gaps_and_plan():
        with app.app_context():
            person = db.session.scalar(sa.select(Person).where(Person.external_id == "E1"))
            stored = sorted(db.session.execute(sa.select(
                UncoveredGap.competency, UncoveredGap.level, UncoveredGap.needed)
                .where(UncoveredGap.person_id == person.id)).all())
            return stored, sorted((u.competency, u.level, u.needed)
                                  for u in plans.built(person).uncovered)

    load(app, HEADER + "Ana Ruiz,store-associate,Leeds,E1,,\n")
    rate(app, "Ana Ruiz", "store-associate", {"greet": 1, "tills": 1})
    stored, planned = gaps_and_plan()
    assert stored == planned and stored
    for row in ("Ana Ruiz,warehouse-picker,Leeds,E1,store-associate,\n",  # both
                "Ana Ruiz,warehouse-picker,Leeds,E1,,\n",  # the future role
                "Ana Ruiz,store-associate,Leeds,E1,,\n"):  # the role
        load(app, HEADER + row)
        stored, planned = gaps_and_plan()
        assert stored == planned, row


def test_people_get_a_new_invite_when_theirs_expired_unused(app, org):
    _, _, links = load(app, HEADER + "Ana Ruiz,store-associate,Leeds,E1,,\n")
    with app.app_context():
        db.session.execute(sa.update(Invite).values(expires_at=clock.now()))
        db.session.commit()
    plan, done, links = load(app, HEADER + "Ana Ruiz,store-associate,Leeds,E1,,\n")
    assert (done.created, done.changed, list(links)) == (0, 0, ["Ana Ruiz"])
    assert count(app, Invite) == 2


def test_the_command_previews_by_default_and_applies_with_apply(app, org, runner, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(FIRST, encoding="utf-8")
    preview = runner.invoke(args=["people", "import", str(path)])
    assert preview.exit_code == 0, preview.output
    assert "5 lines read: 2 to create, 0 to change, 0 unchanged, 0 leavers, 3 errors." \
        in preview.output
    assert "line 5 (role): There is no role 'astronaut'." in preview.output
    assert "Nothing was changed" in preview.output and count(app, Person) == 0

    out = tmp_path / "links.csv"
    applied = runner.invoke(args=["people", "import", str(path), "--apply", "--invites", str(out)])
    assert applied.exit_code == 0, applied.output
    assert "Applied: 2 created, 0 changed, 0 ended, 2 invited." in applied.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "external_id,name,site,link"
    assert [line.split(",")[:3] for line in lines[1:]] == [
        ["E1", "Ana Ruiz", "Leeds"], ["E3", "Cy Lane", "York"]]
    assert all(line.split(",")[3].startswith("http://localhost/enrol/") for line in lines[1:])

    again = runner.invoke(args=["people", "import", str(path), "--apply"])
    assert "Applied: 0 created, 0 changed, 0 ended, 0 invited." in again.output


def test_the_command_refuses_a_file_that_is_not_utf8(org, runner, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(b"name,role,site,external_id\nZo\xeb,store-associate,Leeds,E1\n")
    answer = runner.invoke(args=["people", "import", str(path)])
    assert answer.exit_code != 0 and "Line 2 is not UTF-8 text." in answer.output


# The L&D page -------------------------------------------------------------------------------

def upload(admin, text, name="people.csv"):
    """The form as a browser posts it, encoded here: the test client spools a body over
    500 kB to a temporary file it never closes."""
    page = admin.get("/admin/people").get_data(as_text=True)
    boundary = "----roster-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{token(page)}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n").encode() \
        + text.encode("utf-8") + f"\r\n--{boundary}--\r\n".encode()
    return admin.client.post("/admin/people", data=body,
                             content_type=f"multipart/form-data; boundary={boundary}")


def test_ld_admin_uploads_previews_confirms_and_gets_the_qr_sheet_by_site(app, org):
    admin = sign_in_as(app, "Priya N", ld_admin=True)
    answer = upload(admin, FIRST)
    assert answer.status_code == 302
    preview = admin.get(answer.headers["Location"])
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert re.search(r'id="count-create">2<', html) and re.search(r'id="count-errors">3<', html)
    assert "Line 5, role</p><p>There is no role &#39;astronaut&#39;.</p>" in html
    assert "Cy Lane" in html and count(app, Person) == 1  # nothing applied yet

    digest = re.search(r'name="digest" type="hidden" value="([0-9a-f]{64})"', html).group(1)
    sheet = admin.client.post(answer.headers["Location"], data={
        "csrf_token": token(html), "digest": digest})
    page = sheet.get_data(as_text=True)
    assert sheet.status_code == 200
    assert "2 new, 0 changed, 0 ended, 2 invited." in page
    sites = re.findall(r'<h2 id="site-\d+" class="sheet-site">([^<]+)</h2>', page)
    assert sites == ["Leeds", "York"]
    assert page.count("<li class=\"invite-card\">") == 2
    assert page.count('<svg role="img" aria-label="QR code of the invite link"') == 2
    link = re.search(r'<p class="invite-link">(http://localhost/enrol/[^<]+)</p>', page).group(1)
    with app.app_context():
        assert invites.usable_invite(link.rsplit("/", 1)[1], clock.now()).person.site == "Leeds"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RosterUpload)) == 0
    assert admin.get(answer.headers["Location"]).status_code == 404  # applied: gone

    again = admin.get(upload(admin, FIRST).headers["Location"]).get_data(as_text=True)
    assert "Nothing to do: everyone in the file is already as it says." in again


def test_a_confirmation_applies_only_what_was_previewed(app, org):
    admin = sign_in_as(app, "Priya N", ld_admin=True)
    where = upload(admin, FIRST).headers["Location"]
    html = admin.get(where).get_data(as_text=True)
    digest = re.search(r'name="digest" type="hidden" value="([0-9a-f]{64})"', html).group(1)
    load(app, HEADER + "Ana Ruiz,store-associate,York,E1,,\n")  # someone else imported
    answer = admin.client.post(where, data={"csrf_token": token(html), "digest": digest})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 409
    assert "The people changed since the preview you confirmed." in page
    assert re.search(r'id="count-change">1<', page) and "Changes: site" in page
    assert roster_people(app)["E1"][2] == "York" and "E3" not in roster_people(app)


def test_the_upload_takes_files_over_the_usual_limit_and_refuses_what_is_not_utf8(app, org):
    admin = sign_in_as(app, "Priya N", ld_admin=True)
    big = HEADER.replace("\n", ",notes\n") + "".join(
        f"P{n},store-associate,Leeds,X{n},,,{'n' * 120}\n" for n in range(9000))
    assert len(big) > 1024 * 1024
    assert upload(admin, big).status_code == 302
    page = admin.get("/admin/people").get_data(as_text=True)
    refused = admin.client.post("/admin/people", data={
        "csrf_token": token(page), "file": (io.BytesIO(b"name\nZo\xeb\n"), "people.csv")},
        content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "Line 2 is not UTF-8 text." in refused.get_data(as_text=True)
    forged = admin.client.post("/admin/people", data={
        "file": (io.BytesIO(FIRST.encode()), "people.csv")}, content_type="multipart/form-data")
    assert forged.status_code == 400 and count(app, RosterUpload) == 1


def test_only_ld_admins_bring_in_people(app, org):
    learner = sign_in_as(app, "Ana Ruiz")
    assert learner.get("/admin/people").status_code == 403


REPRINT = (HEADER
           + "Ana Ruiz,store-associate,Leeds,E1,,\n"
           + "Ben Ode,store-associate,Leeds,E2,,\n"
           + "Cy Lane,warehouse-picker,York,E3,,\n")


def test_a_sites_sheet_is_reprinted_for_who_has_not_joined_and_the_old_codes_stop(app, org):
    _, _, first = load(app, REPRINT)
    enrol(Api(app.test_client()), first["Ana Ruiz"])  # Ana joined; Ben and Cy did not
    admin = sign_in_as(app, "Priya N", ld_admin=True)
    page = admin.get("/admin/people").get_data(as_text=True)
    rows = re.findall(r'<p class="row-title">([^<]+)</p>\s*<p class="hint">(\d+) not joined yet',
                      page)
    assert rows == [("Leeds", "1"), ("York", "1")]
    assert "The codes on every earlier sheet for these people stop working" in page

    sheet = admin.client.post("/admin/people/reprint",
                              data={"csrf_token": token(page), "site": "Leeds"})
    html = sheet.get_data(as_text=True)
    assert sheet.status_code == 200
    assert "1 new invite for the one person of Leeds who has not joined yet." in html
    assert "The codes on any earlier sheet for these people no longer work." in html
    assert html.count('<li class="invite-card">') == 1 and "Ben Ode" in html
    assert "Ana Ruiz" not in html and "Cy Lane" not in html
    link = re.search(r'<p class="invite-link">http://localhost/enrol/([^<]+)</p>', html).group(1)
    with app.app_context():
        now = clock.now()
        assert invites.usable_invite(link, now).person.display_name == "Ben Ode"
        for name in ("Ben Ode",):  # the lost sheet's code no longer works
            with pytest.raises(InviteUnusable):
                invites.usable_invite(first[name], now)
        assert invites.usable_invite(first["Cy Lane"], now)  # York was not reprinted
    # Ben joins with the new sheet; Leeds then has nobody left to reprint for.
    assert enrol(Api(app.test_client()), link)[1].status_code == 200
    page = admin.get("/admin/people").get_data(as_text=True)
    assert re.findall(r'<p class="row-title">([^<]+)</p>\s*<p class="hint">(\d+) not joined',
                      page) == [("York", "1")]
    again = admin.client.post("/admin/people/reprint", data={
        "csrf_token": token(page), "site": "Leeds"}, follow_redirects=True)
    assert "Everyone at Leeds has joined: there is nothing to reprint." in \
        again.get_data(as_text=True)
    assert admin.client.post("/admin/people/reprint",
                             data={"csrf_token": token(page)}).status_code == 422


def test_a_reprint_is_counted_and_written_in_a_few_statements(app, org):
    text = HEADER + "".join(f"P{i:04d},store-associate,Big Store,X{i},,\n" for i in range(1500))
    load(app, text)
    statements = []

    def seen(conn, cursor, statement, *rest):
        statements.append(statement)

    with app.app_context():
        org_id = people.the_organisation().id
        assert roster.waiting_by_site(org_id) == [("Big Store", 1500)]
        sa.event.listen(db.engine, "before_cursor_execute", seen)
        try:
            done = roster.reprint(org_id, "Big Store", clock.now())
            db.session.commit()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", seen)
        assert len(done.invited) == 1500 and len({i.token for i in done.invited}) == 1500
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Invite)
                                 .where(Invite.revoked_at.is_(None))) == 1500
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Invite)) == 3000
    # The people (1), the old invites withdrawn and the sheet read in chunks of 1,000 (2 + 2),
    # the new invites in one multi-row INSERT: a handful, not one per person.
    assert len(statements) <= 8, statements


def test_two_reprints_of_one_site_at_once_leave_one_sheet_that_works(app, org):
    """A double tap on "Reprint": the second waits for the first, then withdraws its codes.
    Before, on PostgreSQL, each read the invites before the other had committed, and both
    sheets' codes worked."""
    _, _, first = load(app, REPRINT)
    sheets: dict[str, dict[str, str]] = {}
    errors: list[BaseException] = []
    first_made = threading.Event()
    may_commit = threading.Event()

    def reprint(name: str, hold: bool) -> None:
        with app.app_context():
            try:
                org_id = people.the_organisation().id
                done = roster.reprint(org_id, "Leeds", clock.now())
                sheets[name] = {i.name: i.token for i in done.invited}
                if hold:
                    first_made.set()
                    assert may_commit.wait(10)
                db.session.commit()
            except BaseException as exc:  # noqa: BLE001 - reported to the test
                errors.append(exc)
                db.session.rollback()
                first_made.set()

    one = threading.Thread(target=reprint, args=("first", True))
    one.start()
    assert first_made.wait(10)
    two = threading.Thread(target=reprint, args=("second", False))
    two.start()
    time.sleep(0.5)  # the second has started and, with the lock, waits for the first
    may_commit.set()
    one.join(30)
    two.join(30)
    assert not errors and set(sheets) == {"first", "second"}
    with app.app_context():
        now = clock.now()
        for name in ("Ana Ruiz", "Ben Ode"):
            for old in (first[name], sheets["first"][name]):
                with pytest.raises(InviteUnusable):
                    invites.usable_invite(old, now)
            assert invites.usable_invite(sheets["second"][name], now).person.display_name == name
