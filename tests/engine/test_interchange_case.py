"""CASE 1.1: the export against a golden file written by hand and 1EdTech's schema, round
trips, and packages from the wild (v1.0, deviations, bad input) read or refused clearly."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from engine.errors import InvalidInput
from engine.interchange import PACKAGE, UNSET, Note, Place, Unreadable, Written, case, place
from engine.profiles import Competency, validate

DATA = Path(__file__).resolve().parents[1] / "data" / "case"
SCHEMA = json.loads((DATA / "case_v1p1_cfpackage.schema.json").read_text())
VALIDATOR = jsonschema.Draft201909Validator(SCHEMA,
                                            format_checker=jsonschema.FormatChecker())

FORKLIFT = Written(
    role="Forklift driver", number=2, summary="Checks before every shift.",
    published_at="2026-03-02T09:30:00+00:00", identifier="org-1/forklift",
    competencies=(Competency(
        key="pre-use-check", name="Pre-use check",
        description="Walk round the truck and test forks, chains and brakes 🦺 before driving.",
        group="Safety", levels=("Knows a check is required.",
                                "Does the check with the sheet in hand.",
                                "Does the whole check unaided.",
                                "Spots faults and takes the truck out of use.",
                                "Teaches the check to new drivers."),
        target=4, importance=5),))

LEVELS = ("Starts", "With help", "Alone", "Under pressure", "Coaches")


def comp(key: str, name: str, group: str, target: int = 3, importance: int = 3,
         description: str = "") -> Competency:
    return Competency(key, name, description, group, tuple(f"{name}: {t}" for t in LEVELS),
                      target, importance)


SHOP = Written(
    role="Shop floor", number=7, summary="Till refunds added.",
    published_at="2026-05-01T08:00:00+00:00", identifier="org-9/shop",
    competencies=(comp("greet", "Greeting customers", "Customers", 4, 2, "Smile and greet."),
                  comp("safety", "Store safety", "Safety", 5, 5),
                  comp("tills", "Using the tills", "Customers", 3, 4),
                  comp("cajas", "Cajas 🧾 y devoluciones", "Caja 💳", 2, 1)))


def schema_errors(data: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(data)]


def test_the_export_of_a_small_profile_is_the_golden_file_written_by_hand():
    assert json.loads(case.write(FORKLIFT)) == json.loads((DATA / "forklift.json").read_text())


def test_the_golden_file_and_every_export_are_valid_case_1_1():
    assert schema_errors(json.loads((DATA / "forklift.json").read_text())) == []
    for profile in (FORKLIFT, SHOP):
        assert schema_errors(json.loads(case.write(profile))) == []


def test_the_schema_is_1edtechs_and_catches_what_it_should():
    assert SCHEMA["$id"].startswith("https://purl.imsglobal.org/spec/case/v1p1/")
    broken = json.loads(case.write(FORKLIFT))
    broken["CFItems"][0]["identifier"] = "not-a-uuid"
    broken["CFAssociations"][0]["sequenceNumber"] = "1"
    del broken["CFDocument"]["creator"]
    assert len(schema_errors(broken)) == 3


def test_the_same_version_always_gives_the_same_bytes():
    assert case.write(SHOP) == case.write(SHOP)
    assert "🧾".encode() in case.write(SHOP)  # non-BMP characters are kept, not escaped


def test_a_round_trip_keeps_competencies_targets_importance_and_descriptors():
    reading = case.read(case.write(SHOP))
    assert reading.title == "Shop floor"
    # Customers first (the group of the first competency), then Safety, then Caja.
    by_key = {c.key: c for c in reading.competencies}
    assert by_key == {c.key: c for c in SHOP.competencies}
    assert [c.key for c in reading.competencies] == ["greet", "tills", "safety", "cajas"]
    assert reading.notes == ()


def test_a_round_trip_of_a_one_group_profile_keeps_the_order_exactly():
    reading = case.read(case.write(FORKLIFT))
    assert reading.competencies == FORKLIFT.competencies
    assert reading.notes == ()


def minimal(items: list[dict[str, Any]], associations: list[dict[str, Any]] | None = None,
            **document: Any) -> bytes:
    doc = {"identifier": "d0000000-0000-4000-8000-000000000000", "uri": "urn:x:d",
           "creator": "A state agency", "title": "Warehouse", "caseVersion": "1.1",
           "lastChangeDateTime": "2026-01-01T00:00:00Z", **document}
    return json.dumps({"CFDocument": doc, "CFItems": items,
                       "CFAssociations": associations or []}).encode()


def item(identifier: str, statement: str | None, **more: Any) -> dict[str, Any]:
    found = {"identifier": identifier, "uri": f"urn:x:{identifier}",
             "lastChangeDateTime": "2026-01-01T00:00:00Z", **more}
    if statement is not None:
        found["fullStatement"] = statement
    return found


def child(origin: str, destination: str, sequence: Any = None) -> dict[str, Any]:
    found = {"identifier": f"a-{origin}-{destination}", "uri": "urn:x:a",
             "associationType": "isChildOf",
             "originNodeURI": {"identifier": origin, "title": origin, "uri": origin},
             "destinationNodeURI": {"identifier": destination, "title": destination,
                                    "uri": destination},
             "lastChangeDateTime": "2026-01-01T00:00:00Z"}
    if sequence is not None:
        found["sequenceNumber"] = sequence
    return found


def wheres(reading: case.Reading) -> list[tuple[str, str]]:
    """Each note's place and its English text (its template filled with its params)."""
    return [(n.where, n.text) for n in reading.notes]


def test_a_foreign_package_becomes_an_incomplete_draft_and_every_gap_is_noted():
    data = minimal([item("g", "Loading"),
                    item("c1", "Stack pallets safely", humanCodingScheme="W.1"),
                    item("c2", "Wrap loads")],
                   [child("g", "d0000000-0000-4000-8000-000000000000"),
                    child("c2", "g", 1), child("c1", "g", 2)])
    reading = case.read(data)
    assert [(c.key, c.name, c.group, c.levels, c.target, c.importance)
            for c in reading.competencies] == [
        ("wrap-loads", "Wrap loads", "Loading", ("",) * 5, UNSET, UNSET),
        ("stack-pallets-safely", "Stack pallets safely", "Loading", ("",) * 5, UNSET,
         UNSET)]
    notes = wheres(reading)
    assert ("c2", "“Wrap loads” has no five rubric levels: describe its levels.") in notes
    assert ("c1", "“Stack pallets safely” has no target level: set one.") in notes
    assert ("c1", "“Stack pallets safely” has no importance: set one.") in notes
    with pytest.raises(InvalidInput) as refused:  # the rules refuse to publish it as it is
        validate(reading.competencies)
    fields = {p["field"] for p in refused.value.details["problems"]}
    assert {"target", "importance", "level 1", "level 5"} <= fields


def test_a_version_1_0_package_with_known_deviations_is_read_with_warnings():
    data = json.loads(minimal(
        [item("g", "Loading"), item("c", "Wrap loads", extraField="x")],
        [child("g", "d0000000-0000-4000-8000-000000000000", "1"), child("c", "g", "2")]))
    del data["CFDocument"]["caseVersion"]
    data["CFDocumentURI"] = {"x": 1}
    reading = case.read(json.dumps(data).encode())
    assert [c.name for c in reading.competencies] == ["Wrap loads"]
    notes = wheres(reading)
    assert ("CFDocument", "No caseVersion: read as a CASE 1.0 package.") in notes
    assert ("c", "sequenceNumber “2” is text, not a number: read as one.") in notes
    assert ("CFPackage", "“CFDocumentURI” is not part of CASE 1.1: ignored.") in notes


def test_rubric_levels_become_descriptors_and_weight_the_importance():
    data = json.loads(minimal([item("g", "Loading"), item("c", "Wrap loads")],
                              [child("c", "g")]))
    data["CFRubrics"] = [{"identifier": "r", "uri": "urn:x:r", "lastChangeDateTime": "x",
                          "CFRubricCriteria": [{
                              "identifier": "rc", "CFItemURI": {"identifier": "c"},
                              "weight": 4, "CFRubricCriterionLevels": [
                                  {"identifier": f"l{n}", "position": n,
                                   "description": f"Level {n} text"}
                                  for n in (3, 1, 5, 2, 4)]}]}]
    (comp_,) = case.read(json.dumps(data).encode()).competencies
    assert comp_.levels == tuple(f"Level {n} text" for n in range(1, 6))
    assert comp_.importance == 4


def test_a_rubric_of_three_levels_is_kept_in_a_note_not_dropped():
    data = json.loads(minimal([item("g", "Loading"), item("c", "Wrap loads")],
                              [child("c", "g")]))
    data["CFRubrics"] = [{"CFRubricCriteria": [{
        "identifier": "rc", "CFItemURI": {"identifier": "c"},
        "CFRubricCriterionLevels": [{"position": n, "quality": q}
                                    for n, q in enumerate(("Low", "Mid", "High"), 1)]}]}]
    reading = case.read(json.dumps(data).encode())
    assert reading.competencies[0].levels == ("",) * 5
    assert ("c", "Its rubric has 3 levels, not five: describe the five levels; the rubric "
                 "said: Low | Mid | High") in wheres(reading)


@pytest.mark.parametrize(("data", "says"), [
    (b"\xff\xfe not utf-8", "not UTF-8"),
    (b"{\"CFDocument\": ", "not JSON"),
    (b"[1, 2]", "no CFDocument"),
    (b"{\"CFItems\": []}", "no CFDocument"),
    (b"{\"CFDocument\": {}, \"CFItems\": {}}", "CFItems is not a list"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
])
def test_what_is_not_a_package_is_refused_with_the_reason(data, says):
    with pytest.raises(Unreadable) as refused:
        case.read(data)
    assert says in str(refused.value)
    assert refused.value.code == "unreadable_file"


def test_duplicate_identifiers_are_refused():
    with pytest.raises(Unreadable, match="Two items use the identifier c"):
        case.read(minimal([item("c", "One"), item("c", "Two")]))


def test_a_cycle_in_ischildof_is_refused_and_named():
    data = minimal([item("a", "A"), item("b", "B"), item("c", "C"), item("leaf", "Leaf")],
                   [child("a", "b"), child("b", "c"), child("c", "a"), child("leaf", "a")])
    with pytest.raises(Unreadable) as refused:
        case.read(data)
    assert "go round in a circle" in str(refused.value)
    assert "a → b → c → a" in str(refused.value)


def test_missing_titles_are_noted_and_the_item_is_not_imported():
    reading = case.read(minimal([item("g", "Loading"), item("c", None), item("k", "Keep")],
                                [child("c", "g"), child("k", "g")]))
    assert [c.name for c in reading.competencies] == ["Keep"]
    assert ("c", "An item with no statement, abbreviation or code: there is no name to give "
                 "it, so it was not imported.") in wheres(reading)
    untitled = case.read(minimal([item("k", "Keep")], title=None))
    assert untitled.title == ""
    assert ("CFDocument", "The document has no title.") in wheres(untitled)


def test_a_long_statement_becomes_a_short_name_and_the_whole_description():
    long = "Operate " + "the reach truck carefully " * 10
    (comp_,) = case.read(minimal([item("c", long)])).competencies
    assert len(comp_.name) == 120 and comp_.name.endswith("…")
    assert comp_.description == long.strip()


def test_a_hierarchy_ten_thousand_deep_is_read_without_recursion():
    n = 10_000
    items = [item(f"i{k}", f"Item {k}") for k in range(n)]
    links = [child(f"i{k + 1}", f"i{k}") for k in range(n - 1)]
    reading = case.read(minimal(items, links))
    assert [(c.name, c.group) for c in reading.competencies] == [(f"Item {n - 1}",
                                                                 f"Item {n - 2}")]
    # The leaf's three gaps, then one note per level above its group: 200 listed, the rest
    # counted.
    assert len(reading.notes) == case.MAX_NOTES_SHOWN + 1
    assert reading.notes[3].text == "“Item 0” is a level above the groups: a profile has " \
        "one level of groups, so its title is not kept."
    assert reading.notes[-1].text == f"{3 + (n - 2) - case.MAX_NOTES_SHOWN} more notes like " \
        "these."


def test_notes_keep_their_template_and_data_apart_for_translation():
    """What a note says is a marked template and its params (the page translates it), never
    text with the file's words already in it; a count picks the one or the many form."""
    reading = case.read(minimal([item("g", "Loading"), item("c", "Wrap 100% of loads")],
                                [child("c", "g")]))
    assert Note("c", "“%(name)s” has no target level: set one.",
                {"name": "Wrap 100% of loads"}, places=(place("c"),)) in reading.notes
    assert ("c", "“Wrap 100% of loads” has no target level: set one.") in wheres(reading)
    assert all("Wrap" not in note.what for note in reading.notes)
    counted = case._Notes()
    for n in range(case.MAX_NOTES_SHOWN + 1):
        counted.add(str(n), "The document has no title.")
    last = counted.done()[-1]
    assert (last.what, last.plural, last.params) == (
        "%(count)s more note like these.", "%(count)s more notes like these.", {"count": 1})
    assert last.text == "1 more note like these."
    assert last.places == (PACKAGE,) and last.where == "package"  # our word: translated
    assert counted.done()[0].places == (Place("%(text)s", {"text": "0"}),)  # the file's


def test_ten_thousand_items_in_a_megabyte_package_are_read_quickly():
    profile = Written(role="Big", number=1, summary="s", published_at="2026-01-01T00:00:00Z",
                      identifier="big", competencies=tuple(
                          comp(f"c{k}", f"Competency {k} 🧰", f"Group {k // 100}", 1 + k % 5,
                               1 + k % 3) for k in range(10_000)))
    data = case.write(profile)
    assert len(data) > 1_000_000
    started = time.perf_counter()
    reading = case.read(data)
    assert time.perf_counter() - started < 10
    assert len(reading.competencies) == 10_000
    assert reading.competencies[4321] == profile.competencies[4321]
    assert reading.notes == ()
