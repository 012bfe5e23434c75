"""L&D imports a CASE package on a phone: the preview of what maps and what does not, the
draft, then the author's desk showing what is left to complete. Chromium at 390x844, then
320 px wide."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from pwa.config import ROOT
from pwa.extensions import db
from pwa.models import Person, Role
from pwa.store import people
from pwa.store import profiles as store
from tests.browser.harness import enrol
from tests.factories import make_person, publish_profile, speaks_spanish

pytestmark = pytest.mark.browser

PACKAGE = json.dumps({
    "CFDocument": {"identifier": "d", "title": "Almacén 🏭 picking", "creator": "A state agency",
                   "uri": "urn:x:d", "lastChangeDateTime": "2026-01-01T00:00:00Z"},
    "CFItems": [
        {"identifier": "g", "fullStatement": "Picking"},
        {"identifier": "a", "fullStatement": "Scan every pick before it leaves the aisle",
         "abbreviatedStatement": "Scanning"},
        {"identifier": "b", "fullStatement": "Stack pallets safely"}],
    "CFAssociations": [
        {"associationType": "isChildOf", "originNodeURI": {"identifier": "a"},
         "destinationNodeURI": {"identifier": "g"}, "sequenceNumber": "1"},
        {"associationType": "isChildOf", "originNodeURI": {"identifier": "b"},
         "destinationNodeURI": {"identifier": "g"}, "sequenceNumber": 2},
        {"associationType": "isRelatedTo", "identifier": "rel",
         "originNodeURI": {"identifier": "a"}, "destinationNodeURI": {"identifier": "b"}}],
}).encode()


def fits(page, width: int) -> bool:
    """Nothing makes the page scroll sideways."""
    return bool(page.evaluate("w => document.documentElement.scrollWidth <= w", width))


def test_ld_imports_a_package_as_a_draft_the_author_completes(phone, live_server, org):
    server = live_server
    person_id = make_person(server.app, "Priya N", "warehouse-picker", ld_admin=True)
    with server.app.app_context():
        people.nominate_author(db.session.get(Person, person_id),
                               db.session.get(Role, org["roles"]["warehouse-picker"]))
        db.session.commit()
    enrol(phone, server, "Priya N", role="warehouse-picker", ld_admin=True)
    page = phone.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    page.get_by_role("link", name="Learning & development").click()
    page.get_by_role("link", name="Profiles in and out").click()
    expect(page.get_by_role("heading", name="Import a profile")).to_be_visible()
    page.get_by_label("File", exact=True).set_input_files(
        {"name": "picking.json", "mimeType": "application/json", "buffer": PACKAGE})
    page.get_by_label("Format", exact=True).select_option("case")
    page.get_by_label("Job role", exact=True).select_option("warehouse-picker")
    assert fits(page, 390)
    page.get_by_role("button", name="Preview").click()

    expect(page.get_by_role("heading", name="Check before importing")).to_be_visible()
    expect(page.locator("#count-competencies")).to_have_text("2")
    expect(page.locator("#count-incomplete")).to_have_text("2")
    notes = page.locator("#notes")
    expect(notes).to_contain_text("A “isRelatedTo” association has no place")
    expect(notes).to_contain_text("sequenceNumber “1” is text")
    expect(notes).to_contain_text("“Scanning” has no target level: set one.")
    expect(page.locator("#competencies")).to_contain_text("Stack pallets safely")
    assert fits(page, 390)
    phone.shot("60-import-preview")
    with server.app.app_context():
        assert store.draft(db.session.get(Role, org["roles"]["warehouse-picker"])) is None

    page.get_by_role("button", name="Create the draft").click()
    expect(page.get_by_text("Draft 1 of Warehouse picker is ready")).to_be_visible()

    page.goto(f"{server.url}/author/warehouse-picker/draft")
    expect(page.get_by_role("heading", level=1)).to_have_text("Warehouse picker: draft 1")
    expect(page.locator(".to-complete")).to_have_count(2)
    assert fits(page, 390)
    phone.shot("61-imported-draft")
    page.get_by_role("link", name="Edit Scanning").click()
    for n in range(1, 6):
        page.get_by_label(f"Level {n}", exact=False).first.fill(f"Scanning at level {n}.")
    page.get_by_label("Target level for the role").select_option("3")
    page.get_by_label("Importance to the business (5 = most)").select_option("4")
    page.get_by_role("button", name="Save to the draft").click()
    expect(page.get_by_text("Saved “Scanning”.")).to_be_visible()
    expect(page.locator(".to-complete")).to_have_count(1)  # the other one still to do
    page.set_viewport_size({"width": 320, "height": 700})
    assert fits(page, 320)
    page.goto(f"{server.url}/admin/profiles")
    assert fits(page, 320)
    assert phone.csp_violations() == []
    with server.app.app_context():
        draft = store.draft(db.session.get(Role, org["roles"]["warehouse-picker"]))
        assert draft is not None and draft.status == "draft"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 1


def test_the_import_and_export_page_fits_320_pixels_in_spanish(phone, live_server, org):
    """Spanish runs longer: each role's two download buttons go under its name, never past
    the edge."""
    publish_profile(live_server.app, "warehouse-picker", "Marcus Johnson")
    enrol(phone, live_server, "Priya N", role="warehouse-picker", ld_admin=True)
    speaks_spanish(live_server.app, "Priya N")
    page = phone.page
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto(f"{live_server.url}/admin/profiles")
    expect(page.get_by_role("heading", name="Exportar un perfil")).to_be_visible()
    moodle = page.get_by_role("link", name="Descargar Warehouse picker como Marco de "
                                           "competencias de Moodle (CSV)")
    expect(moodle).to_be_visible()
    assert fits(page, 320)
    box, card = moodle.bounding_box(), page.locator("#exports li").first.bounding_box()
    assert box["x"] + box["width"] <= card["x"] + card["width"]
    phone.shot("61-profiles-transfer-320-es")
    # The demo's Moodle file: its notes quote long identifiers, which wrap.
    page.get_by_label("Archivo", exact=True).set_input_files(
        str(ROOT / "pwa" / "demo" / "samples" / "warehouse-operations.moodle.csv"))
    page.get_by_label("Formato", exact=True).select_option("moodle")
    page.get_by_label("Puesto", exact=True).select_option("warehouse-picker")
    page.get_by_role("button", name="Vista previa").click()
    expect(page.locator("#notes")).to_contain_text("core_competency")
    assert fits(page, 320)
    phone.shot("62-import-preview-320-es")
