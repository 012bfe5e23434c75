"""The demo organisation: four frontline roles, their people, authors and L&D.

The people the demo's story names (``PEOPLE``) are joined by made-up colleagues
(``colleagues``) up to each role's ``HEADCOUNT``: hundreds per role, as at a real
frontline employer, so the reports have numbers to show. Their self-assessments
(``assessments``), mentor offers (``mentors``) and weeks of daily practice
(``practice``) go through the sync, as a phone's would.

``seed`` is idempotent: it looks everything up by its natural key (slug or
name) and only adds what is missing, so ``make run`` can call it every time.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select

from engine.profiles import Competency
from pwa import clock
from pwa.demo import assessments, colleagues, practice
from pwa.extensions import db
from pwa.models import Item, Organisation, Person, Role
from pwa.store import catalogue, feedback, fitting, invites, people, releases, role_words
from pwa.store import profiles as store

ORGANISATION = ("northwind", "Northwind Retail & Care")
# What an hour of a learner's time costs Northwind, a UK retailer and care provider: the
# pay of an hour of frontline work, in pounds (minor units). Fees are in pounds too.
HOURLY_COST = (1250, "GBP")

ROLES = [
    (
        "store-associate",
        "Store associate",
        "Serves customers on the shop floor and at the tills, keeps shelves full "
        "and the store safe.",
    ),
    (
        "shift-lead",
        "Shift lead",
        "Runs the store for a shift: deploys the team, takes over complaints, looks after "
        "the cash office and rotas, and coaches store associates.",
    ),
    (
        "warehouse-picker",
        "Warehouse picker",
        "Picks, packs and checks customer orders in the distribution centre, "
        "on foot and with powered equipment.",
    ),
    (
        "home-care-assistant",
        "Home care assistant",
        "Visits older and disabled people at home to help with personal care, "
        "meals and medication, and notices when something is wrong.",
    ),
    (
        "learning-development",
        "Learning & development partner",
        "Runs the learning catalogue and nominates the authors of each role's Success Profile.",
    ),
]

# (name, role slug, time zone, locale)
PEOPLE = [
    ("Ana Ruiz", "store-associate", "Europe/Madrid", "es-ES"),
    ("Grace Okafor", "store-associate", "Europe/London", "en-GB"),
    ("Tomasz Nowak", "store-associate", "Europe/Warsaw", "pl-PL"),
    ("Mei Lin", "store-associate", "Europe/London", "en-GB"),
    ("Jamal Ibrahim", "store-associate", "Europe/London", "en-GB"),
    ("Sofia Rossi", "store-associate", "Europe/Rome", "it-IT"),
    ("Liam Murphy", "store-associate", "Europe/Dublin", "en-IE"),
    ("Fatima Zahra", "store-associate", "Europe/Paris", "fr-FR"),
    ("Daniel Costa", "store-associate", "Europe/Lisbon", "pt-PT"),
    ("Hannah Becker", "store-associate", "Europe/Berlin", "de-DE"),
    ("Carmen Vidal", "shift-lead", "Europe/Madrid", "es-ES"),
    ("David Clarke", "shift-lead", "Europe/London", "en-GB"),
    ("Niamh Byrne", "shift-lead", "Europe/Dublin", "en-IE"),
    ("Marcus Johnson", "warehouse-picker", "America/Chicago", "en-US"),
    ("Lucia Fernandez", "warehouse-picker", "America/Chicago", "es-MX"),
    ("Andrzej Kowalski", "warehouse-picker", "Europe/Warsaw", "pl-PL"),
    ("Priya Shah", "warehouse-picker", "Europe/London", "en-GB"),
    ("Kwame Mensah", "warehouse-picker", "Europe/London", "en-GB"),
    ("Elena Popescu", "warehouse-picker", "Europe/Bucharest", "ro-RO"),
    ("Tyrone Williams", "warehouse-picker", "America/New_York", "en-US"),
    ("Nguyen Van An", "warehouse-picker", "America/Los_Angeles", "vi-VN"),
    ("Olga Ivanova", "warehouse-picker", "Europe/Riga", "lv-LV"),
    ("Samuel Adeyemi", "warehouse-picker", "Europe/London", "en-GB"),
    ("Maria Santos", "home-care-assistant", "Europe/London", "pt-BR"),
    ("Joy Mwangi", "home-care-assistant", "Europe/London", "en-GB"),
    ("Patrick O'Brien", "home-care-assistant", "Europe/Dublin", "en-IE"),
    ("Aisha Khan", "home-care-assistant", "Europe/London", "en-GB"),
    ("Rosa Martinez", "home-care-assistant", "America/Denver", "es-US"),
    ("Bernadette Walsh", "home-care-assistant", "Europe/Dublin", "en-IE"),
    ("Yusuf Demir", "home-care-assistant", "Europe/Berlin", "tr-TR"),
    ("Chloe Dubois", "home-care-assistant", "Europe/Paris", "fr-FR"),
    ("Ingrid Larsen", "home-care-assistant", "Europe/Oslo", "nb-NO"),
    ("Emmanuel Boateng", "home-care-assistant", "Europe/London", "en-GB"),
]

LD_ADMIN = ("Priya Natarajan", "learning-development", "Europe/London", "en-GB")

# Where each person works: the named associates at two stores, a named shift lead per
# store, one distribution centre, two home care teams. Reports filter by it.
RIVERSIDE, HIGH_STREET, DOCKLANDS = "Riverside store", "High Street store", "Docklands store"
MIDLANDS, NORTHERN = "Midlands distribution centre", "Northern distribution centre"
NORTH_CARE, SOUTH_CARE = "North care team", "South care team"
SITES = {
    **dict.fromkeys(("Ana Ruiz", "Grace Okafor", "Tomasz Nowak", "Mei Lin", "Jamal Ibrahim",
                     "Carmen Vidal"), RIVERSIDE),
    **dict.fromkeys(("Sofia Rossi", "Liam Murphy", "Fatima Zahra", "Daniel Costa",
                     "Hannah Becker", "David Clarke"), HIGH_STREET),
    "Niamh Byrne": DOCKLANDS,
    **{name: MIDLANDS for name, role, *_ in PEOPLE if role == "warehouse-picker"},
    **dict.fromkeys(("Maria Santos", "Joy Mwangi", "Patrick O'Brien", "Aisha Khan",
                     "Rosa Martinez"), NORTH_CARE),
    **dict.fromkeys(("Bernadette Walsh", "Yusuf Demir", "Chloe Dubois", "Ingrid Larsen",
                     "Emmanuel Boateng"), SOUTH_CARE),
    LD_ADMIN[0]: "Head office",
}

SITES_ROLE = {name: role for name, role, *_ in PEOPLE}
# Store associates who want to become shift leads.
FUTURE_ROLES = {"Mei Lin": "shift-lead", "Jamal Ibrahim": "shift-lead"}

# Two authors per frontline role: the people L&D judged to do the job best.
AUTHORS = {
    "store-associate": ("Grace Okafor", "Tomasz Nowak"),
    "shift-lead": ("Carmen Vidal", "David Clarke"),
    "warehouse-picker": ("Marcus Johnson", "Elena Popescu"),
    "home-care-assistant": ("Joy Mwangi", "Bernadette Walsh"),
}

DEMO_INVITES = (
    ("Learner (Ana Ruiz, store associate)", "Ana Ruiz"),
    ("Author (Grace Okafor, store associate)", "Grace Okafor"),
    ("L&D admin (Priya Natarajan)", "Priya Natarajan"),
    ("Learner with a gap no course covers (Lucia Fernandez, warehouse picker)",
     "Lucia Fernandez"),
    ("Mentor (Marcus Johnson, warehouse picker)", "Marcus Johnson"),
    # Two pickers among the colleagues who use the app in Spanish (es-MX), as their role's
    # profile is: one still to rate themselves, one who has.
    ("Learner in Spanish, not assessed yet (José Mendoza, warehouse picker)", "José Mendoza"),
    ("Learner in Spanish (Verónica Mendoza, warehouse picker)", "Verónica Mendoza"),
)


# Each role's headcount per site, named people included, as at a real frontline employer:
# about 15% have not rated yet, and one store associate in eight aims to lead a shift.
HEADCOUNT = (
    colleagues.Headcount("store-associate", {RIVERSIDE: 80, HIGH_STREET: 80, DOCKLANDS: 80},
                    not_assessed=36, future=30, future_role="shift-lead"),
    colleagues.Headcount("shift-lead", {RIVERSIDE: 13, HIGH_STREET: 13, DOCKLANDS: 14},
                    not_assessed=6),
    colleagues.Headcount("warehouse-picker", {MIDLANDS: 90, NORTHERN: 70}, not_assessed=24),
    colleagues.Headcount("home-care-assistant", {NORTH_CARE: 80, SOUTH_CARE: 80}, not_assessed=24),
)


@cache
def generated() -> tuple[colleagues.Colleague, ...]:
    """The named people's made-up colleagues; the same ones every time."""
    return tuple(colleagues.generate(HEADCOUNT, PEOPLE, SITES, FUTURE_ROLES,
                                     not_assessed={DEMO_INVITES[0][1]}))


def seed() -> str:
    """Create whatever of the demo organisation is missing; return a summary."""
    slug, name = ORGANISATION
    org = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if org is None:
        org = Organisation(slug=slug, name=name)
        db.session.add(org)
        db.session.flush()
    if org.hourly_cost_cents is None:
        people.set_costs(org, *HOURLY_COST)
    roles: dict[str, Role] = {}
    for role_slug, role_name, description in ROLES:
        role = db.session.scalar(
            select(Role).where(Role.organisation_id == org.id, Role.slug == role_slug)
        )
        if role is None:
            role = Role(organisation_id=org.id, slug=role_slug, name=role_name,
                        description=description)
            db.session.add(role)
            db.session.flush()
        roles[role_slug] = role
    created = 0
    for person_name, role_slug, time_zone, locale in [*PEOPLE, LD_ADMIN]:
        _, was_created = people.ensure_person(
            org, person_name, roles[role_slug], ld_admin=(person_name == LD_ADMIN[0]),
            time_zone=time_zone, locale=locale, site=SITES[person_name],
        )
        created += was_created
    for role_slug, author_names in AUTHORS.items():
        for author_name in author_names:
            person, _ = people.ensure_person(org, author_name, roles[role_slug])
            people.nominate_author(person, roles[role_slug])
    for person_name, future in FUTURE_ROLES.items():
        person, _ = people.ensure_person(org, person_name, roles[SITES_ROLE[person_name]])
        if person.future_role_id is None:
            person.future_role_id = roles[future].id
    created += _seed_colleagues(org, roles)
    db.session.flush()
    content = seed_content(org, clock.now())
    waiting = {DEMO_INVITES[0][1]} | {c.name for c in generated() if not c.assessed}
    assessed = assessments.seed(org, clock.now(), skip=waiting)
    db.session.flush()
    from pwa.demo import mentors

    mentoring = mentors.seed(org, clock.now(), changed=bool(created or assessed))
    db.session.flush()
    practising, answers = practice.seed(org, clock.now(), skip={DEMO_INVITES[0][1]})
    db.session.flush()
    # FSRS fitted to those answers, so that L&D's practice page has a verdict to show.
    fitting.run_if_due(org.id, clock.now())
    # The reports read releases: the first one now, the next when a period has passed.
    release = releases.publish_if_due(org.id, clock.now())
    published = "" if release is None else f" Reports: release {release.sequence} published."
    total = len(PEOPLE) + 1 + len(generated())
    return (f"Demo organisation '{org.name}': {len(roles)} roles, {total} people "
            f"({created} new), 1 L&D admin, 2 authors per frontline role. {content} "
            f"{assessed} people's self-assessments added. {mentoring} {practising} people's "
            f"practice added ({answers} answers).{published}")


def _seed_colleagues(org: Organisation, roles: dict[str, Role]) -> int:
    """Add the colleagues not there yet; returns how many.

    One query finds who is there already, so a second run costs one query.
    """
    there = set(db.session.scalars(
        select(Person.display_name).where(Person.organisation_id == org.id)))
    created = 0
    for colleague in generated():
        if colleague.name in there:
            continue
        person, _ = people.ensure_person(
            org, colleague.name, roles[colleague.role], time_zone=colleague.time_zone,
            locale=colleague.locale, site=colleague.site)
        if colleague.future_role is not None:
            person.future_role_id = roles[colleague.future_role].id
        created += 1
    return created


def invites_for_demo_people() -> list[tuple[str, str]]:
    """Fresh one-time invites for the people ``make run`` introduces."""
    org = people.the_organisation(ORGANISATION[0])
    out = []
    for label, person_name in DEMO_INVITES:
        person = db.session.scalars(
            select(Person).where(Person.organisation_id == org.id,
                                 Person.display_name == person_name)
        ).one()
        _, token = invites.create_invite(person, clock.now())
        out.append((label, token))
    return out


CONTENT = Path(__file__).resolve().parent / "content"


def seed_content(org: Organisation, now: datetime) -> str:
    """Profiles (with their versions and open feedback) and the catalogue, once each."""
    by_name = {p.display_name: p for p in db.session.scalars(
        select(Person).where(Person.organisation_id == org.id))}
    versions = translations = 0
    for path in sorted(CONTENT.glob("*.json")):
        if path.name == "catalogue.json":
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        role = people.role_in_org(org.id, data["role"])
        if store.current(role) is not None:
            translations += _seed_translations(role, data, by_name, now)
            continue
        count = len(data["versions"])
        for index, spec in enumerate(data["versions"]):
            author = by_name[spec["author"]]
            when = now - timedelta(days=60 * (count - index) - 30)
            draft = store.open_draft(role, author, when)
            store.save_draft(draft, [Competency.from_dict(c) for c in spec["competencies"]],
                             expected_revision=draft.revision, author=author, now=when)
            store.publish(draft, spec["summary"], expected_revision=draft.revision,
                          author=author, now=when)
            versions += 1
        translations += _seed_translations(role, data, by_name, now)
        for fb in data.get("open_feedback", []):
            feedback.give_feedback(by_name[fb["from"]], role, competency_key=fb["competency"],
                                   kind=fb["kind"], text=fb["text"],
                                   now=now - timedelta(days=3))
    items = 0
    existing = set(db.session.scalars(select(Item.key).where(Item.organisation_id == org.id)))
    catalogue_path = CONTENT / "catalogue.json"
    if catalogue_path.exists():
        for spec in json.loads(catalogue_path.read_text(encoding="utf-8")):
            if spec["key"] in existing:
                continue
            # Before the practice history begins: its answers are to these revisions.
            catalogue.save(org.id, spec, key=spec["key"], by=None,
                           now=now - timedelta(weeks=practice.WEEKS + 2))
            items += 1
    translated = _seed_item_translations(org, now)
    return (f"{versions} profile versions, {translations} translated competencies, {items} "
            f"catalogue items and {translated} item translations added.")


def _seed_item_translations(org: Organisation, now: datetime) -> int:
    """L&D's words for the lessons in another language (``content/<language>/catalogue.json``:
    each item's title, summary, cards and questions), once each; not a new revision, so the
    practice history seeded on the originals stays theirs."""
    added = 0
    for path in sorted(CONTENT.glob("*/catalogue.json")):
        language = path.parent.name
        for key, words in json.loads(path.read_text(encoding="utf-8")).items():
            revision = catalogue.revision(org.id, key, None)
            if catalogue.translation_of(revision, language) is not None:
                continue
            parts: dict[str, Any] = {"title": words["title"], "summary": words["summary"]}
            parts |= {f"cards.{n}": text for n, text in enumerate(words["cards"])}
            parts |= {f"questions.{n}": q for n, q in enumerate(words["questions"])}
            catalogue.save_translation(revision, language, parts, by=None, now=now)
            added += 1
    return added


def _seed_translations(role: Role, data: dict[str, Any], by_name: dict[str, Person],
                       now: datetime) -> int:
    """The current version's translations its file holds (``translations``: language ->
    competency key -> name, description, group, levels) and the role's name's
    (``role_translations``: language -> name, description), written by its last author;
    those already there are left alone. Returns how many competencies were added."""
    version = store.current(role)
    if version is None:
        return 0
    author = by_name[data["versions"][-1]["author"]]
    added = 0
    for language, words in data.get("role_translations", {}).items():
        if role_words.row(role.id, language) is None:  # the role's own name, once
            store.save_role_translation(role, language, words, seen=None, author=author,
                                        now=now)
    for language, by_key in data.get("translations", {}).items():
        there = store.translations(version, language)
        for key, words in by_key.items():
            if key in there:
                continue
            texts = {"name": words["name"], "description": words["description"],
                     "group": words["group"],
                     **{f"level {n}": text for n, text in enumerate(words["levels"], start=1)}}
            store.save_translation(version, key, language, texts, seen=None, author=author,
                                   now=now)
            added += 1
    return added
