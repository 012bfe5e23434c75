"""The plan jobs: the size of a person's plan, or of everyone's in an organisation, summarised
again for the reports (``plan_summaries``), and the command that fills it for every
organisation."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from pwa.extensions import db
from pwa.models import Organisation, Person
from pwa.store import gaps, plans


def summarise_person(person_id: int) -> None:
    """Summarise one person's plan again (nothing, if the account is gone meanwhile)."""
    person = db.session.get(Person, person_id)
    if person is not None:
        plans.summarise(person)


def summarise_organisation(organisation_id: int) -> int:
    """Summarise everyone's plan in the organisation again, in committed batches."""
    return plans.summarise_organisation(organisation_id)


plans_cli = AppGroup("plans", help="Learners' plans.")


@plans_cli.command("summarise")
def summarise_command() -> None:
    """Summarise every plan of every organisation, and keep its uncovered gaps (a deployment
    that starts with data, or has just added the ``uncovered_gaps`` table)."""
    organisations = db.session.execute(
        select(Organisation.id, Organisation.name).order_by(Organisation.id)).all()
    for organisation_id, name in organisations:
        count = summarise_organisation(organisation_id)
        gaps.refresh_organisation(organisation_id)
        db.session.commit()
        click.echo(f"{name}: {count} plans summarised.")
