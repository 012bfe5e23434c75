"""Loading and storing catalogue items; each edit is a new immutable revision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select

from engine import catalogue as rules
from engine import people as people_rules
from engine.errors import N_, InvalidInput, NotFound
from pwa.extensions import db
from pwa.models import CompetencyIdentity, Item, ItemCompetency, ItemRevision, Person, Role
from pwa.store import memo, stale


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
    title or summary (case-insensitive); ``role`` (a role slug) keeps items that
    develop at least one competency of that role.
    """
    query = _current_join().where(Item.organisation_id == organisation_id)
    if text and text.strip():
        if len(text) > MAX_SEARCH:
            raise InvalidInput(N_("Search for at most %(limit)s characters."), {"field": "q"},
                               limit=MAX_SEARCH)
        pattern = "%" + _escape_like(text.strip()) + "%"
        query = query.where(or_(ItemRevision.title.ilike(pattern, escape="\\"),
                                ItemRevision.summary.ilike(pattern, escape="\\")))
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
    if item is None:
        item = Item(organisation_id=organisation_id,
                    key=key or _new_key(organisation_id, content.title),
                    current_revision=0, created_at=now)
        db.session.add(item)
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
    """Offline items for the competencies of the learner's profiles, to cache on the phone.

    One query through the item-competency index: the rest of the catalogue, however
    large, costs nothing here. The same for everyone of these roles: read once per
    version of what the organisation shares (``pwa.store.memo.shared``).
    """
    roles = tuple((role.id, tuple(c["key"] for c in bundle.get("profiles", {}).get(
        role.slug, {}).get("competencies", [])))
        for role in (person.role, person.future_role) if role is not None)
    if not roles:
        return {"content": {"items": []}}
    return {"content": {"items": list(memo.shared(
        person.organisation, ("offline", roles),
        lambda: _offline(person.organisation_id, roles)))}}


def _offline(organisation_id: int, roles: tuple[tuple[int, tuple[str, ...]], ...],
             ) -> tuple[str, ...]:
    wanted = [and_(CompetencyIdentity.role_id == role_id, CompetencyIdentity.key.in_(keys))
              for role_id, keys in roles]
    rows = db.session.execute(
        select(Item.key, ItemRevision.revision).distinct()
        .join(ItemRevision, and_(ItemRevision.item_id == Item.id,
                                 ItemRevision.revision == Item.current_revision))
        .join(ItemCompetency, ItemCompetency.item_revision_id == ItemRevision.id)
        .join(CompetencyIdentity, CompetencyIdentity.id == ItemCompetency.competency_id)
        .where(Item.organisation_id == organisation_id, Item.retired_at.is_(None),
               ItemRevision.offline.is_(True), or_(*wanted))
        .order_by(Item.key)).all()
    return tuple(f"/api/v1/catalog/items/{key}?revision={revision}" for key, revision in rows)
