"""The mentor jobs: suggested mentors assigned again for an organisation, or for all."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from pwa import clock
from pwa.extensions import db
from pwa.models import Organisation
from pwa.store import mentors


def assign_organisation(organisation_id: int) -> int:
    """Replace the organisation's suggested mentors with a fresh global assignment."""
    return mentors.reassign(organisation_id, clock.now())


mentors_cli = AppGroup("mentors", help="Peer mentors.")


@mentors_cli.command("assign")
def assign_command() -> None:
    """Assign suggested mentors again in every organisation."""
    for org in db.session.scalars(select(Organisation).order_by(Organisation.id)):
        count = assign_organisation(org.id)
        db.session.commit()
        click.echo(f"{org.name}: {count} mentors suggested.")
