"""Profiles in and out: the commands and L&D's pages export a role's current version and
import a file as a new draft, in one transaction, never touching a published version."""

from __future__ import annotations

import html
import io
import json
import re
from pathlib import Path

import jsonschema
import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from engine import profiles as rules
from engine.errors import Conflict, InvalidInput
from engine.interchange import Note, case
from pwa import clock, interchange
from pwa.extensions import db
from pwa.i18n import translate
from pwa.models import CompetencyIdentity, Person, ProfileVersion, Role, VersionCompetency
from pwa.store import profiles as store
from tests.factories import DEFAULT_COMPS, publish_profile, sign_in_as, token

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "data" / "case"
                     / "case_v1p1_cfpackage.schema.json").read_text())


def role(slug: str) -> Role:
    return db.session.scalar(sa.select(Role).where(Role.slug == slug))


def snapshot() -> list[tuple]:
    """Every version and line as stored: what an import must leave alone."""
    return [tuple(r) for r in db.session.execute(
        sa.select(ProfileVersion.id, ProfileVersion.role_id, ProfileVersion.number,
                  ProfileVersion.status, ProfileVersion.revision, VersionCompetency.id,
                  VersionCompetency.name, VersionCompetency.levels, VersionCompetency.target)
        .join(VersionCompetency, isouter=True).order_by(VersionCompetency.id))]


def test_export_then_import_gives_the_same_competencies_as_a_draft(app, org, runner, tmp_path):
    publish_profile(app)
    out = tmp_path / "profile.json"
    done = runner.invoke(args=["profiles", "export", "--role", "store-associate",
                               "--format", "case", "-o", str(out)])
    assert done.exit_code == 0, done.output
    data = json.loads(out.read_bytes())
    jsonschema.Draft201909Validator(SCHEMA, format_checker=jsonschema.FormatChecker()) \
        .validate(data)
    assert data["CFDocument"]["title"] == "Store associate"
    with app.app_context():
        before = snapshot()
    done = runner.invoke(args=["profiles", "import", str(out), "--format", "case",
                               "--role", "warehouse-picker"])
    assert done.exit_code == 0, done.output
    assert done.output.startswith("Draft 1 of Warehouse picker: 2 competencies, 0 notes.")
    with app.app_context():
        draft = store.draft(role("warehouse-picker"))
        assert draft is not None and draft.status == "draft" and draft.created_by_id is None
        assert sorted(store.competencies(draft), key=lambda c: c.key) == \
            sorted(DEFAULT_COMPS, key=lambda c: c.key)
        rules.validate(store.competencies(draft))  # complete: ready to publish
        # The published version of the exported role is as it was.
        assert [row for row in snapshot() if row[1] == role("store-associate").id] == \
            [row for row in before if row[1] == role("store-associate").id]


def test_an_import_never_touches_a_published_version_and_keeps_identities(app, org):
    author_id = publish_profile(app)
    with app.app_context():
        r = role("store-associate")
        before = snapshot()
        identities = dict(db.session.execute(
            sa.select(CompetencyIdentity.key, CompetencyIdentity.id)).all())
        reading = case.read(interchange.export(r, "case")[0])
        draft = interchange.import_draft(r, reading, by=db.session.get(Person, author_id),
                                         now=clock.now())
        db.session.commit()
        assert draft.number == 2 and draft.status == "draft"
        assert snapshot()[:len(before)] == before  # the draft's rows come after, untouched
        assert [line.competency_id for line in draft.lines] == [
            identities["greet"], identities["tills"]]
        assert store.current(r).number == 1


def test_a_role_with_a_draft_refuses_an_import_and_nothing_is_created(app, org):
    author_id = publish_profile(app)
    with app.app_context():
        r = role("store-associate")
        store.open_draft(r, db.session.get(Person, author_id), clock.now())
        db.session.commit()
        before = snapshot()
        reading = case.read(interchange.export(r, "case")[0])
        with pytest.raises(Conflict, match="already has a draft"):
            interchange.import_draft(r, reading, by=None, now=clock.now())
        db.session.rollback()
        assert snapshot() == before


def test_an_empty_or_unreadable_file_creates_nothing(app, org, runner, tmp_path):
    bad = tmp_path / "bad.json"
    for content, says in [(b"{\"CFDocument\": 1}", "not a CASE package"),
                          (b"not json", "not JSON"),
                          (b"{\"CFDocument\": {\"title\": \"T\"}, \"CFItems\": []}",
                           "no competencies to import")]:
        bad.write_bytes(content)
        done = runner.invoke(args=["profiles", "import", str(bad), "--format", "case",
                                   "--role", "store-associate"])
        assert done.exit_code == 1 and says in done.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ProfileVersion.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(CompetencyIdentity.id))) == 0


def test_an_imported_incomplete_draft_is_completed_one_edit_at_a_time_then_published(app, org):
    data = json.dumps({"CFDocument": {"identifier": "d", "title": "Picking"},
                       "CFItems": [{"identifier": "g", "fullStatement": "Picking"},
                                   {"identifier": "a", "fullStatement": "Scan every pick"},
                                   {"identifier": "b", "fullStatement": "Stack pallets"}],
                       "CFAssociations": [
                           {"associationType": "isChildOf", "originNodeURI": {"identifier": x},
                            "destinationNodeURI": {"identifier": "g"}} for x in "ab"]}).encode()
    author_id = publish_profile(app, "warehouse-picker", "Wes Moyo")
    with app.app_context():
        author = db.session.get(Person, author_id)
        r = role("warehouse-picker")
        draft = interchange.import_draft(r, case.read(data), by=None, now=clock.now())
        db.session.commit()
        comps = store.competencies(draft)
        assert [(c.name, c.target, c.levels) for c in comps] == [
            ("Scan every pick", 0, ("",) * 5), ("Stack pallets", 0, ("",) * 5)]
        with pytest.raises(InvalidInput):  # publishing refuses what is incomplete
            store.publish(draft, "Imported.", expected_revision=draft.revision, author=author,
                          now=clock.now())
        db.session.rollback()
        # One competency completed: the save is not refused for the other, left as it was.
        comps[0] = rules.Competency(comps[0].key, comps[0].name, "", "Picking",
                                    ("a", "b", "c", "d", "e"), 3, 4)
        store.save_draft(draft, comps, expected_revision=draft.revision, author=author,
                         now=clock.now())
        # ... but a save that leaves a new gap is refused.
        broken = [*comps[:1], rules.Competency(comps[1].key, "Stack pallets", "", "Picking",
                                               ("x",) * 5, 9, 3)]
        with pytest.raises(InvalidInput):
            store.save_draft(draft, broken, expected_revision=draft.revision, author=author,
                             now=clock.now())
        db.session.rollback()
        comps[1] = rules.Competency(comps[1].key, "Stack pallets", "", "Picking",
                                    ("v", "w", "x", "y", "z"), 2, 2)
        store.save_draft(draft, comps, expected_revision=draft.revision, author=author,
                         now=clock.now())
        store.publish(draft, "Imported.", expected_revision=draft.revision, author=author,
                      now=clock.now())
        db.session.commit()
        assert store.current(r).number == 2


def test_export_of_a_role_without_a_published_version_says_so(app, org, runner, tmp_path):
    done = runner.invoke(args=["profiles", "export", "--role", "store-associate", "--format",
                               "case", "-o", str(tmp_path / "x.json")])
    assert done.exit_code == 1 and "has no published version yet" in done.output
    done = runner.invoke(args=["profiles", "export", "--role", "store-associate", "--format",
                               "xml", "-o", str(tmp_path / "x.json")])
    assert done.exit_code == 2 and "xml" in done.output


def test_ld_previews_an_import_then_creates_the_draft(app, org):
    publish_profile(app)
    with app.app_context():
        data = interchange.export(role("store-associate"), "case")[0]
    admin = sign_in_as(app, "Priya N", ld_admin=True)
    page = admin.get("/admin/profiles").get_data(as_text=True)
    assert 'href="/admin/profiles/store-associate/export/case"' in page
    assert "/admin/profiles/warehouse-picker/export/case" not in page  # nothing published
    download = admin.get("/admin/profiles/store-associate/export/case")
    assert download.status_code == 200 and download.data == data
    assert download.headers["Content-Disposition"] == \
        'attachment; filename="store-associate-v1.json"'
    shown = admin.client.post("/admin/profiles/import", data={
        "csrf_token": token(page), "format": "case", "role": "warehouse-picker",
        "file": (io.BytesIO(data), "profile.json")}, content_type="multipart/form-data")
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200, html
    assert re.search(r'id="count-competencies">2<', html)
    assert "Greeting customers" in html and "Create the draft" in html
    with app.app_context():
        assert store.draft(role("warehouse-picker")) is None  # a preview stores nothing
    fields = dict(re.findall(r'name="(content|format|role|csrf_token)" type="hidden" '
                             r'value="([^"]*)"', html))
    done = admin.client.post("/admin/profiles/import/draft", data=fields)
    assert done.status_code == 302
    with app.app_context():
        draft = store.draft(role("warehouse-picker"))
        assert [c.name for c in store.competencies(draft)] == ["Greeting customers",
                                                                "Using the tills"]
        assert draft.created_by_id == db.session.scalar(
            sa.select(Person.id).where(Person.display_name == "Priya N"))
    again = admin.client.post("/admin/profiles/import/draft", data=fields)
    assert again.status_code == 302
    assert "already has a draft" in admin.get("/admin/profiles").get_data(as_text=True)


def test_ld_sees_why_a_file_cannot_be_imported(app, org):
    admin = sign_in_as(app, "Priya N", ld_admin=True)
    page = admin.get("/admin/profiles").get_data(as_text=True)
    answer = admin.client.post("/admin/profiles/import", data={
        "csrf_token": token(page), "format": "case", "role": "warehouse-picker",
        "file": (io.BytesIO(b"<xml/>"), "x.xml")}, content_type="multipart/form-data")
    assert answer.status_code == 422
    assert "The file is not JSON" in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ProfileVersion.id))) == 0


def test_non_bmp_text_survives_the_database_and_a_second_export(app, org):
    comps = tuple(rules.Competency(f"k{n}", f"Cajas 🧾 {n}", "Devoluciones 💳 y más", "Caja 🏪",
                                   tuple(f"Nivel {m} 𝒜" for m in range(1, 6)), 3, 2)
                  for n in range(3))
    publish_profile(app, comps=comps)
    with app.app_context():
        first = interchange.export(role("store-associate"), "case")[0]
        draft = interchange.import_draft(role("warehouse-picker"), case.read(first), by=None,
                                         now=clock.now())
        db.session.commit()
        assert tuple(store.competencies(draft)) == comps


def test_a_moodle_csv_export_imported_again_gives_the_same_competencies(
        app, org, runner, tmp_path):
    publish_profile(app)
    out = tmp_path / "framework.csv"
    done = runner.invoke(args=["profiles", "export", "--role", "store-associate",
                               "--format", "moodle", "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert out.read_bytes().splitlines()[0].startswith(b"\"Parent ID number\",\"ID number\"")
    done = runner.invoke(args=["profiles", "import", str(out), "--format", "moodle",
                               "--role", "warehouse-picker"])
    assert done.exit_code == 0, done.output
    with app.app_context():
        draft = store.draft(role("warehouse-picker"))
        assert draft is not None and draft.status == "draft"
        assert sorted(store.competencies(draft), key=lambda c: c.key) == \
            sorted(DEFAULT_COMPS, key=lambda c: c.key)


def test_a_moodle_csv_with_a_missing_column_creates_nothing(app, org, runner, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\xef\xbb\xbfParent ID number;ID number;Short name\r\n;a;b\r\n")
    done = runner.invoke(args=["profiles", "import", str(bad), "--format", "moodle",
                               "--role", "store-associate"])
    assert done.exit_code == 1, done.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ProfileVersion.id))) == 0


@pytest.mark.parametrize(("sample", "format_", "count"), [
    ("care-standards.case.json", "case", 5), ("warehouse-operations.moodle.csv", "moodle", 4)])
def test_the_demo_s_sample_files_import_as_drafts_for_the_authors_to_complete(
        app, org, runner, sample, format_, count):
    path = Path(__file__).resolve().parents[2] / "pwa" / "demo" / "samples" / sample
    done = runner.invoke(args=["profiles", "import", str(path), "--format", format_,
                               "--role", "warehouse-picker"])
    assert done.exit_code == 0, done.output
    with app.app_context():
        draft = store.draft(role("warehouse-picker"))
        assert draft is not None and len(store.competencies(draft)) == count
        with pytest.raises(InvalidInput):  # targets or importance to set first
            rules.validate(store.competencies(draft))


SAMPLES = Path(__file__).resolve().parents[2] / "pwa" / "demo" / "samples"


def gettext_es(template: str) -> str:
    """``template`` in the Spanish catalogue (as the page finds it), else itself."""
    from babel.support import Translations

    from pwa.i18n import TRANSLATIONS

    return Translations.load(str(TRANSLATIONS), ["es"]).gettext(template)


@pytest.mark.parametrize(("sample", "format_", "spanish"), [
    ("care-standards.case.json", "case", "“Duty of care” no tiene nivel objetivo: fija uno."),
    ("warehouse-operations.moodle.csv", "moodle",
     "Sin importancia (Moodle no la tiene): fija una antes de publicar.")])
def test_a_spanish_speaking_ld_person_reads_the_import_notes_in_spanish(
        app, org, sample, format_, spanish):
    admin = sign_in_as(app, "Priya N", ld_admin=True)
    with app.app_context():
        person = db.session.scalar(sa.select(Person).where(Person.display_name == "Priya N"))
        person.locale = "es-MX"
        db.session.commit()
    data = (SAMPLES / sample).read_bytes()
    notes = interchange.format_of(format_).read(data).notes
    assert notes
    page = admin.get("/admin/profiles").get_data(as_text=True)
    shown = admin.client.post("/admin/profiles/import", data={
        "csrf_token": token(page), "format": format_, "role": "warehouse-picker",
        "file": (io.BytesIO(data), sample)}, content_type="multipart/form-data")
    text = html.unescape(shown.get_data(as_text=True))
    assert shown.status_code == 200, text
    assert "Revisa antes de importar" in text
    assert spanish in text
    assert "Nada del archivo se pierde sin aparecer en esta lista." in text
    listed = re.findall(r'<li class="row"><div><p class="row-title">([^<]*)</p><p>([^<]*)</p>',
                        text)
    wheres = [where for where, _ in listed[:len(notes)]]
    # The places the file names (identifiers) as they are; ours (a line, the file) in Spanish.
    assert wheres == ["; ".join(html.unescape(str(gettext_es(p.template) % p.params))
                                for p in n.places) for n in notes]
    for english in ("framework", "file", "line ", "ID numbers", "package"):
        assert not any(w.startswith(english) for w in wheres)
    if format_ == "moodle":  # its notes name the framework in our words
        assert any(w.startswith("marco") for w in wheres)
    for note in notes:  # every note in Spanish, none left in English
        assert note.text not in text
    refused = admin.client.post("/admin/profiles/import", data={
        "csrf_token": token(page), "format": "case", "role": "warehouse-picker",
        "file": (io.BytesIO(b"<xml/>"), "x.xml")}, content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "El archivo no es JSON" in refused.get_data(as_text=True)


def test_a_note_with_a_count_takes_the_form_its_count_needs_in_each_language(app):
    one = "Its scale has %(count)s value, not 5 (%(values)s): set its target before publishing."
    many = one.replace("value,", "values,")

    def note(values: list[str]) -> Note:
        return Note("x", one, {"count": len(values), "values": ", ".join(values)}, many)

    with app.test_request_context():
        with force_locale("es_MX"):
            assert translate(note(["Apto"])) == \
                "Su escala tiene 1 valor, no 5 (Apto): fija su nivel objetivo antes de publicar."
            assert translate(note(["No", "Sí"])) == "Su escala tiene 2 valores, no 5 (No, Sí): " \
                "fija su nivel objetivo antes de publicar."
        with force_locale("en"):
            assert translate(note(["No", "Yes"])) == note(["No", "Yes"]).text == \
                "Its scale has 2 values, not 5 (No, Yes): set its target before publishing."
