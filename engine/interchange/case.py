"""1EdTech CASE 1.1: a Success Profile as a CFPackage, and a CFPackage as a draft profile.

How a profile is written (and read back the same):

- the **CFDocument** is the role's profile at one published version (``version`` = its
  number, ``description`` = what the version changed, ``caseVersion`` 1.1);
- each **group** is a CFItem of type ``Competency Group``, ``isChildOf`` the document;
  each **competency** is a CFItem of type ``Competency``, ``isChildOf`` its group, with
  ``abbreviatedStatement`` = its name, ``fullStatement`` = its description (the name when
  there is none) and ``humanCodingScheme`` = its stable key; ``sequenceNumber`` keeps the
  order;
- one **CFRubric** holds a CFRubricCriterion per competency (``CFItemURI`` names it,
  ``weight`` = its importance) whose five **CFRubricCriterionLevels** carry the level
  descriptors (``position`` and ``score`` 1..5);
- the **target** has no field in CASE: it travels in the item's ``extensions`` (which the
  schema leaves open), as ``{"skillpath": {"key", "target", "importance"}}``; a reader that
  does not know it ignores it, and this reader prefers it when present.

Identifiers are UUID 5 of the profile's stable identifier, so the same version always gives
the same bytes. Reading accepts what the wild produces and says what it did with it (a
:class:`Note`); it walks the hierarchy without recursion, so depth is no limit.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from engine.errors import N_, N_plural
from engine.interchange import PACKAGE, UNSET, Note, Place, Reading, Unreadable, Written, place
from engine.profiles import LEVELS, MAX_GROUP, MAX_NAME, Competency, make_key

NAMESPACE = uuid.UUID("6f1e0c3a-5b7d-5e0a-9c1f-2a4b6d8e0f13")  # Skillpath's, fixed forever
GROUP_TYPE = "Competency Group"
COMPETENCY_TYPE = "Competency"
EXTENSION = "skillpath"
_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
MAX_NOTES_SHOWN = 200  # notes past this are counted in one note, not listed one by one


def write(profile: Written) -> bytes:
    """The version as a CASE 1.1 CFPackage (UTF-8 JSON, keys in a fixed order)."""
    return (json.dumps(package(profile), ensure_ascii=False, indent=2) + "\n").encode()


def package(profile: Written) -> dict[str, Any]:
    """The CFPackage as a dict (what :func:`write` serialises)."""
    root = uuid.uuid5(NAMESPACE, profile.identifier)
    at = profile.published_at

    def ident(*parts: object) -> str:
        return str(uuid.uuid5(root, "/".join(str(p) for p in parts)))

    def link(identifier: str, title: str) -> dict[str, str]:
        return {"title": title, "identifier": identifier, "uri": f"urn:uuid:{identifier}"}

    doc_id = str(root)
    types = {name: ident("type", name) for name in (GROUP_TYPE, COMPETENCY_TYPE)}
    items: list[dict[str, Any]] = []
    associations: list[dict[str, Any]] = []
    criteria: list[dict[str, Any]] = []
    rubric_id = ident("rubric")
    groups: dict[str, str] = {}

    def child_of(child: str, child_title: str, parent: str, parent_title: str,
                 sequence: int) -> None:
        aid = ident("isChildOf", child, parent)
        associations.append({
            "identifier": aid, "uri": f"urn:uuid:{aid}", "associationType": "isChildOf",
            "sequenceNumber": sequence, "originNodeURI": link(child, child_title),
            "destinationNodeURI": link(parent, parent_title), "lastChangeDateTime": at})

    for comp in profile.competencies:
        if comp.group not in groups:
            gid = groups[comp.group] = ident("group", comp.group)
            items.append({
                "identifier": gid, "uri": f"urn:uuid:{gid}", "fullStatement": comp.group,
                "CFItemType": GROUP_TYPE,
                "CFItemTypeURI": link(types[GROUP_TYPE], GROUP_TYPE),
                "lastChangeDateTime": at})
            child_of(gid, comp.group, doc_id, profile.role, len(groups))
    positions: dict[str, int] = {}
    for comp in profile.competencies:
        iid = ident("item", comp.key)
        positions[comp.group] = positions.get(comp.group, 0) + 1
        items.append({
            "identifier": iid, "uri": f"urn:uuid:{iid}",
            "fullStatement": comp.description or comp.name,
            "abbreviatedStatement": comp.name, "humanCodingScheme": comp.key,
            "CFItemType": COMPETENCY_TYPE,
            "CFItemTypeURI": link(types[COMPETENCY_TYPE], COMPETENCY_TYPE),
            "lastChangeDateTime": at,
            "extensions": {EXTENSION: {"key": comp.key, "target": comp.target,
                                       "importance": comp.importance}}})
        child_of(iid, comp.name, groups[comp.group], comp.group, positions[comp.group])
        cid = ident("criterion", comp.key)
        criteria.append({
            "identifier": cid, "uri": f"urn:uuid:{cid}", "category": comp.group,
            "description": comp.name, "CFItemURI": link(iid, comp.name),
            "weight": comp.importance, "position": len(criteria) + 1, "rubricId": rubric_id,
            "lastChangeDateTime": at,
            "CFRubricCriterionLevels": [{
                "identifier": (lid := ident("level", comp.key, n)), "uri": f"urn:uuid:{lid}",
                "description": text, "quality": f"Level {n}", "score": n, "position": n,
                "rubricCriterionId": cid, "lastChangeDateTime": at}
                for n, text in enumerate(comp.levels, start=1)]})
    return {
        "CFDocument": {
            "identifier": doc_id, "uri": f"urn:uuid:{doc_id}", "creator": "Skillpath",
            "title": profile.role, "lastChangeDateTime": at, "caseVersion": "1.1",
            "version": str(profile.number), "adoptionStatus": "Published",
            "description": profile.summary,
        },
        "CFItems": items,
        "CFAssociations": associations,
        "CFDefinitions": {"CFItemTypes": [{
            "identifier": tid, "uri": f"urn:uuid:{tid}", "title": name,
            "description": ("A group of competencies in a Success Profile."
                            if name == GROUP_TYPE else "A competency of a Success Profile."),
            "hierarchyCode": str(n), "typeCode": name.replace(" ", ""),
            "lastChangeDateTime": at} for n, (name, tid) in enumerate(types.items(), 1)]},
        "CFRubrics": [{
            "identifier": rubric_id, "uri": f"urn:uuid:{rubric_id}",
            "title": f"{profile.role}: levels", "lastChangeDateTime": at,
            "CFRubricCriteria": criteria}],
    }


# Reading ----------------------------------------------------------------------------------


class _Notes:
    """The notes of one reading: every one counted, the first :data:`MAX_NOTES_SHOWN` kept."""

    def __init__(self) -> None:
        self.kept: list[Note] = []
        self.more = 0

    def add(self, where: str, what: str | tuple[str, str], **params: Any) -> None:
        """Note ``what`` (an ``N_`` template, or an ``N_plural`` pair with a ``count``)."""
        if len(self.kept) < MAX_NOTES_SHOWN:
            self.kept.append(_note(where, what, params))
        else:
            self.more += 1

    def done(self) -> tuple[Note, ...]:
        if self.more:
            return (*self.kept, _note(PACKAGE, N_plural(
                "%(count)s more note like these.", "%(count)s more notes like these."),
                {"count": self.more}))
        return tuple(self.kept)


def _note(where: str | Place, what: str | tuple[str, str], params: dict[str, Any]) -> Note:
    at = place(where)
    if isinstance(what, tuple):
        return Note(at.text, what[0], params, what[1], (at,))
    return Note(at.text, what, params, places=(at,))


def read(data: bytes) -> Reading:
    """A CFPackage's items as a draft's competencies, with a note for what did not map.

    Leaves of the ``isChildOf`` tree become competencies (in the package's order); the item
    each hangs under names its group. Raises :class:`Unreadable` for what is not a package
    at all (not UTF-8 JSON, no CFDocument, items that are not a list), for an identifier
    used twice and for a cycle in ``isChildOf``: each makes the tree meaningless.
    """
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise Unreadable(N_("The file is not UTF-8 text (byte %(at)s)."), at=exc.start) from None
    except json.JSONDecodeError as exc:
        raise Unreadable(N_("The file is not JSON: %(reason)s at line %(line)s, column "
                            "%(column)s."), reason=exc.msg, line=exc.lineno,
                         column=exc.colno) from None
    except RecursionError:
        raise Unreadable(N_("The file is nested too deeply to be a CASE package.")) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("CFDocument"), dict):
        raise Unreadable(N_("The file is JSON but not a CASE package: it has no CFDocument."))
    notes = _Notes()
    document: dict[str, Any] = doc["CFDocument"]
    _check_version(doc, document, notes)
    raw_items = doc.get("CFItems", [])
    if not isinstance(raw_items, list):
        raise Unreadable(N_("CFItems is not a list."))
    items = _items(raw_items, notes)
    doc_id = str(document.get("identifier", ""))
    if doc_id in items:
        raise Unreadable(N_("The identifier %(id)s is used by the document and an item."),
                         id=doc_id)
    parent, order = _tree(doc.get("CFAssociations", []), items, doc_id, notes)
    levels, weights = _rubrics(doc.get("CFRubrics", []), items, notes)
    title = _text(document.get("title"))
    if not title:
        notes.add("CFDocument", N_("The document has no title."))
    has_children = set(parent.values())
    leaves = [i for i in items if i not in has_children]
    # Under its parent's place first, so that a group's competencies stay together.
    leaves.sort(key=lambda i: (order[parent[i]] if i in parent else (-1, -1), order[i]))
    competencies: list[Competency] = []
    taken: set[str] = set()
    for identifier in leaves:
        comp = _competency(identifier, items[identifier], items, parent, levels, weights,
                           taken, notes)
        if comp is not None:
            competencies.append(comp)
            taken.add(comp.key)
    groups = {parent[leaf] for leaf in leaves if leaf in parent}
    for identifier in items:
        if identifier in has_children and identifier not in groups:
            notes.add(identifier, N_("“%(title)s” is a level above the groups: a profile "
                                     "has one level of groups, so its title is not kept."),
                      title=_title(items[identifier]))
    return Reading(title=title, competencies=tuple(competencies), notes=notes.done())


def _check_version(doc: dict[str, Any], document: dict[str, Any], notes: _Notes) -> None:
    version = document.get("caseVersion")
    if version is None:
        notes.add("CFDocument", N_("No caseVersion: read as a CASE 1.0 package."))
    elif version != "1.1":
        notes.add("CFDocument", N_("caseVersion is “%(version)s”: read as CASE 1.1."),
                  version=str(version))
    for name in sorted(set(doc) - {"CFDocument", "CFItems", "CFAssociations", "CFDefinitions",
                                   "CFRubrics", "extensions"}):
        notes.add("CFPackage", N_("“%(name)s” is not part of CASE 1.1: ignored."), name=name)


def _items(raw: list[Any], notes: _Notes) -> dict[str, dict[str, Any]]:
    items: dict[str, dict[str, Any]] = {}
    for n, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("identifier"), str) \
                or not item["identifier"]:
            notes.add(f"CFItems[{n}]", N_("An item without an identifier: not imported."))
            continue
        if item["identifier"] in items:
            raise Unreadable(N_("Two items use the identifier %(id)s: the package cannot say "
                                "which one its associations mean."), id=item["identifier"])
        items[item["identifier"]] = item
    return items


def _node(value: Any) -> str | None:
    found = value.get("identifier") if isinstance(value, dict) else None
    return found if isinstance(found, str) else None


def _tree(raw: Any, items: dict[str, dict[str, Any]], doc_id: str,
          notes: _Notes) -> tuple[dict[str, str], dict[str, tuple[int, int]]]:
    """Each item's parent item (``isChildOf``), and each item's place among its siblings
    (its ``sequenceNumber``, then its place in the package)."""
    parent: dict[str, str] = {}
    sequence: dict[str, int] = {}
    if not isinstance(raw, list):
        notes.add("CFAssociations", N_("CFAssociations is not a list: ignored."))
        raw = []
    for n, assoc in enumerate(raw, start=1):
        if not isinstance(assoc, dict):
            notes.add(f"CFAssociations[{n}]", N_("Not an association: ignored."))
            continue
        kind = assoc.get("associationType")
        child, to = _node(assoc.get("originNodeURI")), _node(assoc.get("destinationNodeURI"))
        if kind != "isChildOf":
            notes.add(str(assoc.get("identifier", f"CFAssociations[{n}]")),
                      N_("A “%(kind)s” association has no place in a Success Profile: not "
                         "imported."), kind=str(kind))
            continue
        if child not in items:
            notes.add(str(assoc.get("identifier", f"CFAssociations[{n}]")),
                      N_("An isChildOf association whose child is not an item here: "
                         "ignored."))
            continue
        seq = assoc.get("sequenceNumber")
        if isinstance(seq, str):
            notes.add(child, N_("sequenceNumber “%(seq)s” is text, not a number: read as one."),
                      seq=seq)
            seq = int(seq) if seq.strip().lstrip("-").isdigit() else None
        if isinstance(seq, int) and not isinstance(seq, bool):
            sequence[child] = seq
        if to == doc_id or to is None:
            continue
        if to not in items:
            notes.add(child, N_("Its parent is not in the package: read as top level."))
            continue
        if child in parent and parent[child] != to:
            notes.add(child, N_("It has two parents: the first one is its group."))
            continue
        parent[child] = to
    _refuse_cycles(parent)
    index = {identifier: n for n, identifier in enumerate(items)}
    order = {identifier: (sequence.get(identifier, index[identifier]), index[identifier])
             for identifier in items}
    return parent, order


def _refuse_cycles(parent: dict[str, str]) -> None:
    """Walk each chain of parents once (no recursion); a chain that meets itself is a cycle."""
    state: dict[str, int] = {}  # 1: on the chain being walked, 2: known to reach the top
    for start in parent:
        chain: list[str] = []
        node: str | None = start
        while node is not None and state.get(node) is None:
            state[node] = 1
            chain.append(node)
            node = parent.get(node)
        if node is not None and state.get(node) == 1:
            loop = chain[chain.index(node):]
            shown = " → ".join([*loop[:5], *(["…"] if len(loop) > 5 else []), node])
            raise Unreadable(N_("The items' isChildOf associations go round in a circle: "
                                "%(cycle)s."), cycle=shown)
        for seen in chain:
            state[seen] = 2


def _rubrics(raw: Any, items: dict[str, dict[str, Any]],
             notes: _Notes) -> tuple[dict[str, tuple[str, ...]], dict[str, Any]]:
    """Level descriptors and weights by item identifier, from the rubrics' criteria."""
    levels: dict[str, tuple[str, ...]] = {}
    weights: dict[str, Any] = {}
    if not isinstance(raw, list):
        notes.add("CFRubrics", N_("CFRubrics is not a list: ignored."))
        return levels, weights
    for rubric in raw:
        criteria = rubric.get("CFRubricCriteria", []) if isinstance(rubric, dict) else []
        for criterion in criteria if isinstance(criteria, list) else []:
            if not isinstance(criterion, dict):
                continue
            where = str(criterion.get("identifier", "CFRubricCriteria"))
            item = _node(criterion.get("CFItemURI"))
            if item not in items:
                notes.add(where, N_("A rubric criterion for no item of this package: not "
                                    "imported."))
                continue
            if item in levels:
                notes.add(where, N_("A second rubric criterion for the same item: not "
                                    "imported."))
                continue
            found = [lv for lv in criterion.get("CFRubricCriterionLevels", []) or []
                     if isinstance(lv, dict)]
            found.sort(key=lambda lv: (_number(lv.get("position")) or 0,
                                       _number(lv.get("score")) or 0))
            texts = tuple(_text(lv.get("description")) or _text(lv.get("quality"))
                          for lv in found)
            if len(texts) == LEVELS:
                levels[item] = texts
            elif texts:
                notes.add(item, N_plural(
                    "Its rubric has %(count)s level, not five: describe the five levels; the "
                    "rubric said: %(said)s",
                    "Its rubric has %(count)s levels, not five: describe the five levels; the "
                    "rubric said: %(said)s"), count=len(texts), said=" | ".join(texts))
            weights[item] = criterion.get("weight")
    return levels, weights


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _title(item: dict[str, Any]) -> str:
    return _text(item.get("abbreviatedStatement")) or _text(item.get("fullStatement")) or \
        _text(item.get("humanCodingScheme"))


def _level(value: Any) -> int | None:
    number = _number(value)
    if number is not None and number.is_integer() and 1 <= number <= LEVELS:
        return int(number)
    return None


def _competency(identifier: str, item: dict[str, Any], items: dict[str, dict[str, Any]],
                parent: dict[str, str], levels: dict[str, tuple[str, ...]],
                weights: dict[str, Any], taken: set[str], notes: _Notes) -> Competency | None:
    name = _title(item)
    if not name:
        notes.add(identifier, N_("An item with no statement, abbreviation or code: there is "
                                 "no name to give it, so it was not imported."))
        return None
    full = item.get("fullStatement") if isinstance(item.get("fullStatement"), str) else ""
    description = full.strip() if full and _text(full) != name else ""
    if len(name) > MAX_NAME:
        if not description:
            description = name
        name = name[:MAX_NAME - 1].rstrip() + "…"
        notes.add(identifier, N_("Its statement is longer than a name can be: shortened; the "
                                 "whole text is its description."))
    own = item.get("extensions", {}).get(EXTENSION) \
        if isinstance(item.get("extensions"), dict) else None
    own = own if isinstance(own, dict) else {}
    key = next((k for k in (own.get("key"), item.get("humanCodingScheme"))
                if isinstance(k, str) and _KEY.match(k) and k not in taken), None)
    key = key or make_key(name, taken)
    up = parent.get(identifier)
    group = _title(items[up]) if up else ""
    if not group:
        notes.add(identifier, N_("“%(name)s” has no group: give it one."), name=name)
    elif len(group) > MAX_GROUP:
        group = group[:MAX_GROUP - 1].rstrip() + "…"
        notes.add(identifier, N_("Its group's title is longer than a group name can be: "
                                 "shortened."))
    found = levels.get(identifier)
    if found is None:
        found = ("",) * LEVELS
        notes.add(identifier, N_("“%(name)s” has no five rubric levels: describe its "
                                 "levels."), name=name)
    target = _level(own.get("target"))
    importance = _level(own.get("importance")) or _level(weights.get(identifier))
    if target is None:
        notes.add(identifier, N_("“%(name)s” has no target level: set one."), name=name)
    if importance is None:
        notes.add(identifier, N_("“%(name)s” has no importance: set one."), name=name)
    return Competency(key=key, name=name, description=description, group=group, levels=found,
                      target=target or UNSET, importance=importance or UNSET)

