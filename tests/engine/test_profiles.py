"""Golden tests of profile diff and rules; the expected values are written by hand."""

from __future__ import annotations

import pytest

from engine import profiles
from engine.errors import Conflict, InvalidInput
from engine.profiles import Change, Competency

LEVELS = ("Starts", "Does with help", "Does alone", "Does well under pressure", "Coaches")


def comp(key, name=None, *, target=3, importance=3, levels=LEVELS, group="Customers",
         description="d"):
    return Competency(key, name or key.title(), description, group, tuple(levels), target,
                      importance)


V1 = [comp("greet", "Greeting customers"), comp("tills", "Using the tills", importance=4),
      comp("safety", "Store safety", group="Safety", target=4),
      comp("stock", "Replenishing stock")]
V2 = [comp("safety", "Store safety", group="Safety", target=3),  # target 4 -> 3, moved first
      comp("greet", "Greeting customers"),  # unchanged, only moved
      comp("tills", "Using the tills", importance=5,
           levels=LEVELS[:2] + ("Runs a till alone, including refunds",) + LEVELS[3:]),
      comp("click-collect", "Click and collect", target=2)]  # added; stock removed


def test_diff_golden():
    result = [(d.key, [c.value for c in d.changes], list(d.fields))
              for d in profiles.diff(V1, V2)]
    assert result == [
        ("safety", ["target_changed"], ["target"]),
        ("greet", ["unchanged"], []),
        ("tills", ["importance_changed", "descriptors_changed"], ["level 3", "importance"]),
        ("click-collect", ["added"], []),
        ("stock", ["removed"], []),
    ]


def test_diff_of_renames_and_regrouping_counts_as_descriptors():
    old = [comp("greet", "Greeting customers")]
    new = [comp("greet", "Welcoming customers", group="Service", description="new")]
    (only,) = profiles.diff(old, new)
    assert only.changes == (Change.DESCRIPTORS_CHANGED,)
    assert only.fields == ("name", "description", "group")


def test_diff_of_identical_versions_is_all_unchanged():
    assert all(d.unchanged for d in profiles.diff(V1, list(reversed(V1))))


def test_diff_carries_old_and_new_for_display():
    by_key = {d.key: d for d in profiles.diff(V1, V2)}
    assert by_key["stock"].old == V1[3] and by_key["stock"].new is None
    assert by_key["click-collect"].new == V2[3] and by_key["click-collect"].old is None
    assert by_key["safety"].to_dict()["changes"] == ["target_changed"]


def test_to_rerate_asks_only_what_changed_meaning():
    # importance alone does not change what a level means; removed ones are gone
    assert profiles.to_rerate(profiles.diff(V1, V2)) == ["safety", "tills", "click-collect"]
    only_importance = [comp("greet", "Greeting customers", importance=5)]
    assert profiles.to_rerate(profiles.diff(V1[:1], only_importance)) == []


@pytest.mark.parametrize(("bad", "field"), [
    (comp("a", target=0), "target"),
    (comp("a", target=6), "target"),
    (comp("a", target="3"), "target"),
    (comp("a", target=True), "target"),
    (comp("a", importance=2.5), "importance"),
    (comp("a", levels=LEVELS[:4]), "levels"),
    (comp("a", levels=LEVELS[:4] + ("  ",)), "level 5"),
    (comp("a", name="  "), "name"),
    (comp("a", group=""), "group"),
])
def test_validate_refuses(bad, field):
    with pytest.raises(InvalidInput) as caught:
        profiles.validate([bad])
    assert [p["field"] for p in caught.value.details["problems"]] == [field]


def test_validate_refuses_duplicate_names_case_insensitively_and_lists_all_problems():
    with pytest.raises(InvalidInput) as caught:
        profiles.validate([comp("a", "Store safety"), comp("b", "store  SAFETY", target=9)])
    assert caught.value.details["problems"] == [
        {"competency": 1, "field": "name",
         "message": "“store SAFETY” appears twice (also competency 1).",
         "template": "“%(name)s” appears twice (also competency %(other)s).",
         "params": {"name": "store SAFETY", "other": 1}},
        {"competency": 1, "field": "target",
         "message": "The target must be a whole number from 1 to 5.",
         "template": "The target must be a whole number from 1 to 5.", "params": {}},
    ]


def test_validate_refuses_empty_profiles_and_accepts_good_ones():
    with pytest.raises(InvalidInput):
        profiles.validate([])
    profiles.validate(V1)


def test_publish_rules():
    profiles.require_draft("draft")
    with pytest.raises(Conflict):
        profiles.require_draft("published")
    profiles.require_current_revision(3, 3)
    with pytest.raises(Conflict) as caught:
        profiles.require_current_revision(2, 3)
    assert caught.value.details == {"expected_revision": 2, "current_revision": 3}
    assert profiles.next_number([]) == 1
    assert profiles.next_number([1, 2, 3]) == 4


def test_make_key_is_stable_and_unique():
    assert profiles.make_key("Click & Collect!", []) == "click-collect"
    assert profiles.make_key("Click & Collect", ["click-collect"]) == "click-collect-2"
    assert profiles.make_key("Click & Collect", ["click-collect", "click-collect-2"]) == \
        "click-collect-3"
    assert profiles.make_key("???", []) == "competency"


def test_competency_round_trips_through_dicts():
    assert Competency.from_dict(V2[2].to_dict()) == V2[2]


def test_by_group_keeps_first_appearance_order():
    comps = [comp("a", group="Customers"), comp("b", group="Tills"), comp("c", group="Customers")]
    assert [(g, [c.key for c in cs]) for g, cs in profiles.by_group(comps)] == [
        ("Customers", ["a", "c"]), ("Tills", ["b"])]


def test_a_save_is_refused_only_for_the_problems_it_brings_in():
    imported = comp("scan", "Scanning", target=0, importance=0, levels=("",) * 5)
    done = comp("stack", "Stacking")
    before = [imported, comp("stack", "Stacking", target=0)]
    profiles.validate_save(before, [imported, done])  # "scan" was left as it was
    assert profiles.incomplete(imported) and not profiles.incomplete(done)
    with pytest.raises(InvalidInput) as refused:  # touched, and still without a target
        profiles.validate_save(before, [comp("scan", "Scan", target=0), done])
    assert [(p["competency"], p["field"]) for p in refused.value.details["problems"]] == [
        (0, "target")]
    many = [comp(f"c{n}", f"C {n}") for n in range(41)]
    profiles.validate_save(many, [*many[:40], comp("c40", "C forty")])  # 41 before, too
    with pytest.raises(InvalidInput):
        profiles.validate_save(many[:40], many)
    with pytest.raises(InvalidInput):  # publishing checks everything
        profiles.validate([imported, done])
