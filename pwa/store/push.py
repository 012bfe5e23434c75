"""Push subscriptions, notifications claimed once, and the log of what reached which device.

The rules (which endpoints, what a push service's answer means, when to try
again) are ``engine.push``'s; this module keeps the rows. The sender itself is
``pwa.jobs.push``: it is the only place that posts.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from engine import push as rules
from engine import reminders as reminder_rules
from engine import sessions as session_rules
from engine.errors import N_, NotFound
from pwa.extensions import db
from pwa.models import (
    MentorRequest,
    MentorSuggestion,
    Notification,
    Passkey,
    Person,
    PlanSummary,
    PracticeCard,
    PracticeReview,
    PushDelivery,
    PushSubscription,
    Session,
)
from pwa.models.base import UTCDateTime, as_dict, dialect_insert, dialect_name
from pwa.store import assessment, bundles, profiles

LEASE = timedelta(minutes=5)  # a sender that took a notification and died: retried after this
LOG_DAYS = 30  # how far back the account page's delivery log reaches


def extra_services(config: dict[str, Any]) -> tuple[str, ...]:
    """The push services an operator added (``SKILLPATH_PUSH_SERVICES``)."""
    return tuple(s.strip() for s in str(config.get("SKILLPATH_PUSH_SERVICES") or "").split(",")
                 if s.strip())


def subscribe(person: Person, session_id: int, subscription: rules.Subscription,
              now: datetime) -> PushSubscription:
    """Keep ``subscription`` for this device; the same endpoint again replaces the old row.

    A browser that signed in as someone else before keeps its endpoint: the
    row moves to whoever subscribed last, so it never reaches two people.
    """
    session = db.session.get(Session, session_id)
    if session is None or session.person_id != person.id:
        raise NotFound(N_("This device is not signed in any more."))
    passkey = db.session.get(Passkey, session.passkey_id)
    device = (passkey.name if passkey is not None else "")[:120]
    values = {"person_id": person.id, "session_id": session_id,
              "endpoint": subscription.endpoint, "p256dh": subscription.p256dh,
              "auth": subscription.auth, "device": device, "created_at": now}
    # Whoever had this endpoint before (the same person, or another) lists it no more.
    bundles.people([person.id, *db.session.scalars(sa.select(PushSubscription.person_id).where(
        PushSubscription.endpoint == subscription.endpoint))])
    insert = dialect_insert(PushSubscription).values(**values)
    db.session.execute(insert.on_conflict_do_update(
        index_elements=["endpoint"],
        set_={k: insert.excluded[k] for k in ("person_id", "session_id", "p256dh", "auth",
                                              "device", "created_at")}))
    row = db.session.execute(sa.select(PushSubscription).where(
        PushSubscription.endpoint == subscription.endpoint)).scalar_one()
    return row


def devices(person: Person) -> list[dict[str, Any]]:
    """The person's subscribed devices, newest first (what the app lists, with "Remove")."""
    rows = db.session.execute(
        sa.select(PushSubscription.id, PushSubscription.device, PushSubscription.session_id,
                  PushSubscription.created_at, PushSubscription.last_sent_at)
        .where(PushSubscription.person_id == person.id)
        .order_by(PushSubscription.created_at.desc(), PushSubscription.id.desc())).all()
    return [{"id": r.id, "device": r.device, "session_id": r.session_id,
             "created_at": r.created_at.isoformat(),
             "last_sent_at": r.last_sent_at.isoformat() if r.last_sent_at else None}
            for r in rows]


def remove(person: Person, subscription_id: int) -> None:
    """Remove one of the person's devices; someone else's is not found, as if it never was."""
    removed = db.session.execute(sa.delete(PushSubscription).where(
        PushSubscription.id == subscription_id, PushSubscription.person_id == person.id))
    if not removed.rowcount:  # type: ignore[attr-defined]
        raise NotFound(N_("That device is not getting notifications."))
    bundles.people([person.id])  # its list of devices


def remove_endpoint(person: Person, endpoint: str) -> bool:
    """Remove the person's subscription of this endpoint (the browser unsubscribed)."""
    removed = db.session.execute(sa.delete(PushSubscription).where(
        PushSubscription.endpoint == endpoint, PushSubscription.person_id == person.id))
    if removed.rowcount:  # type: ignore[attr-defined]
        bundles.people([person.id])  # its list of devices
    return bool(removed.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Claim:
    """What to send one person, decided for one kind and local date."""

    person_id: int
    kind: str
    local_date: date
    message: rules.Message
    expires_at: datetime


def claim(claims: list[Claim], now: datetime) -> int:
    """Insert each claim unless its (person, kind, local date) was claimed already.

    Returns how many were new. Two ticks deciding the same minute, in two
    processes, insert the same rows: the unique constraint keeps one of each.
    """
    if not claims:
        return 0
    for c in claims:
        c.message.payload()  # refuse a message too long before anything is stored
    rows = [{"person_id": c.person_id, "kind": c.kind, "local_date": c.local_date,
             "title": c.message.title, "body": c.message.body, "url": c.message.url,
             "state": "pending", "attempts": 0, "claimed_at": now, "next_attempt_at": now,
             "expires_at": c.expires_at} for c in claims]
    insert = dialect_insert(Notification).on_conflict_do_nothing(
        index_elements=["person_id", "kind", "local_date"])
    result = db.session.execute(insert.returning(Notification.id), rows)
    return len(result.all())


def anything_due(now: datetime) -> bool:
    """Whether a notification waits to be sent now: just claimed, due a retry, or left by a
    sender that died holding its lease (which has run out)."""
    return db.session.execute(
        sa.select(Notification.id).where(Notification.state == "pending",
                                         Notification.next_attempt_at <= now).limit(1)
    ).first() is not None


def take_due(now: datetime, limit: int = 500, lease: timedelta = LEASE) -> list[int]:
    """Take up to ``limit`` notifications due now, each leased to this sender for ``lease``.

    The due ids are read first, then one UPDATE by id moves their
    ``next_attempt_at`` a lease ahead, guarded by "still pending and still due": of
    two senders racing for a row, the second finds the guard false once the first's
    update is committed (PostgreSQL re-checks a row it waited for; SQLite has one
    writer) and leaves it. (As one statement with the LIMIT in a subquery, PostgreSQL
    ran the subquery again for every row it updated: half a second per 500 with
    10,000 due.) Commit before posting, so the lease holds while the posts are under way.
    """
    due = db.session.scalars(
        sa.select(Notification.id)
        .where(Notification.state == "pending", Notification.next_attempt_at <= now)
        # By the index (state, next_attempt_at) alone: a tie-break on the id would sort
        # every row of a morning's claims (they share one time) to take the first 25.
        .order_by(Notification.next_attempt_at).limit(limit)).all()
    if not due:
        return []
    taken = db.session.execute(
        sa.update(Notification)
        .where(Notification.id.in_(due), Notification.state == "pending",
               Notification.next_attempt_at <= now)
        .values(next_attempt_at=now + lease, attempts=Notification.attempts + 1)
        .returning(Notification.id)).scalars().all()
    return sorted(taken)


@dataclass(frozen=True)
class Outgoing:
    """A notification being sent, with the devices it has not reached yet."""

    id: int
    person_id: int
    kind: str
    message: rules.Message
    attempts: int
    expires_at: datetime
    targets: list[tuple[int, str, rules.Subscription]]  # (subscription id, device, it)
    reached_before: bool = False  # an earlier attempt reached one of the person's devices


def outgoing(notification_ids: list[int]) -> list[Outgoing]:
    """The notifications of ``notification_ids`` still pending, in their order, each with
    the devices it has not reached: one query for the whole list."""
    if not notification_ids:
        return []
    n = Notification.__table__
    rows = db.session.execute(
        _with_devices(n).where(n.c.id.in_(notification_ids), n.c.state == "pending")).all()
    found = _gathered(rows)
    return [found[i] for i in notification_ids if i in found]


def without_waiting_for_disk() -> None:
    """On PostgreSQL, the current transaction's commit does not wait for its WAL to reach
    the disk (``synchronous_commit`` off for this transaction only).

    For the sender's own bookkeeping: leases and answers. Only a crash of PostgreSQL
    itself (not of the sender) can lose the last fraction of a second of them, and then
    those few notifications are posted again once their lease ends, which the Topic
    header makes replace the first copy on the phone rather than stack: the same
    outcome as a sender killed between two commits. Everything else still waits; the
    disk's flush was most of each turn's database time. Elsewhere it does nothing.
    """
    if dialect_name() == "postgresql":
        db.session.execute(_NO_WAIT)


_NO_WAIT = sa.text("SET LOCAL synchronous_commit TO OFF")


def take_turn(now: datetime, limit: int, lease: timedelta = LEASE) -> list[Outgoing]:
    """:func:`take_due` and :func:`outgoing` of what it took: up to ``limit`` notifications
    due now, leased to this sender, each with the devices it has not reached, by id.

    On PostgreSQL one statement does both, one round trip a turn (:func:`_taken`).
    Elsewhere (SQLite, one writer) the two statements. Commit before posting.
    """
    if dialect_name() != "postgresql":
        return outgoing(take_due(now, limit, lease))
    rows = db.session.execute(_take(), {"now": now, "until": now + lease, "take": limit})
    return _turn(rows)


@functools.cache
def _take() -> sa.Select[Any]:
    """:func:`take_turn`'s statement on PostgreSQL, built once."""
    return _with_devices(_taken())


def _taken() -> Any:
    """The PostgreSQL CTE that takes a turn (parameters ``now``, ``until``, ``take``).

    The due rows are locked ``SKIP LOCKED`` in a materialised CTE (run once, not once
    per row updated) and leased by an UPDATE by their ids; what it returns is joined to
    the person's devices. Of two senders racing, one takes each row and the other passes
    it by. The lock re-checks "still pending and still due" on the row's newest version
    (PostgreSQL does, for a row another sender changed since this statement began), and
    the row stays locked until this transaction ends, so the UPDATE needs no guard of its
    own: by primary key alone, it is planned as lookups by id. (Guarded again as
    :func:`take_due` is, it was planned as a scan of every row still due for each turn,
    as soon as the table's statistics were older than a morning's claims.)
    """
    n = Notification.__table__
    due = (sa.select(n.c.id)
           .where(n.c.state == "pending", n.c.next_attempt_at <= sa.bindparam("now"))
           .order_by(n.c.next_attempt_at).limit(sa.bindparam("take", type_=sa.Integer))
           .with_for_update(skip_locked=True)
           .cte("due").prefix_with("MATERIALIZED"))
    # By id from an array made once: a join to the CTE may be planned as a scan of every
    # row due (a morning's 10,000) for each turn.
    ids = sa.cast(sa.select(sa.func.array_agg(due.c.id)).scalar_subquery(),
                  ARRAY(sa.Integer))  # ANY of an array, not of the subquery's rows
    return (sa.update(n)
            .where(n.c.id == sa.any_(ids))
            .values(next_attempt_at=sa.bindparam("until", type_=UTCDateTime),
                    attempts=n.c.attempts + 1)
            .returning(*[n.c[c] for c in _NOTE_COLUMNS])
            .cte("taken"))


def _turn(rows: Iterable[Any]) -> list[Outgoing]:
    found = _gathered(rows)
    return [found[i] for i in sorted(found)]


_NOTE_COLUMNS = ("id", "person_id", "kind", "title", "body", "url", "attempts", "expires_at")


def _with_devices(n: Any) -> sa.Select[Any]:
    """The columns of the notifications of ``n`` (the table, or the rows a turn took) and
    of each device of their person, with whether it (or any device) was reached before."""
    s = PushSubscription.__table__
    d = PushDelivery.__table__
    delivered = sa.select(d.c.id).where(d.c.notification_id == n.c.id,
                                        d.c.outcome == "delivered")
    return (sa.select(*[n.c[c] for c in _NOTE_COLUMNS],
                      delivered.exists().label("reached_before"),
                      s.c.id.label("sid"), s.c.device, s.c.endpoint, s.c.p256dh, s.c.auth,
                      delivered.where(d.c.subscription_id == s.c.id).exists().label("reached"))
            .select_from(n).outerjoin(s, s.c.person_id == n.c.person_id)
            .order_by(n.c.id, s.c.id))


def _gathered(rows: Iterable[Any]) -> dict[int, Outgoing]:
    """The rows of :func:`_with_devices`, one Outgoing per notification."""
    found: dict[int, Outgoing] = {}
    for r in rows:
        note = found.get(r.id)
        if note is None:
            note = found[r.id] = Outgoing(
                r.id, r.person_id, r.kind, rules.Message(r.kind, r.title, r.body, r.url),
                r.attempts, r.expires_at, [], bool(r.reached_before))
        if r.sid is not None and not r.reached:
            note.targets.append((r.sid, r.device, rules.Subscription(r.endpoint, r.p256dh,
                                                                     r.auth)))
    return found


@dataclass(frozen=True)
class Attempt:
    """What posting one notification gave: per device (subscription id, device, HTTP
    status or 0, outcome), the push services' ``Retry-After``, whether it had expired
    before anything was posted, and whether the turn's time ran out before every device
    was posted to (``unposted``: the notification goes back, due now)."""

    note: Outgoing
    results: list[tuple[int, str, int, rules.Outcome]]
    retry_after: str | None = None
    expired: bool = False
    unposted: bool = False


def record(attempts: list[Attempt], now: datetime, take: int = 0,
           lease: timedelta = LEASE) -> tuple[list[str], list[Outgoing]]:
    """Store what each post answered and settle each notification; their new states, and
    with ``take``, the next turn (:func:`take_turn` of up to ``take``).

    A gone subscription is removed. A notification is ``sent`` once any device
    took it (now or before), retried while some device asked for a retry and
    time is left, and otherwise ``failed``, ``nowhere`` or ``expired``; one the turn
    left unposted goes back, due now. On PostgreSQL all of it, the next turn's lease
    included, is one statement (:func:`_recorded`); elsewhere a handful, whatever the
    list's length.
    """
    if not attempts:
        return [], take_turn(now, take, lease) if take else []
    every = [(a.note, *r) for a in attempts for r in a.results]
    # The devices' list (when each last got one, which are gone) is in their bundles.
    people = sorted({note.person_id for note, _, _, _, outcome in every
                     if outcome in (rules.Outcome.GONE, rules.Outcome.DELIVERED)})
    gone = [sid for _, sid, _, _, outcome in every if outcome is rules.Outcome.GONE]
    delivered = [sid for _, sid, _, _, outcome in every
                 if outcome is rules.Outcome.DELIVERED]
    reached = {a.note.id for a in attempts if a.note.reached_before} | {
        note.id for note, _, _, _, outcome in every if outcome is rules.Outcome.DELIVERED}
    states, updates = [], []
    for a in attempts:
        values = _settled(a, a.note.id in reached, now)
        states.append(values["state"])
        updates.append({"id": a.note.id, **values})
    if dialect_name() == "postgresql":
        rows = db.session.execute(_recorded(), {
            "now": now, "until": now + lease, "take": take,
            # A gone device's delivery names no subscription: it is removed in the same
            # statement (the foreign key's SET NULL, as when removed after the insert).
            **_columns("d", [(note.id, note.person_id, None if o is rules.Outcome.GONE
                              else sid, device, status, o.value)
                             for note, sid, device, status, o in every], 6),
            "gone": gone, "stamped": delivered, "people": people,
            **_columns("n", [(u["id"], u["state"], u.get("next_attempt_at"), u.get("sent_at"),
                              u.get("detail"), u.get("attempts")) for u in updates], 6)})
        bundles.bumped(people)  # moved by the statement, not again at commit
        return states, _turn(rows)
    if every:
        db.session.execute(sa.insert(PushDelivery), [
            {"notification_id": note.id, "person_id": note.person_id, "subscription_id": sid,
             "device": device, "status": status, "outcome": outcome.value, "at": now}
            for note, sid, device, status, outcome in every])
    bundles.people(people)
    if gone:
        db.session.execute(sa.delete(PushSubscription).where(PushSubscription.id.in_(gone)))
    if delivered:
        db.session.execute(sa.update(PushSubscription).where(
            PushSubscription.id.in_(delivered)).values(last_sent_at=now))
    # By primary key: SQLAlchemy groups the rows by the columns they set, one executemany
    # for each group.
    db.session.execute(sa.update(Notification), updates)
    return states, take_turn(now, take, lease) if take else []


def _columns(prefix: str, rows: list[tuple[Any, ...]], width: int) -> dict[str, list[Any]]:
    """``rows`` as one list per column, named ``prefix0``, ``prefix1``, ... (for unnest)."""
    return {f"{prefix}{i}": [r[i] for r in rows] for i in range(width)}


@functools.cache
def _recorded() -> sa.Select[Any]:
    """What :func:`record` does on PostgreSQL, as one statement: the deliveries inserted,
    gone subscriptions removed, reached ones stamped, the people's bundle counters moved,
    the notifications settled (each from arrays of its values, unnested), and the next
    turn taken (``take`` 0: none) and returned with its devices.

    One round trip a turn instead of six, on a machine where each costs a wait for the
    database's process. The parts touch different rows: the next turn's are due, this
    turn's are leased ahead (and this statement sees them as they were when it began).
    """
    d, s, n = PushDelivery.__table__, PushSubscription.__table__, Notification.__table__
    p = Person.__table__
    ints, texts, times = ARRAY(sa.Integer), ARRAY(sa.String), ARRAY(UTCDateTime)

    def unnest(prefix: str, names: list[str], types: list[Any]) -> Any:
        return sa.func.unnest(*[sa.bindparam(f"{prefix}{i}", type_=t)
                                for i, t in enumerate(types)]
                              ).table_valued(*names).render_derived()

    now = sa.bindparam("now", type_=UTCDateTime)
    made = unnest("d", ["notification_id", "person_id", "subscription_id", "device", "status",
                        "outcome"], [ints, ints, ints, texts, ints, texts])
    inserted = sa.insert(d).from_select(
        [*made.c.keys(), "at"], sa.select(*made.c, now)).cte("inserted")
    removed = sa.delete(s).where(s.c.id == sa.any_(sa.bindparam("gone", type_=ints))
                                 ).cte("removed")
    stamped = sa.update(s).where(s.c.id == sa.any_(sa.bindparam("stamped", type_=ints))
                                 ).values(last_sent_at=now).cte("stamped")
    bumped = sa.update(p).where(p.c.id == sa.any_(sa.bindparam("people", type_=ints))
                                ).values(bundle_version=p.c.bundle_version + 1).cte("bumped")
    v = unnest("n", ["id", "state", "next_attempt_at", "sent_at", "detail", "attempts"],
               [ints, texts, times, times, texts, ints])
    # By the ids as an array too, so the notifications are found by primary key: joined to
    # the unnested values alone, the UPDATE may read every notification into a hash.
    settled = (sa.update(n).where(n.c.id == sa.any_(sa.bindparam("n0", type_=ints)),
                                  n.c.id == v.c.id)
               .values(state=v.c.state,
                       next_attempt_at=sa.func.coalesce(v.c.next_attempt_at,
                                                        n.c.next_attempt_at),
                       sent_at=sa.func.coalesce(v.c.sent_at, n.c.sent_at),
                       detail=sa.func.coalesce(v.c.detail, n.c.detail),
                       attempts=sa.func.coalesce(v.c.attempts, n.c.attempts))
               .cte("settled"))
    return _with_devices(_taken()).add_cte(inserted, removed, stamped, bumped, settled)


def _settled(a: Attempt, reached: bool, now: datetime) -> dict[str, Any]:
    """The columns of one notification after an attempt: its state and what goes with it."""
    results = a.results
    retry = any(outcome is rules.Outcome.RETRY for *_, outcome in results)
    later = rules.retry_at(a.note.attempts, now, a.retry_after) if retry else None
    if a.unposted:  # the turn's time ran out: back to the next turn, its lease cleared
        if not results:  # not tried: the attempt its lease counted is not one
            return {"state": "pending", "next_attempt_at": now,
                    "attempts": a.note.attempts - 1}
        if later is None or later >= a.note.expires_at:
            later = now  # the devices not posted to yet are due now
        return {"state": "pending", "next_attempt_at": later}
    if later is not None and later < a.note.expires_at and not a.expired:
        return {"state": "pending", "next_attempt_at": later}
    if reached:
        return {"state": "sent", "sent_at": now}
    if a.expired:
        state = "expired"
    elif not results:
        state = "nowhere"
    else:
        state = "failed"
    values: dict[str, Any] = {"state": state}
    if results:
        last = results[-1]
        values["detail"] = f"{last[3].value} {last[2]}"[:200]
    return values


def log(person: Person, now: datetime) -> list[dict[str, Any]]:
    """The person's notifications of the last ``LOG_DAYS`` days, newest first, with devices."""
    since = now - timedelta(days=LOG_DAYS)
    notes = db.session.execute(
        sa.select(Notification.id, Notification.kind, Notification.title, Notification.state,
                  Notification.claimed_at, Notification.sent_at)
        .where(Notification.person_id == person.id, Notification.claimed_at >= since)
        .order_by(Notification.claimed_at.desc(), Notification.id.desc())).all()
    reached: dict[int, list[str]] = {}
    for nid, device in db.session.execute(
            sa.select(PushDelivery.notification_id, PushDelivery.device)
            .where(PushDelivery.person_id == person.id, PushDelivery.at >= since,
                   PushDelivery.outcome == "delivered")
            .order_by(PushDelivery.at, PushDelivery.id)):
        reached.setdefault(nid, []).append(device)
    return [{"kind": n.kind, "title": n.title, "state": n.state, "claimed_at": n.claimed_at,
             "sent_at": n.sent_at, "devices": reached.get(n.id, [])} for n in notes]


def export_subscriptions(person: Person) -> list[dict[str, Any]]:
    rows = db.session.execute(sa.select(PushSubscription).where(
        PushSubscription.person_id == person.id).order_by(PushSubscription.id)).scalars()
    return [as_dict(r, "device", "endpoint", "created_at", "last_sent_at") for r in rows]


def export_notifications(person: Person) -> list[dict[str, Any]]:
    rows = db.session.execute(sa.select(Notification).where(
        Notification.person_id == person.id).order_by(Notification.id)).scalars()
    return [as_dict(r, "kind", "local_date", "title", "body", "url", "state", "attempts",
                    "claimed_at", "sent_at", "opened_at") for r in rows]


def export_deliveries(person: Person) -> list[dict[str, Any]]:
    rows = db.session.execute(sa.select(PushDelivery).where(
        PushDelivery.person_id == person.id).order_by(PushDelivery.id)).scalars()
    return [as_dict(r, "device", "status", "outcome", "at") for r in rows]


@dataclass(frozen=True)
class Inputs:
    """What the tick needs of one person besides their preferences."""

    due: reminder_rules.Due
    sent: dict[reminder_rules.Kind, reminder_rules.Sent]
    locale: str
    time_zone: str
    # With profile_changed news: how many competencies the role's new version asks its
    # learners to look at again (the same number for everyone of the role; _profile_news).
    look_again: int = 0


def inputs(person_ids: list[int], now: datetime) -> dict[int, Inputs]:
    """For each person: what is due, what was sent of each kind, their locale and zone.

    A handful of grouped queries for the whole list, whatever its length; the
    database counts, the engine decides. "Practice due" is a practice question due
    before the end of the next day (the engine asks only at the learner's time, in
    their day); "plan due" is a plan with learning in it; news is what happened after
    the last notification of its kind (or, never notified, after the person's last
    use of the app).
    """
    if not person_ids:
        return {}
    ids = list(person_ids)
    people = {r.id: r for r in db.session.execute(
        sa.select(Person.id, Person.locale, Person.time_zone, Person.role_id,
                  Person.future_role_id)
        .where(Person.id.in_(ids)))}
    last_open = dict(db.session.execute(
        sa.select(Session.person_id, sa.func.max(Session.last_seen_at))
        .where(Session.person_id.in_(ids)).group_by(Session.person_id)).all())
    claims: Claims = {}
    for pid, kind, last_day, last_claim in db.session.execute(
            sa.select(Notification.person_id, Notification.kind,
                      sa.func.max(Notification.local_date), sa.func.max(Notification.claimed_at))
            .where(Notification.person_id.in_(ids))
            .group_by(Notification.person_id, Notification.kind)):
        claims.setdefault(pid, {})[kind] = (last_day, last_claim)
    ignored: dict[tuple[int, str], int] = {}
    for pid, kind, sent_at in db.session.execute(
            sa.select(Notification.person_id, Notification.kind, Notification.sent_at)
            .where(Notification.person_id.in_(ids), Notification.state == "sent",
                   Notification.sent_at >= now - timedelta(days=30))):
        opened = last_open.get(pid)
        # A session records its use at most once a ``TOUCH_EVERY``: a push sent within that
        # of the last record may have been opened unrecorded, and is not held against anyone.
        if sent_at is not None and (opened is None or
                                    sent_at > opened + session_rules.TOUCH_EVERY):
            ignored[(pid, kind)] = ignored.get((pid, kind), 0) + 1
    plan = set(db.session.scalars(sa.select(PlanSummary.person_id).where(
        PlanSummary.person_id.in_(ids), PlanSummary.minutes > 0)))
    practice = set(db.session.scalars(
        sa.select(PracticeCard.person_id).where(PracticeCard.person_id.in_(ids),
                                                PracticeCard.due <= now + timedelta(days=1))
        .distinct()))
    practised = dict(db.session.execute(
        sa.select(PracticeReview.person_id, sa.func.max(PracticeReview.occurred_at))
        .where(PracticeReview.person_id.in_(ids)).group_by(PracticeReview.person_id)).all())
    news, look_again = _news(ids, people, claims, last_open)
    found = {}
    for pid, person in people.items():
        made = claims.get(pid, {})
        sent = {kind: reminder_rules.Sent(made[kind.value][0], ignored.get((pid, kind.value), 0))
                for kind in reminder_rules.Kind if kind.value in made}
        found[pid] = Inputs(
            reminder_rules.Due(plan=pid in plan, practice=pid in practice,
                               last_practised=practised.get(pid),
                               news=frozenset(news.get(pid, ()))),
            sent, person.locale, person.time_zone, look_again.get(pid, 0))
    return found


Claims = dict[int, dict[str, tuple[date, datetime]]]
# newer(person, kind, when): whether ``when`` is after their last notification of the kind.
Newer = Callable[[int, reminder_rules.Kind, datetime | None], bool]


def _news(ids: list[int], people: dict[int, Any], claims: Claims, last_open: dict[int, datetime],
          ) -> tuple[dict[int, set[reminder_rules.Kind]], dict[int, int]]:
    """Which news kinds have something newer than the last notification of that kind; and,
    for those with profile_changed news, how many competencies to look at again."""
    Kind = reminder_rules.Kind
    found: dict[int, set[reminder_rules.Kind]] = {}

    def since(pid: int, kind: reminder_rules.Kind) -> datetime | None:
        made = claims.get(pid, {}).get(kind.value)
        if made:
            return made[1]
        return last_open.get(pid)

    def newer(pid: int, kind: reminder_rules.Kind, when: datetime | None) -> bool:
        after = since(pid, kind)
        return when is not None and (after is None or when > after)

    def add(pid: int, kind: reminder_rules.Kind, when: datetime | None) -> None:
        if newer(pid, kind, when):
            found.setdefault(pid, set()).add(kind)

    for pid, when in db.session.execute(
            sa.select(MentorRequest.mentor_id, sa.func.max(MentorRequest.occurred_at))
            .where(MentorRequest.mentor_id.in_(ids), MentorRequest.status == "pending")
            .group_by(MentorRequest.mentor_id)):
        add(pid, Kind.MENTOR_REQUEST, when)
    for pid, answered in db.session.execute(
            sa.select(MentorRequest.learner_id, sa.func.max(MentorRequest.answered_at))
            .where(MentorRequest.learner_id.in_(ids), MentorRequest.answered_at.is_not(None))
            .group_by(MentorRequest.learner_id)):
        add(pid, Kind.MENTOR_ANSWER, answered)
    # A mentoring one side ended is news to the other side, never to the one who ended it.
    # A waiting request the learner withdrew ("withdrawn", no ended_by_id) is news to
    # nobody: no mentoring had started, the mentor has nothing to do about it (it leaves
    # their list and their place is free again), and telling them would only read as a
    # rebuff. A mentoring ended before who ended it was kept (0019) is news to nobody too.
    for side in (MentorRequest.learner_id, MentorRequest.mentor_id):
        for pid, ended in db.session.execute(
                sa.select(side, sa.func.max(MentorRequest.ended_at))
                .where(side.in_(ids), MentorRequest.status == "ended",
                       MentorRequest.ended_by_id.is_not(None), MentorRequest.ended_by_id != side)
                .group_by(side)):
            add(pid, Kind.MENTOR_ENDED, ended)
    for pid, assigned in db.session.execute(
            sa.select(MentorSuggestion.learner_id, sa.func.max(MentorSuggestion.assigned_at))
            .where(MentorSuggestion.learner_id.in_(ids))
            .group_by(MentorSuggestion.learner_id)):
        add(pid, Kind.MENTOR_SUGGESTION, assigned)
    return found, _profile_news(people, newer, found)


def _profile_news(people: dict[int, Any], newer: Newer,
                  found: dict[int, set[reminder_rules.Kind]]) -> dict[int, int]:
    """profile_changed news, added to ``found``; how many competencies to look at again.

    News to a learner when their role's current version was published after their last
    notification of the kind (``newer``) and it asks them to look at something again:
    a competency they rated before its meaning changed, by the rule of their home page
    (``assessment.changed_since_rated``). One query on a usual minute, when no version
    is newer than anyone's last notification; four when one is.

    The number the notification says is the role's, not the learner's: how many
    competencies the new version asks its learners to look at again (new, reworded or
    retargeted against the version before it, as its "what changed" page lists them).
    The learner's own count would be worked out from their ratings (which competencies
    they rated, and when); a notification shows on a locked screen, travels through a
    push service and stays in the delivery log, so it carries nothing worked out from
    ratings. A version that asks nothing again (an importance changed) is no news.
    """
    Kind = reminder_rules.Kind
    roles = {p.role_id for p in people.values()} | {
        p.future_role_id for p in people.values() if p.future_role_id is not None}
    published = profiles.published_versions(roles)
    candidates = {pid: p for pid, p in people.items() if published.get(p.role_id)
                  and newer(pid, Kind.PROFILE_CHANGED, published[p.role_id][-1].published_at)}
    if not candidates:
        return {}
    counts = profiles.to_look_at_again({p.role_id: published[p.role_id]
                                        for p in candidates.values()})
    asked = {pid: (p.role_id, p.future_role_id) for pid, p in candidates.items()
             if counts.get(p.role_id)}
    again = assessment.changed_since_rated(asked, published)
    look_again = {}
    for pid in again:
        found.setdefault(pid, set()).add(Kind.PROFILE_CHANGED)
        look_again[pid] = counts[people[pid].role_id]
    return look_again
