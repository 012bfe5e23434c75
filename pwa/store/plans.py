"""A learner's plan: its inputs read from the database, its events checked and applied.

The plan is computed (``engine.plan.build``) whenever it is asked for, from
the learner's latest ratings, their role's and future role's current profiles,
the catalogue items of those competencies (found through the item-competency
index, never by scanning the catalogue), and the learner's own rows: settings,
goals, own items, choices and accepted suggestions. Nothing the learner chose
is ever overwritten by a recomputation, because the plan is never stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import (
    CompoundSelect,
    and_,
    bindparam,
    delete,
    false,
    null,
    or_,
    select,
    tuple_,
    union_all,
    update,
)

from engine import plan as rules
from engine import profiles as translation_rules
from engine import sync as sync_rules
from engine.assessment import shared
from engine.catalogue import MAX_MINUTES, Format, language_of
from engine.errors import N_
from engine.levels import MAX_NUMBER
from pwa import clock
from pwa.extensions import db
from pwa.models import (
    Event,
    Item,
    ItemCompetency,
    ItemRevision,
    OwnItem,
    Person,
    PlanChoice,
    PlanGoal,
    PlanSettings,
    PlanSuggestion,
    PlanSummary,
    Role,
)
from pwa.models.base import dialect_insert, dialect_name, plain
from pwa.store import assessment, bundles, catalogue, memo, profiles, role_words
from pwa.store.batch import Batch

Words = Callable[[rules.Reason], str]
RESTORED = "restored"  # a choice row that undid a drop: no choice, or back to "accepted"


# Reading the inputs ---------------------------------------------------------------------

@dataclass(frozen=True)
class Gathered:
    """The engine's inputs and what the answer needs besides: names and where items live."""

    inputs: rules.Inputs
    names: dict[str, str]  # competency key -> its name in the current profile
    catalogue: dict[str, tuple[str, int]]  # "c:<id>" -> (item key, revision)
    urls: dict[str, str | None]  # any item ref -> its link
    choices: dict[tuple[str, str], rules.Choice]
    mentor_suggestions: bool = True  # may the plan suggest a peer mentor for an uncovered gap
    languages: tuple[str, ...] | None = None  # what the learner can learn in; None: not said
    # Competency keys whose name is shown in the original (no current translation into the
    # learner's language): the phone marks those names with the original's language.
    in_original: frozenset[str] = frozenset()


def competencies(person: Person) -> dict[str, tuple[int, ...]]:
    """Competency keys of the person's role and future role (current profiles) -> identity ids."""
    found: dict[str, tuple[int, ...]] = {}
    for role in _roles(person):
        version = profiles.shown(role)
        for line in version.lines if version is not None else ():
            found[line.key] = (*found.get(line.key, ()), line.competency_id)
    return found


def settings_row(person: Person) -> PlanSettings | None:
    """The person's plan settings, if they saved any; read once while a bundle is built
    (``pwa.store.memo``: the plan, practice and mentoring parts each ask, and a row that is
    not there would be asked for again each time)."""
    return memo.row(PlanSettings, person.id)


class _Settings(NamedTuple):
    """What the plan reads of the person's settings."""

    weekly_minutes: int
    formats: list[str]
    mentor_suggestions: bool
    languages: list[str] | None


_SETTINGS = select(PlanSettings.weekly_minutes, PlanSettings.formats,
                   PlanSettings.mentor_suggestions, PlanSettings.languages).where(
    PlanSettings.person_id == bindparam("person"))


def _settings(person: Person) -> PlanSettings | _Settings | None:
    """The person's settings as the plan reads them, if they saved any: the row the bundle's
    parts share while a bundle is built (``memo.reading``); else its four columns, read as
    Core reads them (loading the object cost a sync's refresh of the plan more than the
    query did)."""
    if memo.reading_now():
        return settings_row(person)
    row = plain(_SETTINGS, {"person": person.id}).first()
    return _Settings._make(row) if row is not None else None


def _roles(person: Person) -> list[Role]:
    return [r for r in (person.role, person.future_role) if r is not None]


def _role_name(person: Person, role: Role) -> str:
    """The role's name in the person's language where its authors translated it: the plan
    names it as the person's other screens do."""
    return role_words.words(role, translation_rules.reading_language(person.locale)).name


def translated_names(person: Person) -> dict[str, str]:
    """The competencies' names in the person's language where their authors translated
    them (and the translation is current): the plan speaks of them as the profile does."""
    language = translation_rules.reading_language(person.locale)
    if language == translation_rules.ORIGINAL_LANGUAGE:
        return {}
    found: dict[str, str] = {}
    for role in _roles(person):
        version = profiles.shown(role, language)
        for c in version.shown["competencies"] if version is not None else ():
            if "name" not in c["in_original"]:
                found.setdefault(c["key"], c["name"])
    return found


def gather(person: Person, latest: Iterable[Mapping[str, Any]] | None = None,
           published: Mapping[int, profiles.Shown | None] | None = None) -> Gathered:
    """Everything the plan is made from; ``latest`` are the current ratings and
    ``published`` the current profile versions by role id, if already read (by whoever
    builds many plans).

    What the organisation shares (the profiles, the catalogue's items) is read through
    ``pwa.store.memo.shared``: once per process and version of it, not once per plan.
    """
    read = {role.slug: published[role.id] if published is not None else profiles.shown(role)
            for role in _roles(person)}
    # One need per key: its level is the role's standing rating, else the future role's (a
    # competency the two profiles share carries its rating across: assessment.standing).
    versions = assessment.current_profiles(person, read)
    standing = assessment.standing(person, latest, versions)
    levels: dict[str, int] = {}
    for (_, key), rating in sorted(standing.items(), key=lambda kv: kv[0][0] != person.role.slug):
        levels.setdefault(key, rating["level"])
    current = {slug: {c.key: c for c in comps} for slug, comps in versions.items()}
    needs: dict[str, dict[str, Any]] = {}
    names = translated_names(person) if published is None else {}
    translated = set(names)
    reads_original = published is not None or translation_rules.reading_language(
        person.locale) == translation_rules.ORIGINAL_LANGUAGE
    identity_keys: dict[int, str] = {}
    for role, prefix in ((person.role, ""), (person.future_role, "future_")):
        version = read[role.slug] if role is not None else None
        for line in version.lines if version is not None else ():
            key = line.key
            names.setdefault(key, line.name)
            identity_keys[line.competency_id] = key
            need = needs.setdefault(key, {"key": key, "name": names[key],
                                          "level": levels.get(key)})
            need[f"{prefix}target"] = line.target
            need[f"{prefix}importance"] = line.importance
            mine = current.get(person.role.slug, {}).get(key)
            if prefix and role is not None and mine is not None and \
                    not shared(mine, current[role.slug][key]):
                need["apart"] = True  # the future role words it otherwise: its own rating
                need["future_level"] = standing.get((role.slug, key), {}).get("level")
    settings = _settings(person)
    # The learner's goals and own items, read in one round trip: a goal has no item id.
    goals_and_own = plain(_GOALS_AND_OWN_ITEMS, {"person": person.id}).all()
    goals = frozenset(row.competency for row in goals_and_own if row.id is None)
    choices = _choices(person)
    items, catalogue, urls = _catalogue(person, identity_keys, {
        int(ref[2:]) for ref, _ in choices if ref.startswith("c:")})
    for own in goals_and_own:
        if own.id is None:
            continue
        ref = f"own:{own.id}"
        items.append(rules.Item(ref, own.title, (own.competency,), own.format, own.minutes))
        urls[ref] = own.url
    inputs = rules.Inputs(
        role=_role_name(person, person.role),
        future_role=_role_name(person, person.future_role) if person.future_role else None,
        needs=tuple(rules.Need(**n) for n in needs.values()), items=tuple(items),
        interests=goals & set(needs),
        formats=tuple(settings.formats) if settings else (),
        weekly_minutes=settings.weekly_minutes if settings else rules.DEFAULT_WEEKLY_MINUTES,
        choices=tuple(choices.values()))
    return Gathered(inputs, names, catalogue, urls, choices,
                    settings.mentor_suggestions if settings else True,
                    tuple(settings.languages) if settings and settings.languages else None,
                    frozenset() if reads_original else frozenset(names) - translated)


# Built once: every plan reads it. The goals' rows carry NULL in the items' other columns.
_GOALS_AND_OWN_ITEMS: CompoundSelect[Any] = union_all(
    select(OwnItem.id, OwnItem.title, OwnItem.competency, OwnItem.format, OwnItem.minutes,
           OwnItem.url).where(OwnItem.person_id == bindparam("person")),
    select(null(), null(), PlanGoal.competency, null(), null(), null()).where(
        PlanGoal.person_id == bindparam("person"), PlanGoal.wanted.is_(True)))


_CHOICES = (select(PlanChoice.item, PlanChoice.competency, PlanChoice.state,
                   PlanChoice.position, PlanChoice.origin, PlanSuggestion.from_name)
            .outerjoin(PlanSuggestion, PlanChoice.suggestion_id == PlanSuggestion.id)
            .where(PlanChoice.person_id == bindparam("person"))
            .order_by(PlanChoice.occurred_at, PlanChoice.id))


def _choices(person: Person) -> dict[tuple[str, str], rules.Choice]:
    """The learner's choices, oldest first, with the colleague's name on accepted suggestions."""
    # Columns, not objects, as Core reads them: read on every refresh of the plan.
    rows = plain(_CHOICES, {"person": person.id}).all()
    found: dict[tuple[str, str], rules.Choice] = {}
    for item, competency, state, position, origin, by in rows:
        if state == RESTORED:
            if origin is None:
                continue  # a restored plan item: the plan decides again
            state = rules.State.ACCEPTED.value  # the learner's own item comes back
        found[(item, competency)] = rules.Choice(
            item, competency, rules.State(state), position, origin, by)
    return found


_COLUMNS = (Item.id, Item.key, Item.retired_at, ItemRevision.revision, ItemRevision.title,
            ItemRevision.format, ItemRevision.duration_minutes, ItemRevision.level_from,
            ItemRevision.level_to, ItemRevision.offline, ItemRevision.url,
            ItemRevision.fee_cents, ItemCompetency.competency_id)
_CURRENT = and_(ItemRevision.item_id == Item.id, ItemRevision.revision == Item.current_revision)


def _catalogue(person: Person, identity_keys: Mapping[int, str], chosen: set[int]) -> tuple[
        list[rules.Item], dict[str, tuple[str, int]], dict[str, str | None]]:
    """Current revisions of the items that develop these competencies, and the chosen ones.

    One query through the item-competency index: a bigger catalogue costs only
    the items of the learner's competencies. The organisation's items are the same for
    everyone with these competencies: read once per version of them (``pwa.store.memo.shared``).
    """
    ids = tuple(sorted(identity_keys))
    rows = list(memo.shared(person.organisation, ("plan_items", ids), lambda: tuple(
        _Row._make(row) for row in db.session.execute(
            select(*_COLUMNS).join(ItemRevision, _CURRENT)
            .join(ItemCompetency, ItemCompetency.item_revision_id == ItemRevision.id)
            .where(ItemCompetency.competency_id.in_(ids)))) if ids else ()))
    missing = chosen - {row[0] for row in rows}
    if missing:
        rows += [_Row._make(row) for row in db.session.execute(
            select(*_COLUMNS).join(ItemRevision, _CURRENT).outerjoin(
                ItemCompetency, ItemCompetency.item_revision_id == ItemRevision.id)
            .where(Item.id.in_(missing)))]
    return _items(identity_keys, rows)


class _Row(NamedTuple):
    """A row of :data:`_COLUMNS`: an item's current revision and one competency of it."""

    id: int
    key: str
    retired_at: datetime | None
    revision: int
    title: str
    format: str
    duration_minutes: int
    level_from: int
    level_to: int
    offline: bool
    url: str | None
    fee_cents: int
    competency_id: int | None  # None: a chosen item no competency of the learner's leads to


def _items(identity_keys: Mapping[int, str], rows: list[_Row]) -> tuple[
        list[rules.Item], dict[str, tuple[str, int]], dict[str, str | None]]:
    """The rows of :func:`_catalogue` as the plan's items, where each lives, and its link."""
    keys: dict[int, list[str]] = {}
    first: dict[int, _Row] = {}
    for row in rows:
        first.setdefault(row.id, row)
        key = identity_keys.get(row.competency_id) if row.competency_id is not None else None
        if key is not None and key not in keys.setdefault(row.id, []):
            keys[row.id].append(key)
    items, where, urls = [], {}, {}
    for item_id, row in first.items():
        ref = f"c:{item_id}"
        items.append(rules.Item(ref, row.title, tuple(sorted(keys.get(item_id, ()))), row.format,
                                row.duration_minutes, row.level_from, row.level_to, row.offline,
                                row.retired_at is not None, row.fee_cents))
        where[ref] = (row.key, row.revision)
        urls[ref] = row.url
    return items, where, urls


# The plan, as the phone receives it ------------------------------------------------------

def built(person: Person, published: Mapping[int, profiles.Shown | None] | None = None,
          ) -> rules.Plan:
    """The learner's plan as the rules make it, without the words the phone is sent.

    ``published``: the current profile versions by role id, if already read.
    """
    return rules.build(gather(person, published=published).inputs)


def plan_for(person: Person, words: Words,
             latest: Iterable[Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """The learner's plan with every reason in their language (``words``), and what feeds it."""
    g = gather(person, latest)
    plan = rules.build(g.inputs)
    items = {i.id: i for i in g.inputs.items}
    # Catalogue items in the learner's language where translated (title_lang: left in the
    # original's), at the address of their content in it.
    titles = catalogue.shown_titles(person.organisation, (int(ref[2:]) for ref in g.catalogue),
                                    language_of(person.locale))
    # A competency named in the original carries its language (competency_lang), as an item's
    # title does: the phone marks the name, in the reasons too, for a screen reader.
    lang = name_langs(g.in_original)

    def item(i: rules.Item) -> dict[str, Any]:
        shown = titles.get(int(i.id[2:])) if i.id in g.catalogue else None
        return {"item": i.id, "title": shown["title"] if shown else i.title,
                "title_lang": shown["title_lang"] if shown else None, "format": i.format,
                "minutes": i.minutes, "offline": i.offline, "url": g.urls.get(i.id),
                "content": shown["content"] if shown else None}

    def length(i: rules.Item, other: rules.Item) -> dict[str, Any]:
        """How much longer ``i`` is than ``other`` (minutes), and whether that is about the
        same: the phone says it in the learner's words and units."""
        return {"longer_by": i.minutes - other.minutes,
                "similar": rules.similar(i.minutes, other.minutes)}

    def line(x: rules.Line) -> dict[str, Any]:
        choice = g.choices.get((x.item.id, x.competency))
        name = g.names.get(x.competency, x.competency)
        return {**item(x.item), "competency": x.competency, "competency_name": name,
                "competency_lang": lang(x.competency),
                "state": x.state.value, "week": x.week,
                "position": choice.position if choice else None,
                "origin": choice.origin if choice else None,
                "reasons": [words(r) for r in x.reasons],
                "alternatives": [{**item(items[a]),
                                  "reason": words(rules.swap_reason(name, x.aim)),
                                  **length(items[a], x.item)}
                                 for a in x.alternatives],
                "replaces": {"item": x.replaces.id, "title": item(x.replaces)["title"],
                             "title_lang": item(x.replaces)["title_lang"],
                             **length(x.item, x.replaces)} if x.replaces else None}

    dropped = [line(rules.Line(c.competency, items[c.item], c.state, None, ()))
               for c in g.choices.values()
               if c.state is rules.State.DROPPED and c.item in items]
    ready = plan.readiness
    return {
        "settings": {"weekly_minutes": g.inputs.weekly_minutes,
                     "formats": list(g.inputs.formats),
                     "mentor_suggestions": g.mentor_suggestions,
                     "languages": list(g.languages) if g.languages is not None else None},
        "options": {"formats": [f.value for f in Format],
                    "weekly_minutes": [rules.MIN_WEEKLY_MINUTES, rules.MAX_WEEKLY_MINUTES],
                    "max_languages": rules.MAX_LANGUAGES,
                    "max_title": rules.MAX_OWN_TITLE, "max_message": rules.MAX_MESSAGE,
                    "max_minutes": MAX_MINUTES},
        "goals": sorted(g.inputs.interests),
        "lines": [line(x) for x in plan.active],
        "done": [line(x) for x in plan.done],
        "dropped": dropped,  # what the learner may restore
        "uncovered": [{"competency": u.competency, "name": u.name,
                       "name_lang": lang(u.competency), "level": u.level,
                       "needed": u.needed, "reasons": [words(r) for r in u.reasons]}
                      for u in plan.uncovered],
        "notes": [words(n) for n in plan.notes],
        "readiness": {"role": ready.role, "now": round(ready.now, 4),
                      "after": round(ready.after, 4)} if ready else None,
        "suggestions": pending_suggestions(person, g.names, g.in_original),
    }


def name_langs(in_original: frozenset[str]) -> Callable[[str], str | None]:
    """The language a competency's name is shown in when it is the original's, else None
    (the learner's own): ``in_original`` are the keys left untranslated."""
    return lambda key: translation_rules.ORIGINAL_LANGUAGE if key in in_original else None


def pending_suggestions(person: Person, names: Mapping[str, str],
                        in_original: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """Colleagues' suggestions waiting for the learner's answer, oldest first (``in_original``:
    the competencies whose names are shown in the original)."""
    rows = db.session.execute(
        select(PlanSuggestion, ItemRevision)
        .outerjoin(Item, PlanSuggestion.item_id == Item.id)
        .outerjoin(ItemRevision, and_(ItemRevision.item_id == Item.id,
                                      ItemRevision.revision == Item.current_revision))
        .where(PlanSuggestion.person_id == person.id, PlanSuggestion.status == "pending")
        .order_by(PlanSuggestion.sent_at, PlanSuggestion.id)).all()
    out = []
    lang = name_langs(in_original)
    titles = catalogue.shown_titles(person.organisation,
                                    (r.item_id for _, r in rows if r is not None),
                                    language_of(person.locale))
    for s, r in rows:
        if r is not None:
            shown = titles[r.item_id]
            what = {"item": f"c:{s.item_id}", "title": shown["title"],
                    "title_lang": shown["title_lang"], "format": r.format,
                    "minutes": r.duration_minutes, "offline": r.offline, "url": r.url,
                    "content": shown["content"]}
        else:
            own = s.own or {}
            what = {"item": None, "title": own.get("title"), "title_lang": None,
                    "format": own.get("format"),
                    "minutes": own.get("minutes"), "offline": False, "url": own.get("url"),
                    "content": None}
        out.append({"id": s.id, "from": s.from_name, "competency": s.competency,
                    "competency_name": names.get(s.competency, s.competency),
                    "competency_lang": lang(s.competency),
                    "message": s.message, "sent_at": s.sent_at.isoformat(), **what})
    return out


def bootstrap_part(person: Person, bundle: dict[str, Any], words: Words) -> dict[str, Any]:
    """The plan, from the ratings the bundle already holds; ``words`` puts its reasons in the
    person's language (the store speaks none: the registry passes the translation in)."""
    latest = bundle.get("ratings", {}).get("current")
    return {"plan": plan_for(person, words, latest)}


# The plan's size, for the reports (the read model ``plan_summaries``) --------------------

SUMMARY_BATCH = 500  # people summarised per commit when a whole organisation is


def _summary_row(person: Person) -> dict[str, Any]:
    """The person's plan, reduced to what a release adds up, stamped with when it was begun.

    The stamp is read before the plan is: whatever was committed by then is in it.
    """
    began = clock.now()
    return summary_of(person.id, built(person), began)


def summary_of(person_id: int, plan: rules.Plan, began: datetime) -> dict[str, Any]:
    """A plan reduced to what a release adds up: its ``plan_summaries`` row, stamped with
    ``began`` (a time read before anything the plan is made of was)."""
    return {"person_id": person_id,
            "minutes": sum(line.item.minutes for line in plan.active),
            "fee_cents": sum(line.item.fee_cents for line in plan.active),
            "covered": len({line.competency for line in plan.active if line.aim is not None}),
            "uncovered": len(plan.uncovered),
            "computed_at": began}


def store_summaries(rows: list[dict[str, Any]]) -> None:
    """Insert or replace each row, unless the stored one was begun later.

    Two jobs for one person can run at once; the one begun later saw every
    change committed before it began, the earlier one perhaps not. Whichever
    writes last, the row ends as the later one computed it.
    """
    if not rows:
        return
    plain(_store_summaries(dialect_name()), rows)


@cache
def _store_summaries(dialect: str) -> Any:
    """The upsert of :func:`store_summaries`, built once per database dialect: every sync
    that moves a plan runs it."""
    statement = dialect_insert(PlanSummary, dialect)
    return statement.on_conflict_do_update(
        index_elements=["person_id"],
        set_={c: statement.excluded[c] for c in
              ("minutes", "fee_cents", "covered", "uncovered", "computed_at")},
        where=PlanSummary.__table__.c.computed_at <= statement.excluded.computed_at)


def summarise(person: Person) -> PlanSummary:
    """Compute the person's plan again and keep its size in ``plan_summaries``.

    Runs as the job ``plans.summarise`` after anything the plan is made of
    changed; returns the row as stored (a job begun later may have written it).
    The caller commits.
    """
    _after_their_syncs([person.id])
    store_summaries([_summary_row(person)])
    found: PlanSummary = db.session.scalars(
        select(PlanSummary).where(PlanSummary.person_id == person.id)
        .execution_options(populate_existing=True)).one()
    return found


def summarise_people(person_ids: Iterable[int]) -> int:
    """Summarise these people's plans (those still in the database); returns how many.

    Reads and writes :data:`SUMMARY_BATCH` people at a time. The caller commits.
    """
    ids = sorted(set(person_ids))
    count = 0
    for start in range(0, len(ids), SUMMARY_BATCH):
        chunk = ids[start:start + SUMMARY_BATCH]
        _after_their_syncs(chunk)
        people = db.session.scalars(select(Person).where(Person.id.in_(chunk))
                                    .order_by(Person.id)).all()
        store_summaries([_summary_row(p) for p in people])
        count += len(people)
    return count


def _after_their_syncs(person_ids: list[int]) -> None:
    """Wait for any sync of these people to commit, and hold off new ones until this
    transaction ends, before their plans are read and stamped.

    A sync that moves a level summarises the plan in its own transaction, stamped before
    it reads (``pwa.store.gaps.refresh``). A job begun after that stamp but reading
    before that sync commits would read the plan as it was, and its later stamp would
    win: an older row that nothing corrects. The sync holds the learner's row from
    before it reads until it commits (``take_turns``), so here the rows are locked
    first: what is read then includes every sync of them, and the stamp, read after
    it, is later than the stamp of any of them. PostgreSQL: ``FOR SHARE``, in order of
    id (it blocks a sync's UPDATE of the row, not another job nor an insert that refers
    to the person; a sync that moves a colleague's counter while this waits for it is a
    deadlock PostgreSQL ends, and the phone or the job tries again). SQLite: a write as
    the first statement takes the one write lock, which a sync holds until it commits.
    """
    if dialect_name() == "postgresql":
        db.session.execute(select(Person.id).where(Person.id.in_(person_ids))
                           .order_by(Person.id).with_for_update(read=True))
    else:
        db.session.execute(delete(PlanSummary).where(false()))


def summarise_organisation(organisation_id: int) -> int:
    """Summarise the plan of everyone in the organisation; returns how many.

    After a catalogue item or a profile changed, any plan may have: each is
    computed again. Commits after every :data:`SUMMARY_BATCH` people, so a
    large organisation holds no long transaction, and a learner's own summary
    job never waits for the whole of it to write their row. Call it from a
    job or a command, with nothing else uncommitted.
    """
    ids = list(db.session.scalars(select(Person.id).where(
        Person.organisation_id == organisation_id).order_by(Person.id)))
    count = 0
    for start in range(0, len(ids), SUMMARY_BATCH):
        count += summarise_people(ids[start:start + SUMMARY_BATCH])
        db.session.commit()
    return count


# Checking the plan's events --------------------------------------------------------------

def _keys(batch: Batch, person: Person) -> dict[str, tuple[int, ...]]:
    """The person's competency keys, read once per batch."""
    found = batch.competency_keys.get(person.id)
    if found is None:
        found = batch.competency_keys[person.id] = competencies(person)
    return found


def _competency(batch: Batch, person: Person, key: str, *, yours: bool = True
                ) -> tuple[int, ...]:
    found = _keys(batch, person).get(key)
    if found is None:
        if yours:
            raise sync_rules.Refused("unknown_competency", N_(
                "'%(competency)s' is not a competency of your role or your future role."),
                competency=key)
        raise sync_rules.Refused("unknown_competency", N_(
            "'%(competency)s' is not a competency of this colleague's role or future role."),
            competency=key)
    return found


def _catalogue_item(batch: Batch, ref: str, identities: tuple[int, ...], key: str) -> int:
    """The catalogue item ``c:<id>`` of the organisation, if it develops the competency."""
    item_id = int(ref[2:])
    item = db.session.get(Item, item_id) if item_id <= MAX_NUMBER else None
    if item is None or item.organisation_id != batch.person.organisation_id:
        raise sync_rules.Refused("unknown_item", N_("There is no item '%(item)s'."), item=ref)
    covers = db.session.scalar(
        select(ItemCompetency.competency_id).join(
            ItemRevision, ItemCompetency.item_revision_id == ItemRevision.id)
        .where(ItemRevision.item_id == item.id, ItemRevision.revision == item.current_revision,
               ItemCompetency.competency_id.in_(identities)).limit(1))
    if covers is None:
        raise sync_rules.Refused("wrong_competency", N_(
            "Item '%(item)s' does not develop '%(competency)s'."), item=ref, competency=key)
    return item_id


def check_changed(batch: Batch, event: sync_rules.Event[rules.ChangedData]) -> None:
    """``plan.item.changed``: the item must be one the learner can plan for that competency."""
    data, person = event.data, batch.person
    identities = _competency(batch, person, data.competency)
    ref = data.item
    if ref.startswith("c:"):
        _catalogue_item(batch, ref, identities, data.competency)
        return
    own_id = ref[4:]
    competency = batch.own_items.get(own_id) or db.session.scalar(
        select(OwnItem.competency).where(OwnItem.id == own_id, OwnItem.person_id == person.id))
    if competency is None:
        raise sync_rules.Refused("unknown_item", N_("There is no item '%(item)s' in your plan."),
                                 item=ref)
    if competency != data.competency:
        raise sync_rules.Refused("wrong_competency", N_(
            "Item '%(item)s' does not develop '%(competency)s'."), item=ref,
            competency=data.competency)


def check_goal(batch: Batch, event: sync_rules.Event[rules.GoalData]) -> None:
    """``plan.goal.added`` / ``removed``: a competency of the learner's role or future role."""
    _competency(batch, batch.person, event.data.competency)


def check_own_item(batch: Batch, event: sync_rules.Event[rules.OwnItemData]) -> None:
    """``plan.item.added``: for a competency of theirs, under an id not used before."""
    data, person = event.data, batch.person
    _competency(batch, person, data.competency)
    if data.id in batch.own_items or db.session.get(OwnItem, data.id) is not None:
        raise sync_rules.Refused("id_taken", N_("An item with this id was already added."))
    batch.own_items[data.id] = data.competency


def check_settings(batch: Batch, event: sync_rules.Event[rules.SettingsData]) -> None:
    """``plan.settings.changed``: the data rule judged it all."""


@dataclass(frozen=True)
class SuggestionRow:
    """What a checked suggestion will write besides its data: to whom, and which item."""

    person_id: int
    item_id: int | None


def check_suggestion_sent(batch: Batch,
                          event: sync_rules.Event[rules.SuggestionSentData]) -> SuggestionRow:
    """``plan.suggestion.sent``: to a colleague of the organisation, for a competency of theirs.

    Nothing in the answer depends on the colleague's ratings or plan.
    """
    data, me = event.data, batch.person
    if data.to == me.id:
        raise sync_rules.Refused("not_a_colleague", N_(
            "Suggestions are for colleagues; add an item of your own to your plan instead."))
    to = db.session.get(Person, data.to)
    if to is None or to.organisation_id != me.organisation_id:
        raise sync_rules.Refused("unknown_colleague", N_(
            "There is no colleague with this id in your organisation."))
    identities = _competency(batch, to, data.competency, yours=False)
    if data.id in batch.suggestions or db.session.get(PlanSuggestion, data.id) is not None:
        raise sync_rules.Refused("id_taken", N_("A suggestion with this id was already sent."))
    batch.suggestions.add(data.id)
    item_id = _catalogue_item(batch, data.item, identities, data.competency) \
        if data.item is not None else None
    return SuggestionRow(to.id, item_id)


def check_suggestion_answered(batch: Batch,
                              event: sync_rules.Event[rules.SuggestionAnsweredData]) -> None:
    """``plan.suggestion.answered``: a suggestion to this learner, answered once."""
    found = db.session.get(PlanSuggestion, event.data.id)
    if found is None or found.person_id != batch.person.id:
        raise sync_rules.Refused("unknown_suggestion", N_(
            "There is no such suggestion for you (it may have been withdrawn)."))
    if found.status not in ("pending", event.data.answer):
        raise sync_rules.Refused("already_answered", ANSWERED.get(found.status, N_(
            "You already answered this suggestion: it was %(answer)s.")), answer=found.status)


# Each answer as a whole sentence: a status word put in a sentence would stay English.
ANSWERED = {
    "accepted": N_("You already answered this suggestion: you accepted it."),
    "dismissed": N_("You already answered this suggestion: you dismissed it."),
}


# Applying them, in bulk; the last to happen wins -----------------------------------------

def _latest_wins(model: Any, rows: list[dict[str, Any]], keys: list[str],
                 columns: Iterable[str], *, ties: bool = True) -> None:
    """Insert or update each row, unless what is stored happened later (or, when ``ties``
    is False, at the same instant: a type applied before the one that wrote it)."""
    unique = list({tuple(r[k] for k in keys): r for r in rows}.values())  # rows come in time order
    if not unique:
        return
    statement = dialect_insert(model)
    stored, new = model.__table__.c.occurred_at, statement.excluded.occurred_at
    statement = statement.on_conflict_do_update(
        index_elements=keys, set_={c: statement.excluded[c] for c in columns},
        where=stored <= new if ties else stored < new)
    db.session.execute(statement, unique)


def _choice_rows(person: Person,
                 planned: list[tuple[sync_rules.Event[rules.ChangedData], None]]
                 ) -> list[dict[str, Any]]:
    return [{"person_id": person.id, "item": e.data.item, "competency": e.data.competency,
             "state": RESTORED if e.data.state == "restored" else e.data.state,
             "position": e.data.position, "origin": None, "suggestion_id": None,
             "occurred_at": e.occurred_at} for e, _ in planned]


def apply_changed(person: Person,
                  planned: list[tuple[sync_rules.Event[rules.ChangedData], None]]) -> None:
    """Each item's latest change wins; at one instant, the change with the higher id.

    A change at the same instant as the stored choice (the phone's clock counts in
    seconds; another phone's change synced first) is judged against the changes at that
    instant in the event log, so whichever arrives first, the choice is the one applying
    them in order gives. The other types that write a choice (own items, accepted
    suggestions) come before changes at one instant: a change at the same instant wins.
    """
    _latest_wins(PlanChoice, _at_ties(person, _choice_rows(person, planned)),
                 ["person_id", "item", "competency"], ["state", "position", "occurred_at"])


def _at_ties(person: Person, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` (in time order) with the last for each item that ties with the stored choice
    replaced by the change at that instant applied last."""
    won = _applied_last(person, PlanChoice, ["item", "competency"], rows,
                        ("plan.item.changed",))
    return rows + [dict(row, state=RESTORED if data["state"] == "restored" else data["state"],
                        position=data["position"]) for row, (_, data) in won]


def _applied_last(person: Person, model: Any, keys: list[str], rows: list[dict[str, Any]],
                  types: tuple[str, ...]) -> list[tuple[dict[str, Any], tuple[str, Any]]]:
    """For each key whose last row in ``rows`` happened at the same instant as the stored
    row: that row and the event of ``types`` at that instant applied last (the later type
    in ``types``, then the higher id), read from the event log, which holds this batch's
    events too. At one instant the order of arrival then decides nothing."""
    last = {tuple(r[k] for k in keys): r for r in rows}
    columns = [getattr(model, k) for k in keys]
    which = tuple_(*columns).in_(list(last)) if len(columns) > 1 else \
        columns[0].in_([key[0] for key in last])
    stored = db.session.execute(
        select(*columns, model.occurred_at).where(model.person_id == person.id, which))
    tied = {tuple(key): at for *key, at in stored if last[tuple(key)]["occurred_at"] == at}
    if not tied:
        return []
    rank = {t: n for n, t in enumerate(types)}
    winners: dict[tuple[Any, ...], tuple[tuple[int, str], str, Any]] = {}
    for event_id, type_, at, data in db.session.execute(
            select(Event.id, Event.type, Event.occurred_at, Event.data)
            .where(Event.person_id == person.id, Event.type.in_(types),
                   Event.occurred_at.in_(set(tied.values())))):
        key = tuple(data[k] for k in keys)
        order = (rank[type_], event_id)
        if tied.get(key) == at and (key not in winners or order > winners[key][0]):
            winners[key] = (order, type_, data)
    return [(last[key], (type_, data)) for key, (_, type_, data) in winners.items()]


Goals = list[tuple[sync_rules.Event[rules.GoalData], None]]


def apply_goals_added(person: Person, planned: Goals) -> None:
    _apply_goals(person, planned, wanted=True)


def apply_goals_removed(person: Person, planned: Goals) -> None:
    _apply_goals(person, planned, wanted=False)


def _apply_goals(person: Person, planned: Goals, *, wanted: bool) -> None:
    """The latest goal event of each competency wins; at one instant a removal comes after
    an addition (the registry's order), then the higher id, whichever arrived first."""
    rows = [{"person_id": person.id, "competency": e.data.competency, "wanted": wanted,
             "occurred_at": e.occurred_at} for e, _ in planned]
    won = _applied_last(person, PlanGoal, ["competency"], rows,
                        ("plan.goal.added", "plan.goal.removed"))
    rows += [dict(row, wanted=type_ == "plan.goal.added") for row, (type_, _) in won]
    _latest_wins(PlanGoal, rows,
                 ["person_id", "competency"], ["wanted", "occurred_at"])


def apply_own_items(person: Person,
                    planned: list[tuple[sync_rules.Event[rules.OwnItemData], None]]) -> None:
    rows = [{"id": e.data.id, "person_id": person.id, "competency": e.data.competency,
             "title": e.data.title, "format": e.data.format, "minutes": e.data.minutes,
             "url": e.data.url, "suggestion_id": None, "created_at": e.occurred_at}
            for e, _ in planned]
    db.session.execute(dialect_insert(OwnItem).on_conflict_do_nothing(index_elements=["id"]),
                       rows)
    _latest_wins(PlanChoice, [
        {"person_id": person.id, "item": f"own:{e.data.id}",
         "competency": e.data.competency, "state": rules.State.ACCEPTED.value,
         "position": None, "origin": "own", "suggestion_id": None,
         "occurred_at": e.occurred_at} for e, _ in planned],
        ["person_id", "item", "competency"], ["state", "origin", "occurred_at"], ties=False)


def apply_settings(person: Person,
                   planned: list[tuple[sync_rules.Event[rules.SettingsData], None]]) -> None:
    """The settings the learner's changes give, applied in the order they were made.

    Each change sets the weekly minutes and formats; one that does not say whether mentors
    may be suggested, in which languages the learner can learn, or their practice minutes
    and weekly goal (older phones send none of them) keeps what the changes before it left.
    An empty list of languages takes them back: stored as not said (NULL).

    Changes later than the stored settings are folded onto them. One that is not (made
    offline on Monday, synced after Tuesday's from another phone; or at the same instant,
    which the event ids order) replays the person's changes from the event log, so the
    result is what applying them in order would have given. Two syncs of one learner take
    turns (``take_turns``, before any event is applied), so neither folds onto settings the
    other is changing.
    """
    stored = db.session.get(PlanSettings, person.id)
    changes = sorted(((e.occurred_at, e.id, e.data.to_dict()) for e, _ in planned),
                     key=lambda c: (c[0], c[1]))
    current: dict[str, Any] = {"mentor_suggestions": True, "languages": None,
                               "daily_minutes": None, "weekly_goal": None}
    if stored is not None and changes[0][0] > stored.occurred_at:
        current = {c: getattr(stored, c) for c in current}
    elif stored is not None:  # late: the whole history, in the order it happened
        changes = [(e.occurred_at, e.id, e.data) for e in db.session.scalars(
            select(Event).where(Event.person_id == person.id,
                                Event.type == "plan.settings.changed")
            .order_by(Event.occurred_at, Event.id))]
    for _, _, data in changes:
        current["weekly_minutes"], current["formats"] = data["weekly_minutes"], data["formats"]
        for optional in ("mentor_suggestions", "daily_minutes", "weekly_goal"):
            if data.get(optional) is not None:
                current[optional] = data[optional]
        if data.get("languages") is not None:
            current["languages"] = list(data["languages"]) or None
    columns = ["weekly_minutes", "formats", "mentor_suggestions", "languages", "daily_minutes",
               "weekly_goal", "occurred_at"]
    statement = dialect_insert(PlanSettings)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["person_id"], set_={c: statement.excluded[c] for c in columns}),
        [{"person_id": person.id, **current, "occurred_at": changes[-1][0]}])


def apply_suggestions_sent(
        person: Person,
        planned: list[tuple[sync_rules.Event[rules.SuggestionSentData], SuggestionRow]]) -> None:
    db.session.execute(dialect_insert(PlanSuggestion).on_conflict_do_nothing(
        index_elements=["id"]), [
        {"id": e.data.id, "person_id": row.person_id, "from_person_id": person.id,
         "from_name": person.display_name, "competency": e.data.competency,
         "item_id": row.item_id, "own": None if e.data.own is None else e.data.own.to_dict(),
         "message": e.data.message, "status": "pending", "sent_at": e.occurred_at,
         "answered_at": None}
        for e, row in planned])
    bundles.people(row.person_id for _, row in planned)  # it waits in their plan


def apply_suggestions_answered(
        person: Person,
        planned: list[tuple[sync_rules.Event[rules.SuggestionAnsweredData], None]]) -> None:
    """Answer each suggestion once; an accepted one joins the plan as the learner's choice."""
    for e, _ in planned:
        answered = db.session.execute(
            update(PlanSuggestion)
            .where(PlanSuggestion.id == e.data.id, PlanSuggestion.person_id == person.id,
                   PlanSuggestion.status == "pending")
            .values(status=e.data.answer, answered_at=e.occurred_at)
            .returning(PlanSuggestion.item_id, PlanSuggestion.own,
                       PlanSuggestion.competency)).first()
        if answered is None or e.data.answer != "accepted":
            continue  # already answered the same way: nothing more to do
        item_id, own, competency = answered
        ref = f"c:{item_id}"
        if item_id is None:
            own_id = str(uuid.uuid4())
            db.session.execute(dialect_insert(OwnItem), [{
                "id": own_id, "person_id": person.id, "competency": competency,
                "title": own["title"], "format": own["format"], "minutes": own["minutes"],
                "url": own.get("url"), "suggestion_id": e.data.id,
                "created_at": e.occurred_at}])
            ref = f"own:{own_id}"
        _latest_wins(PlanChoice, [
            {"person_id": person.id, "item": ref, "competency": competency,
             "state": rules.State.ACCEPTED.value, "position": None, "origin": "suggestion",
             "suggestion_id": e.data.id, "occurred_at": e.occurred_at}],
            ["person_id", "item", "competency"],
            ["state", "position", "origin", "suggestion_id", "occurred_at"], ties=False)


# The learner's data, exported and forgotten ----------------------------------------------

def export_settings(person: Person) -> dict[str, Any] | None:
    s = db.session.get(PlanSettings, person.id)
    return None if s is None else {"weekly_minutes": s.weekly_minutes, "formats": s.formats,
                                   "mentor_suggestions": s.mentor_suggestions,
                                   "languages": s.languages,
                                   "daily_minutes": s.daily_minutes,
                                   "weekly_goal": s.weekly_goal,
                                   "changed_at": s.occurred_at.isoformat()}


def export_goals(person: Person) -> list[dict[str, Any]]:
    return [{"competency": g.competency, "wanted": g.wanted,
             "changed_at": g.occurred_at.isoformat()}
            for g in db.session.scalars(select(PlanGoal).where(PlanGoal.person_id == person.id)
                                        .order_by(PlanGoal.occurred_at, PlanGoal.id))]


def export_own_items(person: Person) -> list[dict[str, Any]]:
    return [{"id": o.id, "competency": o.competency, "title": o.title, "format": o.format,
             "minutes": o.minutes, "url": o.url, "suggestion": o.suggestion_id,
             "added_at": o.created_at.isoformat()}
            for o in db.session.scalars(select(OwnItem).where(OwnItem.person_id == person.id)
                                        .order_by(OwnItem.created_at, OwnItem.id))]


def export_choices(person: Person) -> list[dict[str, Any]]:
    return [{"item": c.item, "competency": c.competency, "state": c.state,
             "position": c.position, "origin": c.origin, "suggestion": c.suggestion_id,
             "changed_at": c.occurred_at.isoformat()}
            for c in db.session.scalars(select(PlanChoice).where(
                PlanChoice.person_id == person.id).order_by(PlanChoice.occurred_at,
                                                            PlanChoice.id))]


def export_suggestions(person: Person) -> dict[str, list[dict[str, Any]]]:
    """Suggestions the person received and those they sent (their words to a colleague)."""
    rows = db.session.scalars(select(PlanSuggestion).where(or_(
        PlanSuggestion.person_id == person.id, PlanSuggestion.from_person_id == person.id))
        .order_by(PlanSuggestion.sent_at, PlanSuggestion.id))
    out: dict[str, list[dict[str, Any]]] = {"received": [], "sent": []}
    for s in rows:
        entry = {"id": s.id, "competency": s.competency,
                 "item": f"c:{s.item_id}" if s.item_id else None, "own": s.own,
                 "message": s.message, "status": s.status, "sent_at": s.sent_at.isoformat(),
                 "answered_at": s.answered_at.isoformat() if s.answered_at else None}
        if s.person_id == person.id:
            out["received"].append({**entry, "from": s.from_name})
        if s.from_person_id == person.id:
            out["sent"].append({**entry, "to": s.person_id})
    return out


def forget_sent_suggestions(person: Person) -> None:
    """What the person suggested and is still pending is withdrawn; the rest loses their name."""
    db.session.execute(delete(PlanSuggestion).where(PlanSuggestion.from_person_id == person.id,
                                                    PlanSuggestion.status == "pending"))
    db.session.execute(update(PlanSuggestion).where(PlanSuggestion.from_person_id == person.id)
                       .values(from_name="", from_person_id=None))
