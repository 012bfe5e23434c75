"""The practice fit job and commands: FSRS fitted to each organisation's answers, and judged."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from engine.fitting import Metrics
from pwa import clock
from pwa.extensions import db
from pwa.models import Organisation, PracticeFit
from pwa.store import fitting


def fit_due(organisation_id: int) -> PracticeFit | None:
    """Fit the organisation's parameters if a fit is due (a week after the last one)."""
    return fitting.run_if_due(organisation_id, clock.now())


practice_cli = AppGroup("practice", help="Daily practice: FSRS fitted to the answers.")


def _organisations(org_id: int | None) -> list[Organisation]:
    query = select(Organisation).order_by(Organisation.id)
    if org_id is not None:
        query = query.where(Organisation.id == org_id)
    found = list(db.session.scalars(query))
    if org_id is not None and not found:
        raise click.ClickException(f"There is no organisation {org_id}.")
    return found


def _metrics(label: str, metrics: Metrics | None) -> str:
    if metrics is None:
        return f"  {label} parameters: not judged"
    auc = "n/a" if metrics.auc is None else f"{metrics.auc:.4f}"
    return (f"  {label} parameters: log loss {metrics.log_loss:.4f}, RMSE(bins) "
            f"{metrics.rmse_bins:.4f}, AUC {auc}, on {metrics.reviews} later answers")


def _describe(org: Organisation) -> list[str]:
    found = fitting.last(org.id)
    if found is None:
        return [f"{org.name}: no fit yet; practice uses FSRS' default parameters."]
    result = found.fit
    in_use = "fitted" if fitting.current_parameters(org.id) is not None else "FSRS' default"
    return [
        f"{org.name}: fit of {found.fitted_at:%Y-%m-%d %H:%M} UTC on {result.logs} answers "
        f"({result.train} before the cut, {result.test} after it).",
        f"  {result.message}",
        _metrics("Current", result.old_metrics),
        _metrics("Fitted", result.new_metrics),
        f"  Practice is scheduled with the {in_use} parameters.",
    ]


@practice_cli.command("fit")
@click.option("--org", "org_id", type=int, default=None,
              help="Only this organisation (its id); every one by default.")
def fit_command(org_id: int | None) -> None:
    """Fit FSRS to each organisation's answers now, judge it, and adopt it if it is better."""
    for org in _organisations(org_id):
        fitting.run(org.id, clock.now())
        db.session.commit()
        for line in _describe(org):
            click.echo(line)


@practice_cli.command("evaluation")
@click.option("--org", "org_id", type=int, default=None,
              help="Only this organisation (its id); every one by default.")
def evaluation_command(org_id: int | None) -> None:
    """Print each organisation's last fit: old against new parameters, and the verdict."""
    for org in _organisations(org_id):
        for line in _describe(org):
            click.echo(line)
