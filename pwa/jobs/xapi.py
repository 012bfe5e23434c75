"""The xAPI sender: posts the queued statements to the organisation's LRS.

One job, ``xapi.send``, asked for by the minute's tick when a statement is due
(``pwa.jobs.reminders.tick``). It works in turns as the push sender does: a turn
leases up to ``TURN`` statements (committed before anything is posted), posts them in
batches of ``BATCH`` to ``{SKILLPATH_XAPI_URL}/statements`` with Basic auth, the
``X-Experience-API-Version`` header and a timeout, through one ``requests.Session``
per thread, and records the answers in one commit. A batch the LRS refuses whole
is posted again one statement at a time. A turn starts no post once it has run
``TURN_SECONDS``; what it has not posted goes back in that commit.

Every statement's id is derived from its event's id: a sender killed after a post
and before its commit leaves the lease to run out, and the next sender's post of
the same statements is recognised by the LRS as statements it has (a 409 on its
own, or the same statement stored once).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import click
import requests
from flask import current_app
from flask.cli import AppGroup

from engine.interchange import xapi as rules
from pwa import clock
from pwa.extensions import db
from pwa.jobs.push import Budget, http_session
from pwa.store import xapi as store

TURN = 100
BATCH = 25
TURN_SECONDS = 30.0


def post(statements: list[dict[str, Any]]) -> tuple[int, str | None, str]:
    """POST statements to the LRS: its status (0: no answer), its Retry-After, and what it
    said (the status and the start of its answer, or the kind of network failure)."""
    config = current_app.config
    try:
        response = http_session().post(
            f"{config['SKILLPATH_XAPI_URL']}/statements", json=statements,
            auth=(config["SKILLPATH_XAPI_USERNAME"], config["SKILLPATH_XAPI_PASSWORD"]),
            headers={"X-Experience-API-Version": rules.VERSION},
            timeout=float(config["SKILLPATH_XAPI_TIMEOUT"]))
    except requests.RequestException as exc:  # a timeout, a refused connection
        return 0, None, f"no answer: {type(exc).__name__}"
    said = " ".join(response.text.split())[:150]
    return response.status_code, response.headers.get("Retry-After"), \
        f"{response.status_code} {said}".strip()


def lease() -> timedelta:
    """How long a turn holds its statements: its time of posts, the last post's timeout
    twice (connecting, then the answer) and a minute to record; 5 minutes at least."""
    timeout = timedelta(seconds=float(current_app.config["SKILLPATH_XAPI_TIMEOUT"]))
    return max(store.LEASE, timedelta(seconds=TURN_SECONDS) + 2 * timeout
               + timedelta(minutes=1))


def _posted(batch: list[store.Outgoing], budget: Budget) -> list[store.Posted]:
    """Post one batch (one at a time if the LRS refuses it whole) while the budget allows."""
    if not budget.allows():
        return [store.Posted(s) for s in batch]
    status, retry_after, said = post([s.statement for s in batch])
    answer = rules.answer(status, len(batch))
    if answer != rules.Answer.SPLIT:
        return [store.Posted(s, status, answer, retry_after, said) for s in batch]
    return [p for s in batch for p in _posted([s], budget)]


def send_due(*again: int) -> dict[str, int]:
    """Post every statement due now, a turn at a time; how many ended in each state.

    ``again``: ids of failed statements to queue once more first (L&D's *Try again*
    on a refused statement's failure). Nothing happens when no LRS is configured.
    """
    if not store.configured():
        return {}
    if again:
        store.again(again, clock.now())
        db.session.commit()
    held = lease()
    states: dict[str, int] = {}
    while True:
        turn = store.take(clock.now(), TURN, held)
        db.session.commit()  # the leases hold before anything is posted
        if not turn:
            return states
        budget = Budget(TURN_SECONDS)
        posted = [p for start in range(0, len(turn), BATCH)
                  for p in _posted(turn[start:start + BATCH], budget)]
        for state, count in store.record(posted, clock.now()).items():
            states[state] = states.get(state, 0) + count
        db.session.commit()
        if len(turn) < TURN and all(p.answer is not None for p in posted):
            return states


xapi_cli = AppGroup("xapi", help="Statements for the learning record store (SKILLPATH_XAPI_URL).")


@xapi_cli.command("send")
def send_command() -> None:
    """Post every statement due now, as the minute's tick does, and say how each ended."""
    if not store.configured():
        raise click.ClickException("No learning record store is configured: set "
                                   "SKILLPATH_XAPI_URL (and its user name and password).")
    states = send_due()
    if not states:
        click.echo("Nothing was due.")
    for state, count in sorted(states.items()):
        click.echo(f"{state}: {count}")


@xapi_cli.command("status")
def status_command() -> None:
    """Where the queue stands; the LRS's address without its credentials."""
    now = clock.now()
    seen = store.standing(now)
    url = current_app.config.get("SKILLPATH_XAPI_URL") or "none configured: nothing is queued"
    click.echo(f"Learning record store: {url}")
    click.echo(f"Due now: {seen.due}; waiting to try again: {seen.later}; "
               f"held by a sender: {seen.held}; sent: {seen.sent}; failed: {seen.failed}")
    if seen.oldest_waiting is not None:
        click.echo(f"Oldest waiting since {seen.oldest_waiting:%Y-%m-%d %H:%M} UTC")
