"""The release job and commands: an organisation's reports, published on their schedule."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pwa import clock
from pwa.extensions import db
from pwa.models import Organisation, Release
from pwa.store import releases


def publish_due(organisation_id: int) -> Release | None:
    """Publish the organisation's release if one is due; another worker's at once wins."""
    try:
        return releases.publish_if_due(organisation_id, clock.now())
    except IntegrityError:  # the same release, stored by another worker a moment ago
        db.session.rollback()
        return None


releases_cli = AppGroup("releases", help="The reports' releases and their privacy budget.")


def _describe(org: Organisation, release: Release | None) -> str:
    if release is None:
        upcoming = releases.schedule(org.id, clock.now()).next_at
        return f"{org.name}: not due (next {upcoming:%Y-%m-%d %H:%M} UTC)."
    if release.status == releases.REFUSED:
        return f"{org.name}: refused: {release.reason}."
    return (f"{org.name}: release {release.sequence} published, rho {release.rho:.3f} "
            f"(epsilon {release.epsilon:.2f} at delta {release.delta:g}).")


@releases_cli.command("publish")
@click.option("--now", "force", is_flag=True,
              help="Publish now even if the period has not passed (the budget still holds).")
def publish_command(force: bool) -> None:
    """Publish every organisation's release that is due (run it from a scheduler)."""
    for org in db.session.scalars(select(Organisation).order_by(Organisation.id)):
        release = releases.publish(org.id, clock.now()) if force else publish_due(org.id)
        db.session.commit()
        click.echo(_describe(org, release))


@releases_cli.command("budget")
def budget_command() -> None:
    """Print the guarantee per release and per year, and what each organisation spent."""
    limits = releases.budget()
    now = clock.now()
    click.echo(f"Per release: rho {limits.rho:g} (epsilon {limits.epsilon():.2f} at delta "
               f"{limits.delta:g}); every {limits.days} days.")
    click.echo(f"Per 365 days: rho {limits.rho_year:g} (epsilon "
               f"{limits.epsilon(limits.rho_year):.2f} at delta {limits.delta:g}).")
    for org in db.session.scalars(select(Organisation).order_by(Organisation.id)):
        spent = releases.spent(org.id, now)
        click.echo(f"{org.name}: spent rho {spent:.3f} in the last 365 days.")
