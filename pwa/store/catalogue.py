"""Loading and storing catalogue items; each edit is a new immutable revision."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select

from engine import catalogue as rules
from engine import people as people_rules
from engine.errors import N_, InvalidInput, NotFound
from pwa.extensions import db
from pwa.models import (
    CompetencyIdentity,
    Item,
    ItemCompetency,
    ItemRevision,
    ItemTranslation,
    Person,
    Role,
)
from pwa.store import bundles, memo, stale


def _current_join() -> Any:
    return (select(ItemRevision).join(Item, ItemRevision.item_id == Item.id)
            .where(ItemRevision.revision == Item.current_revision))


MAX_SEARCH = 100


def search(organisation_id: int, *, competency: str | None = None, format: str | None = None,
           offline: bool | None = None, include_retired: bool = False, text: str | None = None,
           role: str | None = None) -> list[ItemRevision]:
    """Current revisions of the organisation's items, filtered and ordered by title.

    Every filter is a clause of one SQL query, so the database does the
    searching however large the catalogue grows. ``text`` matches words in the
    title or summary (case-insensitive), the original's or a translation's of the
    current revision (L&D may look for an item by its Spanish title); ``role`` (a role
    slug) keeps items that develop at least one competency of that role.
    """
    query = _current_join().where(Item.organisation_id == organisation_id)
    if text and text.strip():
        if len(text) > MAX_SEARCH:
            raise InvalidInput(N_("Search for at most %(limit)s characters."), {"field": "q"},
                               limit=MAX_SEARCH)
        pattern = "%" + _escape_like(text.strip()) + "%"
        query = query.where(or_(
            ItemRevision.title.ilike(pattern, escape="\\"),
            ItemRevision.summary.ilike(pattern, escape="\\"),
            select(ItemTranslation.id).where(
                ItemTranslation.item_revision_id == ItemRevision.id,
                or_(ItemTranslation.title.ilike(pattern, escape="\\"),
                    ItemTranslation.summary.ilike(pattern, escape="\\"))).exists()))
    if role:
        role_id = db.session.scalar(select(Role.id).where(Role.organisation_id == organisation_id,
                                                           Role.slug == role))
        if role_id is None:
            raise InvalidInput(N_("There is no role '%(slug)s'."), {"field": "role"}, slug=role)
        query = query.where(ItemRevision.competencies.any(CompetencyIdentity.role_id == role_id))
    if not include_retired:
        query = query.where(Item.retired_at.is_(None))
    if format:
        if format not in {f.value for f in rules.Format}:
            raise InvalidInput(N_("'%(format)s' is not a format."), {"field": "format"},
                               format=format)
        query = query.where(ItemRevision.format == format)
    if offline is not None:
        query = query.where(ItemRevision.offline.is_(offline))
    if competency:
        identity = competency_by_ref(organisation_id, competency)
        query = query.where(ItemRevision.competencies.any(CompetencyIdentity.id == identity.id))
    return list(db.session.scalars(query.order_by(ItemRevision.title)))


def _escape_like(text: str) -> str:
    """Search words literally: % and _ typed by a person are not wildcards."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def competency_by_ref(organisation_id: int, ref: str) -> CompetencyIdentity:
    """``role-slug/competency-key`` to the competency, within the organisation."""
    role_slug, _, key = ref.partition("/")
    found: CompetencyIdentity | None = db.session.scalar(
        select(CompetencyIdentity).join(Role, CompetencyIdentity.role_id == Role.id)
        .where(Role.organisation_id == organisation_id, Role.slug == role_slug,
               CompetencyIdentity.key == key)
    )
    if found is None:
        raise InvalidInput(N_("There is no competency '%(ref)s' (write it as role/competency)."),
                           {"field": "competency"}, ref=ref)
    return found


def item_by_key(organisation_id: int, key: str) -> Item:
    item: Item | None = db.session.scalar(
        select(Item).where(Item.organisation_id == organisation_id, Item.key == key))
    if item is None:
        raise NotFound(N_("There is no item '%(key)s'."), key=key)
    return item


def revision(organisation_id: int, key: str, number: int | None) -> ItemRevision:
    item = item_by_key(organisation_id, key)
    wanted = item.current_revision if number is None else number
    found = next((r for r in item.revisions if r.revision == wanted), None)
    if found is None:
        raise NotFound(N_("Item '%(key)s' has no revision %(number)s."), key=key, number=wanted)
    return found


def reader_content(organisation_id: int, key: str, number: int | None,
                   language: str | None) -> tuple[dict[str, Any], int]:
    """An item revision's content (the current one without ``number``) as a reader of
    ``language`` is shown it (:func:`for_reader`; the original's without a language), and
    its translation's version (0: none)."""
    found = revision(organisation_id, key, number)
    body = item_dict(found, full=True)
    if language is None:
        return body, 0
    translated = translations([found.id], language).get(found.id)
    return for_reader(body, language, translated), translated.version if translated else 0


def ref(identity: CompetencyIdentity) -> str:
    return f"{identity.role.slug}/{identity.key}"


def item_dict(r: ItemRevision, *, full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": r.item_id, "key": r.item.key, "revision": r.revision, "title": r.title,
        "format": r.format,
        "summary": r.summary, "duration_minutes": r.duration_minutes, "language": r.language,
        "level_from": r.level_from, "level_to": r.level_to, "offline": r.offline, "url": r.url,
        "fee_cents": r.fee_cents,
        "competencies": [ref(c) for c in r.competencies],
        "retired": r.item.retired_at is not None if not full else None,
        "cards": len(r.cards), "questions": len(r.questions),
    }
    if full:
        out.pop("retired")
        out["cards"] = r.cards
        out["questions"] = r.questions
    return out


def content_from(data: dict[str, Any]) -> rules.ItemContent:
    """Engine view of submitted item fields (from a form or a seed file); no fee is 0."""
    return rules.ItemContent(
        title=" ".join(str(data.get("title", "")).split()),
        format=str(data.get("format", "")),
        duration_minutes=data.get("duration_minutes"),  # type: ignore[arg-type]
        language=str(data.get("language", "en")),
        level_from=data.get("level_from"),  # type: ignore[arg-type]
        level_to=data.get("level_to"),  # type: ignore[arg-type]
        competency_keys=tuple(data.get("competencies", [])),
        offline=bool(data.get("offline", False)),
        url=data.get("url") or None,
        summary=str(data.get("summary", "")).strip(),
        cards=rules.cards_from(data.get("cards", [])),
        questions=rules.questions_from(data.get("questions", [])),
        fee_cents=0 if data.get("fee_cents") is None else data["fee_cents"],
    )


def save(organisation_id: int, data: dict[str, Any], *, item: Item | None = None,
         key: str | None = None, by: Person | None, now: datetime) -> ItemRevision:
    """Create an item (no ``item``; ``key`` or one made from the title) or revise one.

    Every save is a new revision: what a phone cached under an older revision
    stays true to its address.
    """
    content = content_from(data)
    rules.validate(content)
    people_rules.check_locale(content.language)
    identities = [competency_by_ref(organisation_id, c) for c in content.competency_keys]
    before = None
    if item is None:
        item = Item(organisation_id=organisation_id,
                    key=key or _new_key(organisation_id, content.title),
                    current_revision=0, created_at=now)
        db.session.add(item)
    else:
        before = next((r for r in item.revisions if r.revision == item.current_revision), None)
    item.current_revision += 1
    revision_row = ItemRevision(
        item=item, revision=item.current_revision, title=content.title, format=content.format,
        summary=content.summary, duration_minutes=content.duration_minutes,
        language=content.language, level_from=content.level_from, level_to=content.level_to,
        offline=content.offline, url=content.url, fee_cents=content.fee_cents,
        cards=[c.to_dict() for c in content.cards],
        questions=[q.to_dict() for q in content.questions],
        created_at=now, created_by_id=by.id if by else None,
    )
    revision_row.competencies = identities
    db.session.add(revision_row)
    db.session.flush()
    if before is not None:
        _carry_translations(before, revision_row)
    stale.organisation(organisation_id)  # any plan there may want it, or hold it
    return revision_row


def programme(role: Role) -> tuple[int, int]:
    """Minutes and fees of one programme for all: every active item mapped to the role's
    competencies, each current revision once however many of them it develops."""
    current = and_(ItemRevision.item_id == Item.id, ItemRevision.revision == Item.current_revision)
    mapped = (select(ItemCompetency.item_revision_id)
              .join(CompetencyIdentity, CompetencyIdentity.id == ItemCompetency.competency_id)
              .where(CompetencyIdentity.role_id == role.id))
    minutes, fees = db.session.execute(
        select(func.coalesce(func.sum(ItemRevision.duration_minutes), 0),
               func.coalesce(func.sum(ItemRevision.fee_cents), 0))
        .select_from(Item).join(ItemRevision, current)
        .where(Item.retired_at.is_(None), ItemRevision.id.in_(mapped))).one()
    return int(minutes or 0), int(fees or 0)


def programme_fees_cents(role: Role) -> int:
    """Fees of one programme for all (:func:`programme`)."""
    return programme(role)[1]


def retire(item: Item, now: datetime) -> None:
    """Take an item out of the catalogue; history and existing plans keep it, marked."""
    if item.retired_at is None:
        item.retired_at = now
        stale.organisation(item.organisation_id)


def restore(item: Item) -> None:
    if item.retired_at is not None:
        item.retired_at = None
        stale.organisation(item.organisation_id)


def _new_key(organisation_id: int, title: str) -> str:
    from engine.profiles import make_key

    taken = db.session.scalars(select(Item.key).where(Item.organisation_id == organisation_id))
    return make_key(title, taken)


def bootstrap_part(person: Person, bundle: dict[str, Any]) -> dict[str, Any]:
    """Offline items for the competencies of the learner's profiles, to cache on the phone,
    at the addresses of their content in the learner's language (:func:`content_url`).

    One query through the item-competency index: the rest of the catalogue, however
    large, costs nothing here. The same for everyone of these roles and language: read
    once per version of what the organisation shares (``pwa.store.memo.shared``).
    """
    roles = tuple((role.id, tuple(c["key"] for c in bundle.get("profiles", {}).get(
        role.slug, {}).get("competencies", [])))
        for role in (person.role, person.future_role) if role is not None)
    if not roles:
        return {"content": {"items": []}}
    language = rules.language_of(person.locale)
    return {"content": {"items": list(memo.shared(
        person.organisation, ("offline", roles, language),
        lambda: _offline(person.organisation_id, roles, language)))}}


def _offline(organisation_id: int, roles: tuple[tuple[int, tuple[str, ...]], ...],
             language: str) -> tuple[str, ...]:
    wanted = [and_(CompetencyIdentity.role_id == role_id, CompetencyIdentity.key.in_(keys))
              for role_id, keys in roles]
    rows = db.session.execute(
        select(Item.key, ItemRevision.revision, ItemRevision.language, ItemTranslation.version)
        .distinct()
        .join(ItemRevision, and_(ItemRevision.item_id == Item.id,
                                 ItemRevision.revision == Item.current_revision))
        .join(ItemCompetency, ItemCompetency.item_revision_id == ItemRevision.id)
        .join(CompetencyIdentity, CompetencyIdentity.id == ItemCompetency.competency_id)
        .outerjoin(ItemTranslation, translated_in(language))
        .where(Item.organisation_id == organisation_id, Item.retired_at.is_(None),
               ItemRevision.offline.is_(True), or_(*wanted))
        .order_by(Item.key)).all()
    return tuple(reader_url(key, revision, item_language, language, version)
                 for key, revision, item_language, version in rows)


# Translations ------------------------------------------------------------------------------
#
# A translation belongs to one revision and one language; it is never a revision itself, so
# what practice keys on (the item, its revision, a question's place) stays as it was: see
# docs/translating.md.

def original_parts(r: ItemRevision) -> dict[str, Any]:
    """The parts of revision ``r`` to translate, with their original words."""
    return rules.original_parts(r.title, r.summary, r.cards, r.questions)


def translation_of(r: ItemRevision, language: str) -> ItemTranslation | None:
    found: ItemTranslation | None = db.session.scalar(
        select(ItemTranslation).where(ItemTranslation.item_revision_id == r.id,
                                      ItemTranslation.locale == language))
    return found


def translated_parts(t: ItemTranslation | None) -> dict[str, Any]:
    """The translation's words by part, only the parts it has words for."""
    if t is None:
        return {}
    parts: dict[str, Any] = {}
    if t.title:
        parts["title"] = t.title
    if t.summary:
        parts["summary"] = t.summary
    for n, text in enumerate(t.cards or []):
        if text:
            parts[f"cards.{n}"] = text
    for n, q in enumerate(t.questions or []):
        if q:
            parts[f"questions.{n}"] = q
    return parts


def _cleaned(parts: dict[str, Any]) -> dict[str, Any]:
    """Words typed in a form, trimmed; an empty part is no translation of it."""
    out: dict[str, Any] = {}
    for part, words in parts.items():
        if isinstance(words, dict):
            q = {"prompt": " ".join(str(words.get("prompt", "")).split()),
                 "options": [" ".join(str(o).split()) for o in words.get("options") or []],
                 "explanation": str(words.get("explanation", "")).strip()}
            if not any(q["options"]):
                q["options"] = []
            if q["prompt"] or q["options"] or q["explanation"]:
                out[part] = q
        elif str(words).strip():
            out[part] = " ".join(str(words).split()) if part == "title" else str(words).strip()
    return out


def save_translation(r: ItemRevision, language: str, parts: dict[str, Any], *,
                     confirmed: Iterable[str] = (), by: Person | None,
                     now: datetime) -> ItemTranslation:
    """Store L&D's words for revision ``r`` in ``language``, part by part (empty: none).

    Each part remembers the original words it was made from: those of ``r`` for a part
    whose words are new or changed. A part that was out of date and comes back with the
    same words stays out of date, unless it is in ``confirmed`` (L&D read the new
    original and found the translation still right). Not a new revision: learners'
    practice is untouched; the organisation's bundles move, so phones fetch the words.
    """
    language = rules.language_of(people_rules.check_locale(language))
    if language == rules.language_of(r.language):
        raise InvalidInput(N_("This item is written in that language already."),
                           {"field": "locale"})
    original = original_parts(r)
    words = _cleaned(parts)
    rules.translation_problems(original, words)
    existing = translation_of(r, language)
    before = translated_parts(existing)
    old_source: dict[str, Any] = dict(existing.source) if existing else {}
    status = rules.translation_status(original, before, old_source)
    keep_old = {part for part, state in status.items() if state == rules.OUTDATED
                and before.get(part) == words.get(part) and part not in set(confirmed)}
    source = {part: old_source.get(part) if part in keep_old else original[part]
              for part in words}
    if existing is None:
        existing = ItemTranslation(item_revision_id=r.id, locale=language, version=0)
        db.session.add(existing)
    existing.title = words.get("title", "")
    existing.summary = words.get("summary", "")
    existing.cards = [words.get(f"cards.{n}", "") for n in range(len(r.cards))]
    existing.questions = [words.get(f"questions.{n}", {}) for n in range(len(r.questions))]
    existing.source = source
    existing.made_from_revision = r.revision
    existing.version += 1
    existing.updated_at, existing.updated_by_id = now, by.id if by else None
    db.session.flush()
    bundles.organisation(r.item.organisation_id)  # learners' content and its addresses move
    return existing


def _carry_translations(old: ItemRevision, new: ItemRevision) -> None:
    """A new revision keeps the translations of the one before, with the originals they
    were made from: what the revision changed shows as out of date, never as current."""
    for t in db.session.scalars(select(ItemTranslation)
                                .where(ItemTranslation.item_revision_id == old.id)):
        db.session.add(ItemTranslation(
            item_revision_id=new.id, locale=t.locale, title=t.title, summary=t.summary,
            cards=list(t.cards), questions=list(t.questions), source=dict(t.source),
            made_from_revision=t.made_from_revision, version=t.version,
            updated_at=t.updated_at, updated_by_id=t.updated_by_id))


def translation_state(r: ItemRevision, language: str) -> dict[str, str]:
    """Each part of ``r``: missing, outdated or current in ``language``."""
    t = translation_of(r, language)
    return rules.translation_status(original_parts(r), translated_parts(t),
                                    dict(t.source) if t else {})


def translation_states(revisions: Iterable[ItemRevision], language: str,
                       ) -> dict[int, dict[str, int]]:
    """For each revision (by id): how many of its parts are missing, outdated, current."""
    rows = list(revisions)
    found = {t.item_revision_id: t for t in db.session.scalars(
        select(ItemTranslation).where(ItemTranslation.locale == language,
                                      ItemTranslation.item_revision_id.in_([r.id for r in rows])))}
    out: dict[int, dict[str, int]] = {}
    for r in rows:
        t = found.get(r.id)
        status = rules.translation_status(original_parts(r), translated_parts(t),
                                          dict(t.source) if t else {})
        out[r.id] = {state: sum(1 for s in status.values() if s == state)
                     for state in (rules.MISSING, rules.OUTDATED, rules.CURRENT)}
    return out


@dataclass(frozen=True)
class Translated:
    """A revision's translation as learners are shown it: what every member may read."""

    version: int
    parts: dict[str, Any]
    source: dict[str, Any]


def translated_in(language: str) -> Any:
    """The join of a revision (``ItemRevision``) to its translation into ``language``."""
    return and_(ItemTranslation.item_revision_id == ItemRevision.id,
                ItemTranslation.locale == language)


def translated(t: ItemTranslation | None) -> Translated | None:
    return Translated(t.version, translated_parts(t), dict(t.source)) if t else None


def translations(revision_ids: Iterable[int], language: str) -> dict[int, Translated]:
    """The translations into ``language`` of these revisions (by id), in one query."""
    ids = sorted(set(revision_ids))
    if not ids:
        return {}
    return {t.item_revision_id: Translated(t.version, translated_parts(t), dict(t.source))
            for t in db.session.scalars(
                select(ItemTranslation).where(ItemTranslation.locale == language,
                                              ItemTranslation.item_revision_id.in_(ids)))}


def for_reader(content: dict[str, Any], language: str,
               translated: Translated | None) -> dict[str, Any]:
    """``content`` (title, summary, cards, questions, ``language``: the original's) as a
    reader of ``language`` is shown it: each part translated where the translation is
    current, the original's words otherwise, and ``translation`` saying which are left
    in the original (None: the reader reads the original's language)."""
    if rules.language_of(content.get("language")) == language:
        return {**content, "translation": None}
    original = rules.original_parts(content.get("title", ""), content.get("summary", ""),
                                    content.get("cards", []), content.get("questions", []))
    parts = translated.parts if translated else {}
    status = rules.translation_status(original, parts, translated.source if translated else {})
    shown, left = rules.shown_in(content, parts, status)
    return {**shown, "translation": {"language": language,
                                     "version": translated.version if translated else 0,
                                     "original": left}}


def reader_url(key: str, revision: int, item_language: str, language: str,
               version: int | None) -> str:
    """The address of an item revision's content for a reader of ``language``, with its
    translation's ``version`` (None: none yet) where the reader's language is not the
    item's: it changes when the translation does, so a phone that keeps content forever
    by its address fetches the new words."""
    url = f"/api/v1/catalog/items/{key}?revision={revision}"
    if rules.language_of(item_language) == language:
        return url
    return f"{url}&lang={language}&translation={version or 0}"


def shown_titles(organisation: Any, item_ids: Iterable[int], language: str,
                 ) -> dict[int, dict[str, Any]]:
    """Each item's current revision as a plan line names it to a reader of ``language``:
    its ``title`` (translated where that part is current), ``title_lang`` (the original's
    language where the title is left in it, else None) and the ``content`` address
    (:func:`reader_url`); by item id, read once per version of what members share."""
    return memo.shared_each(organisation, f"titles.{language}", set(item_ids),
                            lambda ids: _read_titles(ids, language))


def _read_titles(ids: set[int], language: str) -> dict[int, dict[str, Any]]:
    rows = db.session.execute(
        select(ItemRevision.item_id, Item.key, ItemRevision.revision, ItemRevision.title,
               ItemRevision.language, ItemTranslation)
        .join(Item, and_(Item.id == ItemRevision.item_id,
                         ItemRevision.revision == Item.current_revision))
        .outerjoin(ItemTranslation, translated_in(language))
        .where(Item.id.in_(ids))).all()
    out = {}
    for row in rows:
        found = translated(row.ItemTranslation)
        shown = for_reader({"title": row.title, "language": row.language}, language, found)
        left = shown["translation"] is not None and "title" in shown["translation"]["original"]
        out[row.item_id] = {
            "title": shown["title"], "title_lang": rules.language_of(row.language) if left
            else None,
            "content": reader_url(row.key, row.revision, row.language, language,
                                  found.version if found else None)}
    return out
