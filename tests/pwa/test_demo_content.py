"""The demo content files follow the content rules: plain JSON checks, no app imports.

Checks the four Success Profiles (``pwa/demo/content/<role>.json``) and the
learning catalogue (``pwa/demo/content/catalogue.json``).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from engine.profiles import Competency, check_translation, field_texts, untranslated

CONTENT = Path(__file__).resolve().parents[2] / "pwa" / "demo" / "content"

ROLES = ("store-associate", "shift-lead", "warehouse-picker", "home-care-assistant")
AUTHORS = {
    "store-associate": {"Grace Okafor", "Tomasz Nowak"},
    "shift-lead": {"Carmen Vidal", "David Clarke"},
    "warehouse-picker": {"Marcus Johnson", "Elena Popescu"},
    "home-care-assistant": {"Joy Mwangi", "Bernadette Walsh"},
}
FEEDBACK_PEOPLE = {
    "store-associate": {"Ana Ruiz", "Mei Lin", "Jamal Ibrahim", "Sofia Rossi"},
    # A store associate who acts up as shift lead reads that profile closely too.
    "shift-lead": {"Niamh Byrne", "Liam Murphy"},
    "warehouse-picker": {"Lucia Fernandez", "Priya Shah", "Kwame Mensah"},
    "home-care-assistant": {"Maria Santos", "Aisha Khan", "Yusuf Demir"},
}
FEEDBACK_KINDS = {"outdated", "unclear", "missing", "other"}
FORMATS = {"micro_lesson", "course", "classroom", "group_project", "book_study",
           "on_the_job", "peer_session", "supervisor_instruction"}
QUESTION_KINDS = {"single_choice", "multiple_choice", "true_false"}
COMPETENCY_FIELDS = {"key", "name", "description", "group", "target", "importance", "levels"}
ITEM_FIELDS = {"key", "title", "format", "summary", "duration_minutes", "language",
               "competencies", "level_from", "level_to", "offline", "url", "fee_cents", "cards",
               "questions"}

KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# A sentence ends with . ! or ?, perhaps inside a closing quote, before a space or the end.
SENTENCE_END = re.compile(r"[.!?]['’\"]?(?=\s|$)")
AMERICAN = re.compile(
    r"\b(colors?|behaviors?|centers?|organiz\w*|realiz\w*|"
    r"recogniz\w*|analyz\w*|apologiz\w*|prioritiz\w*|minimiz\w*|summariz\w*|"
    r"favorites?|catalogs?|license|fulfill|enroll|jewelry|gray|aluminum|diapers?|"
    r"stroller|elevators?|parking lot|cell phone|vacation)\b",
    re.IGNORECASE,
)
PLACEHOLDER = re.compile(r"lorem|ipsum|\bTODO\b|\bTBD\b|\bFIXME\b|placeholder|\bxxx\b|\?\?\?",
                         re.IGNORECASE)


def load(name: str):
    return json.loads((CONTENT / f"{name}.json").read_text(encoding="utf-8"))


def sentences(text: str) -> int:
    return len(SENTENCE_END.findall(text.strip()))


def is_level(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5


def strings(value):
    """Every string inside a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)


@pytest.fixture(scope="module")
def profiles():
    return {slug: load(slug) for slug in ROLES}


@pytest.fixture(scope="module")
def catalogue():
    return load("catalogue")


@pytest.fixture(scope="module")
def last_keys(profiles):
    return {slug: [c["key"] for c in data["versions"][-1]["competencies"]]
            for slug, data in profiles.items()}


# --- Success Profiles -----------------------------------------------------------------


@pytest.mark.parametrize("slug", ROLES)
def test_profile_file_shape(profiles, slug):
    data = profiles[slug]
    assert set(data) - {"translations", "role_translations"} == {
        "role", "versions", "open_feedback"}
    assert data["role"] == slug
    assert isinstance(data["versions"], list) and data["versions"]
    for version in data["versions"]:
        assert set(version) == {"author", "summary", "competencies"}
        assert version["author"] in AUTHORS[slug]
        assert version["summary"].strip() and sentences(version["summary"]) >= 1


@pytest.mark.parametrize("slug", ROLES)
def test_every_version_has_a_valid_full_competency_set(profiles, slug):
    for number, version in enumerate(profiles[slug]["versions"], start=1):
        comps = version["competencies"]
        where = f"{slug} v{number}"
        assert 8 <= len(comps) <= 12, where
        keys = [c["key"] for c in comps]
        names = [" ".join(c["name"].split()).casefold() for c in comps]
        assert len(set(keys)) == len(keys), f"{where}: duplicate keys"
        assert len(set(names)) == len(names), f"{where}: duplicate names"
        groups = {c["group"] for c in comps}
        assert 3 <= len(groups) <= 5, f"{where}: {sorted(groups)}"
        for comp in comps:
            at = f"{where} {comp.get('key')}"
            assert set(comp) == COMPETENCY_FIELDS, at
            assert KEY.match(comp["key"]), at
            assert comp["name"].strip() and len(comp["name"]) <= 120, at
            assert comp["group"].strip(), at
            assert sentences(comp["description"]) == 1, f"{at}: description is one sentence"
            assert is_level(comp["target"]) and is_level(comp["importance"]), at
            levels = comp["levels"]
            assert isinstance(levels, list) and len(levels) == 5, at
            assert all(isinstance(t, str) and t.strip() for t in levels), at
            for n, text in enumerate(levels, start=1):
                words = len(text.split())
                assert 15 <= words <= 45, f"{at} level {n}: {words} words"
                assert 1 <= sentences(text) <= 2, f"{at} level {n}: one or two sentences"
            assert len({t.casefold() for t in levels}) == 5, f"{at}: levels must differ"


def test_targets_are_mostly_three_with_some_two_or_four(profiles):
    all_targets = []
    for slug, data in profiles.items():
        for number, version in enumerate(data["versions"], start=1):
            targets = [c["target"] for c in version["competencies"]]
            assert Counter(targets)[3] * 2 >= len(targets), f"{slug} v{number}: {targets}"
            assert all(2 <= t <= 4 for t in targets), f"{slug} v{number}: {targets}"
            all_targets += targets
    assert {2, 4} <= set(all_targets)


def test_importance_varies_from_two_to_five(profiles):
    seen = set()
    for slug, data in profiles.items():
        for version in data["versions"]:
            values = [c["importance"] for c in version["competencies"]]
            assert all(2 <= v <= 5 for v in values), (slug, values)
            assert len(set(values)) >= 2, (slug, values)
            seen |= set(values)
    assert seen == {2, 3, 4, 5}


@pytest.mark.parametrize("slug", ROLES)
def test_competency_keys_are_stable_across_versions(profiles, slug):
    key_of_name: dict[str, str] = {}
    versions = profiles[slug]["versions"]
    for version in versions:
        for comp in version["competencies"]:
            name = comp["name"].casefold()
            assert key_of_name.setdefault(name, comp["key"]) == comp["key"], comp["name"]
    # A competency kept from one version to the next keeps its key and its group.
    for old, new in zip(versions, versions[1:], strict=False):
        old_by_key = {c["key"]: c for c in old["competencies"]}
        for comp in new["competencies"]:
            if comp["key"] in old_by_key:
                assert comp["group"] == old_by_key[comp["key"]]["group"], comp["key"]


def test_store_associate_has_two_visibly_different_versions(profiles):
    v1, v2 = profiles["store-associate"]["versions"]
    assert v1["competencies"] != v2["competencies"]
    assert v1["summary"] != v2["summary"]
    old = {c["key"]: c for c in v1["competencies"]}
    new = {c["key"]: c for c in v2["competencies"]}
    added, removed = new.keys() - old.keys(), old.keys() - new.keys()
    assert added, "version 2 adds a competency"
    assert removed, "version 2 removes or merges a competency"
    kept = old.keys() & new.keys()
    assert any(old[k]["target"] != new[k]["target"] for k in kept), "a target changes"
    rewritten = [k for k in kept if old[k]["levels"] != new[k]["levels"]]
    assert rewritten, "descriptors of a kept competency are rewritten"
    for key in rewritten:
        pairs = zip(old[key]["levels"], new[key]["levels"], strict=True)
        assert sum(a != b for a, b in pairs) >= 3, key
    # The summary says what changed: it names the new competency and the one that went.
    summary = v2["summary"].casefold()
    assert any(new[k]["name"].casefold() in summary or k in summary
               or k.replace("-", " ") in summary for k in added), summary
    assert any(old[k]["name"].casefold() in summary for k in removed), summary
    assert "feedback" in summary


def test_shift_lead_builds_on_the_store_associate(profiles):
    """The same key in two roles is the same skill: the plan sets the two targets side by side.

    So a shared competency keeps the store associate's name, description and level
    descriptors (one scale to rate against), and the shift lead's target is at least as high.
    """
    associate = {c["key"]: c for c in profiles["store-associate"]["versions"][-1]["competencies"]}
    lead = {c["key"]: c for c in profiles["shift-lead"]["versions"][-1]["competencies"]}
    shared = lead.keys() & associate.keys()
    assert 3 <= len(shared) <= 5 and len(lead.keys() - shared) >= 3, sorted(shared)
    for key in shared:
        for field in ("name", "description", "levels"):
            assert lead[key][field] == associate[key][field], (key, field)
        assert lead[key]["target"] >= associate[key]["target"], key
    assert sum(lead[k]["target"] > associate[k]["target"] for k in shared) >= 3


@pytest.mark.parametrize("slug", ROLES)
def test_open_feedback(profiles, last_keys, slug):
    feedback = profiles[slug]["open_feedback"]
    assert 1 <= len(feedback) <= 3, slug
    for fb in feedback:
        assert set(fb) == {"from", "competency", "kind", "text"}
        assert fb["from"] in FEEDBACK_PEOPLE[slug], fb["from"]
        assert fb["competency"] is None or fb["competency"] in last_keys[slug], fb
        assert fb["kind"] in FEEDBACK_KINDS, fb
        assert len(fb["text"].split()) >= 8, fb


def test_store_associate_feedback_is_against_version_two(profiles):
    v1, v2 = profiles["store-associate"]["versions"]
    v1_keys = {c["key"] for c in v1["competencies"]}
    feedback = profiles["store-associate"]["open_feedback"]
    # At least one item names a competency that only exists from version 2 on.
    assert any(fb["competency"] and fb["competency"] not in v1_keys for fb in feedback)


# --- Catalogue ------------------------------------------------------------------------


def test_catalogue_shape_and_size(catalogue):
    assert isinstance(catalogue, list)
    assert 50 <= len(catalogue) <= 65
    keys = [i["key"] for i in catalogue]
    assert len(set(keys)) == len(keys)
    titles = [i["title"].casefold() for i in catalogue]
    assert len(set(titles)) == len(titles)
    for item in catalogue:
        at = item.get("key")
        assert set(item) == ITEM_FIELDS, at
        assert KEY.match(item["key"]), at
        assert item["title"].strip() and len(item["title"]) <= 160, at
        assert item["format"] in FORMATS, at
        assert 1 <= sentences(item["summary"]) <= 2, at
        assert item["language"] == "en", at
        minutes = item["duration_minutes"]
        assert isinstance(minutes, int) and not isinstance(minutes, bool) and minutes >= 1, at
        assert is_level(item["level_from"]) and is_level(item["level_to"]), at
        assert item["level_from"] <= item["level_to"], at
        assert isinstance(item["offline"], bool), at
        assert item["url"] is None or item["url"].startswith("https://"), at


def test_fees_are_what_a_place_or_a_book_costs_and_lessons_at_work_are_free(catalogue):
    for item in catalogue:
        fee = item["fee_cents"]
        assert isinstance(fee, int) and not isinstance(fee, bool) and fee >= 0, item["key"]
        if item["format"] not in {"course", "classroom", "book_study"}:
            assert fee == 0, item["key"]  # made in-house, or learnt on the job
    fees = {i["key"]: i["fee_cents"] for i in catalogue}
    assert fees["fire-marshal-course"] == 12000 and fees["being-mortal"] == 1099
    paid = Counter(i["format"] for i in catalogue if i["fee_cents"])
    assert paid["classroom"] >= 4 and paid["course"] >= 2 and paid["book_study"] >= 2
    assert all(fee <= 20000 for fee in fees.values())  # nothing beyond a day's place


def test_all_seven_formats_with_several_of_the_bigger_ones(catalogue):
    counts = Counter(i["format"] for i in catalogue)
    assert set(counts) == FORMATS
    assert counts["micro_lesson"] >= 15
    assert counts["course"] >= 3 and counts["classroom"] >= 3


def test_item_competencies_exist_in_the_last_profile_versions(catalogue, last_keys):
    for item in catalogue:
        refs = item["competencies"]
        assert refs and len(set(refs)) == len(refs), item["key"]
        for ref in refs:
            role, sep, key = ref.partition("/")
            assert sep and role in last_keys, (item["key"], ref)
            assert key in last_keys[role], (item["key"], ref)


def test_offline_micro_lessons(catalogue):
    micro = [i for i in catalogue if i["format"] == "micro_lesson"]
    offline = [i for i in micro if i["offline"]]
    assert len(offline) >= 15
    for item in micro:
        at = item["key"]
        assert 3 <= item["duration_minutes"] <= 6, at
        assert 3 <= len(item["cards"]) <= 5, at
        assert 2 <= len(item["questions"]) <= 4, at
        assert item["url"] is None, at
        for card in item["cards"]:
            assert set(card) == {"text", "image"}, at
            assert card["image"] is None or isinstance(card["image"], str), at
            assert 2 <= sentences(card["text"]) <= 4, (at, card["text"])
    roles = {ref.partition("/")[0] for i in offline for ref in i["competencies"]}
    assert roles == set(ROLES)


def test_other_formats_have_no_cards_and_are_online_unless_self_study(catalogue):
    for item in catalogue:
        if item["format"] == "micro_lesson":
            continue
        at = item["key"]
        assert item["cards"] == [] and item["questions"] == [], at
        if item["format"] not in {"book_study", "on_the_job"}:
            assert item["offline"] is False, at
        if item["format"] not in {"course", "classroom"}:
            assert item["url"] is None, at


def test_questions_are_answerable(catalogue):
    kinds = Counter()
    for item in catalogue:
        for n, q in enumerate(item["questions"], start=1):
            at = f"{item['key']} question {n}"
            assert set(q) == {"kind", "prompt", "options", "correct", "explanation"}, at
            assert q["kind"] in QUESTION_KINDS, at
            kinds[q["kind"]] += 1
            assert q["prompt"].strip() and q["explanation"].strip(), at
            options, correct = q["options"], q["correct"]
            assert len(options) >= 2 and all(o.strip() for o in options), at
            assert len({o.casefold() for o in options}) == len(options), at
            assert isinstance(correct, list) and len(set(correct)) == len(correct), at
            assert all(isinstance(c, int) and not isinstance(c, bool)
                       and 0 <= c < len(options) for c in correct), at
            if q["kind"] == "true_false":
                assert options == ["True", "False"], at
                assert len(correct) == 1, at
            elif q["kind"] == "single_choice":
                assert len(correct) == 1, at
            else:
                assert 2 <= len(correct) < len(options), at
    assert set(kinds) == QUESTION_KINDS


def test_a_competency_is_left_without_any_item(catalogue, last_keys):
    covered = {ref for item in catalogue for ref in item["competencies"]}
    every = {f"{slug}/{key}" for slug, keys in last_keys.items() for key in keys}
    assert covered <= every
    assert every - covered, "the curriculum-gap report needs a real gap"


def assert_spanish_voice(words: object, key: str) -> None:
    """Tú and Latin American Spanish, gender-neutral by rephrasing (no "o/a", "@")."""
    text = json.dumps(words, ensure_ascii=False)
    assert not re.search(r"\b(usted|vosotros|añadir)\b", text), key  # tú, Latin American
    assert not re.search(r"\w+[@]\w*|\b\w+/a\b|\b\w+[oa]\(a\)", text), key  # no "o/a", "@"


@pytest.mark.parametrize(("slug", "groups"), [
    ("warehouse-picker", {"Picking": "Surtido", "Safety": "Seguridad", "Equipment": "Maquinaria",
                          "Quality": "Calidad", "Team": "Equipo"}),
    ("store-associate", {"Customers": "Clientela", "Tills": "Cajas", "Stock": "Mercancía",
                         "Safety": "Seguridad", "Team": "Equipo"}),
])
def test_a_roles_current_profile_is_all_in_spanish(profiles, slug, groups):
    """These roles' current versions are translated whole: every competency, every text, each
    within the original's limits and not the English left in place; one English group is
    one Spanish group, the same in both roles; tú and gender-neutral wording."""
    data = profiles[slug]
    current = {c["key"]: c for c in data["versions"][-1]["competencies"]}
    assert set(data["translations"]) == {"es"}
    spanish = data["translations"]["es"]
    assert set(spanish) == set(current)
    for key, words in spanish.items():
        original = Competency.from_dict(current[key])
        texts = {"name": words["name"], "description": words["description"],
                 "group": words["group"],
                 **{f"level {n}": t for n, t in enumerate(words["levels"], start=1)}}
        checked = check_translation(original, "es", texts)
        assert untranslated(original, checked) == {}, key
        assert all(texts[f] != english for f, english in field_texts(original).items()), key
        assert words["group"] == groups[current[key]["group"]], key
        assert_spanish_voice(words, key)
    assert {w["group"] for w in spanish.values()} == set(groups.values())


# --- Wording --------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*ROLES, "catalogue"])
def test_british_spelling_and_no_placeholders(name):
    data = load(name)
    for text in strings(data):
        if text.startswith("https://"):
            continue
        assert not AMERICAN.search(text), (name, AMERICAN.search(text).group(0), text)
        assert not PLACEHOLDER.search(text), (name, text)


def test_the_store_associates_lessons_have_spanish_for_every_part():
    """``content/es/catalogue.json``: L&D's Spanish for each store associate micro-lesson,
    part for part with its original (as many cards, questions and options, in order; True
    and False are the app's words), none of it left in English."""
    items = {i["key"]: i for i in json.loads((CONTENT / "catalogue.json").read_text("utf-8"))}
    spanish = json.loads((CONTENT / "es" / "catalogue.json").read_text("utf-8"))
    lessons = {key for key, i in items.items() if i["format"] == "micro_lesson"
               and any(c.startswith("store-associate/") for c in i["competencies"])}
    assert set(spanish) == lessons
    for key, words in spanish.items():
        original = items[key]
        assert set(words) == {"title", "summary", "cards", "questions"}, key
        assert words["title"] != original["title"] and len(words["title"]) <= 160, key
        assert len(words["cards"]) == len(original["cards"]), key
        assert all(text.strip() for text in words["cards"]), key
        assert len(words["questions"]) == len(original["questions"]), key
        for q, o in zip(words["questions"], original["questions"], strict=True):
            assert q["prompt"].strip() and q["prompt"] != o["prompt"], key
            assert q["explanation"].strip() or not o["explanation"], key
            if o["kind"] == "true_false":
                assert q["options"] == [], key
            else:
                assert len(q["options"]) == len(o["options"]), key
                assert all(opt.strip() and opt != orig
                           for opt, orig in zip(q["options"], o["options"], strict=True)), key
        assert_spanish_voice(words, key)


@pytest.mark.parametrize("slug", ["store-associate", "warehouse-picker"])
def test_the_roles_whose_profile_is_in_spanish_have_a_spanish_name(profiles, slug):
    """Both of the role's own texts, within the limits, not the English left in place, in
    the profile's voice (tú, Latin American, gender-neutral by rephrasing)."""
    from engine.profiles import check_role_translation
    from pwa import demo

    name, description = next((n, d) for s, n, d in demo.ROLES if s == slug)
    words = profiles[slug]["role_translations"]["es"]
    texts, _ = check_role_translation(name, description, "es", words)
    assert texts == words and texts["name"] != name and texts["description"] != description
    assert_spanish_voice(words, slug)
