"""Loading and saving the organisation, its roles and people, and who authors which role."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from engine import costs as costs_rules
from engine import levels
from engine import people as people_rules
from engine import profiles as profile_rules
from engine import sync as sync_rules
from engine.errors import N_, InvalidInput, NotFound
from pwa.extensions import db
from pwa.models import Organisation, Person, Role, RoleAuthor
from pwa.store import role_words

if TYPE_CHECKING:  # the batch's module reads profiles, which read people
    from pwa.store.batch import Batch


def organisation(organisation_id: int) -> Organisation:
    """The organisation with this id (someone signed in belongs to it)."""
    found: Organisation | None = db.session.get(Organisation, organisation_id)
    if found is None:
        raise NotFound(N_("There is no organisation '%(slug)s'."), slug=str(organisation_id))
    return found


def the_organisation(slug: str | None = None) -> Organisation:
    """The organisation named by ``slug``, or the only one there is."""
    if slug:
        org: Organisation | None = db.session.scalar(
            select(Organisation).where(Organisation.slug == slug)
        )
        if org is None:
            raise NotFound(N_("There is no organisation '%(slug)s'."), slug=slug)
        return org
    orgs = db.session.scalars(select(Organisation).limit(2)).all()
    if not orgs:
        raise NotFound(N_("There is no organisation yet. Run `flask --app pwa seed-demo` first."))
    if len(orgs) > 1:
        raise InvalidInput(N_("There is more than one organisation: name one."))
    return orgs[0]


def costs(org: Organisation) -> costs_rules.Costs:
    """What an hour of a learner's time costs the organisation (None: not set), and its
    currency, which every item's fee is in too."""
    return costs_rules.Costs(org.hourly_cost_cents, org.currency)


def set_costs(org: Organisation, hourly_cost_cents: int | None,
              currency: str) -> costs_rules.Costs:
    """Check and keep the organisation's costs; fees keep their amounts in a new currency."""
    checked = costs_rules.check(hourly_cost_cents, currency)
    org.hourly_cost_cents, org.currency = checked.hourly_cost_cents, checked.currency
    return checked


def role_by_slug(org: Organisation, slug: str) -> Role:
    """A role of ``org`` by slug; the error lists the roles there are (for the CLI)."""
    role: Role | None = db.session.scalar(
        select(Role).where(Role.organisation_id == org.id, Role.slug == slug)
    )
    if role is None:
        known = ", ".join(r.slug for r in org.roles) or "none yet"
        raise NotFound(N_("There is no role '%(slug)s'. Roles: %(known)s."), {"field": "role"},
                       slug=slug, known=known)
    return role


def role_in_org(organisation_id: int, slug: str) -> Role:
    """A role of the organisation by slug, or NotFound (a 404 on pages and the API)."""
    role: Role | None = db.session.scalar(
        select(Role).where(Role.organisation_id == organisation_id, Role.slug == slug)
    )
    if role is None:
        raise NotFound(N_("There is no role '%(slug)s'."), slug=slug)
    return role


def ensure_person(
    org: Organisation,
    name: str,
    role: Role,
    *,
    ld_admin: bool = False,
    time_zone: str = "UTC",
    locale: str = "en",
    site: str | None = None,
) -> tuple[Person, bool]:
    """Find the person of this name in ``org`` or create them; True if created.

    An existing person keeps their role; asking for ``ld_admin`` grants it, and
    a ``site`` is given to an existing person who has none yet.
    """
    name = people_rules.clean_display_name(name)
    person = db.session.scalar(
        select(Person).where(Person.organisation_id == org.id, Person.display_name == name)
    )
    if person is not None:
        if person.role_id != role.id:
            raise InvalidInput(N_("%(name)s already exists with the role '%(role)s'."),
                               {"field": "role"}, name=name, role=person.role.slug)
        if ld_admin and not person.is_ld_admin:
            person.is_ld_admin = True
        if site and person.site is None:
            person.site = site
        return person, False
    person = Person(
        organisation_id=org.id,
        display_name=name,
        role_id=role.id,
        time_zone=people_rules.check_time_zone(time_zone),
        locale=people_rules.check_locale(locale),
        is_ld_admin=ld_admin,
        site=site,
        user_handle=secrets.token_bytes(32),
    )
    db.session.add(person)
    db.session.flush()
    return person, True


def nominate_author(person: Person, role: Role) -> None:
    """Make ``person`` an author of ``role``; only holders of the role qualify."""
    people_rules.require_can_be_nominated(person.role_id == role.id, role.name)
    if not any(a.role_id == role.id for a in person.authored_roles):
        person.authored_roles.append(RoleAuthor(role_id=role.id))


def withdraw_author(person: Person, role: Role) -> None:
    for authorship in list(person.authored_roles):
        if authorship.role_id == role.id:
            person.authored_roles.remove(authorship)


def facts(person: Person) -> people_rules.PersonFacts:
    """What decides ``person``'s permissions, for the engine to judge."""
    return people_rules.PersonFacts(
        is_ld_admin=person.is_ld_admin,
        authored_role_ids=frozenset(a.role_id for a in person.authored_roles),
    )


def is_author(person: Person, role: Role) -> bool:
    return people_rules.can_author(facts(person), role.id)


def require_author(person: Person, role: Role) -> None:
    people_rules.require_author(facts(person), role.id, role.name)


def authors(role: Role) -> list[Person]:
    """The nominated authors of ``role``'s profile, by name."""
    return list(db.session.scalars(
        select(Person).join(RoleAuthor, RoleAuthor.person_id == Person.id)
        .where(RoleAuthor.role_id == role.id).order_by(Person.display_name)
    ))


def holders(role: Role) -> list[Person]:
    """The people who hold ``role`` (who may be nominated to write its profile)."""
    return list(db.session.scalars(
        select(Person).where(Person.role_id == role.id).order_by(Person.display_name)))


def roles(organisation_id: int) -> list[Role]:
    return list(db.session.scalars(
        select(Role).where(Role.organisation_id == organisation_id).order_by(Role.name)))


def person_in_org(organisation_id: int, person_id: int) -> Person:
    """A person of the organisation by id, or NotFound."""
    person = db.session.get(Person, person_id)
    if person is None or person.organisation_id != organisation_id:
        raise NotFound(N_("There is no such person."))
    return person


def permissions(person: Person) -> frozenset[people_rules.Permission]:
    return people_rules.permissions(facts(person))


def person_permissions(person: Person) -> list[str]:
    return sorted(p.value for p in permissions(person))


def person_summary(person: Person) -> dict[str, Any]:
    """Who the person is, their roles named in their language (``pwa.store.role_words``)."""
    language = profile_rules.reading_language(person.locale)
    return summary(
        id=person.id, display_name=person.display_name,
        role=role_words.words(person.role, language).to_dict(person.role.slug),
        future_role=role_words.words(person.future_role, language).to_dict(
            person.future_role.slug) if person.future_role else None,
        site=person.site, time_zone=person.time_zone, locale=person.locale,
        facts=facts(person))


def summary(*, id: int, display_name: str, role: dict[str, Any],  # noqa: A002 (the key)
            future_role: dict[str, Any] | None, site: str | None, time_zone: str,
            locale: str, facts: people_rules.PersonFacts) -> dict[str, Any]:
    """``person_summary`` from plain values: roles as ``RoleWords.to_dict`` gives them. A
    sign-in reads them without loading a ``Person`` (``passkeys.for_sign_in``)."""
    return {
        "id": id,
        "display_name": display_name,
        "role": role,
        "future_role": future_role,
        "site": site,
        "time_zone": time_zone,
        "locale": locale,
        "permissions": sorted(p.value for p in people_rules.permissions(facts)),
    }


def bootstrap_part(person: Person, bundle: dict[str, Any]) -> dict[str, Any]:
    """Who the phone works for, and the shared scale and limits."""
    return {"person": person_summary(person), "limits": levels.limits()}


def export_person(person: Person) -> dict[str, Any]:
    return {**person_summary(person), "organisation": person.role.organisation.name,
            "external_id": person.external_id, "created_at": person.created_at.isoformat()}


def export_authorship(person: Person) -> list[dict[str, Any]]:
    return [{"slug": a.role.slug, "name": a.role.name, "nominated_at": a.nominated_at.isoformat()}
            for a in person.authored_roles]


MAX_COLLEAGUES = 20


def colleagues(person: Person, text: str) -> list[dict[str, Any]]:
    """Colleagues of ``person``'s organisation whose name holds ``text`` (never themselves).

    Only what a colleague may know to suggest something: the name and the role.
    """
    pattern = "%" + text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") \
        + "%"
    rows = db.session.execute(
        select(Person.id, Person.display_name, Role.id, Role.slug, Role.name)
        .join(Role, Person.role_id == Role.id)
        .where(Person.organisation_id == person.organisation_id, Person.id != person.id,
               Person.display_name.ilike(pattern, escape="\\"))
        .order_by(Person.display_name, Person.id).limit(MAX_COLLEAGUES)).all()
    shown = role_words.names({(role_id, role_name) for _, _, role_id, _, role_name in rows},
                             profile_rules.reading_language(person.locale))
    return [{"id": pid, "name": name, "role": shown[role_id].to_dict(slug)}
            for pid, name, role_id, slug, _ in rows]


# person.language.changed -------------------------------------------------------------------

def check_language(batch: Batch, event: sync_rules.Event[people_rules.LanguageData]) -> None:
    """``person.language.changed``: the data rule judged it all (any well-formed tag: a
    language without a catalogue is spoken in English, its dates and numbers its own)."""


def apply_language(person: Person,
                   planned: list[tuple[sync_rules.Event[people_rules.LanguageData], None]]
                   ) -> None:
    """The change that happened last wins, whatever order the phones' changes arrive in,
    unless the language was chosen later elsewhere (the account page) than it was made."""
    latest = planned[-1][0]  # in time order
    chosen_at = person.locale_set_at
    if chosen_at is None or latest.occurred_at >= chosen_at:
        person.locale, person.locale_set_at = latest.data.locale, latest.occurred_at
