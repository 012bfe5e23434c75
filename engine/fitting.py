"""Fitting FSRS to an organisation's own reviews, and adopting the fit only if it predicts better.

FSRS ships with parameters fitted to millions of Anki users. An organisation's
people answer other questions, in other conditions, and once there are enough
of their reviews (:data:`MIN_LOGS`) parameters fitted to them predict their
recall better, so reviews come when they are due for these people rather than
for the average Anki user. Better is measured, never assumed:

1. **A time-ordered split.** The reviews are sorted by time; the later
   ``test_share`` of them is the test set, and the optimizer sees only the
   history before the cut. A random split would let the fit learn from a
   question's later reviews and then "predict" its earlier ones.
2. **Both sets of parameters predict the same later reviews**, each from all of
   its question's earlier reviews (train-period ones included), as the
   scheduler would have: its memory state after them, and the forgetting curve
   over the whole days since the last one. A review on the same day as the one
   before it is not predicted (FSRS' day-based curve says nothing about it), as
   in the srs-benchmark.
3. **Log loss decides.** The new parameters are adopted only if their log loss
   on the later reviews is lower than the current ones'. RMSE(bins) and AUC are
   reported beside it but never decide: RMSE(bins) compares averages within
   bins and can be gamed (the srs-benchmark keeps a model that does exactly
   that, ``rmse_bins_exploit``), and AUC says how well reviews are ranked, not
   whether the probabilities are right.

Where each number comes from:

* **The optimizer** is fsrs-rs (Anki's own FSRS optimizer, in Rust) through its
  Python wheel ``fsrs_rs_python``: about half a megabyte, with no PyTorch
  (py-fsrs' own optimizer needs it, hundreds of megabytes to install on every
  worker), and fast (100,000 reviews fit in well under a second; see
  ``tests/benchmarks``). Its parameters are FSRS-6's 21, which py-fsrs 6
  schedules with; they are rounded to six decimals and clamped into py-fsrs'
  bounds (fsrs-rs computes in 32-bit floats, so a weight at its upper bound,
  0.8, comes back as 0.800000012, which py-fsrs would refuse).
* **The predictions**: memory states from fsrs-rs' ``historical_memory_state_batch``,
  recall from FSRS-6's forgetting curve. They are the numbers py-fsrs'
  scheduler gives for the same history (a test compares them).
* **Log loss** is the plain mean over the reviews, as the srs-benchmark computes
  it (scikit-learn's ``log_loss``). fsrs-rs' own ``FSRS.evaluate`` weights recent
  reviews more (weights from 0.25 to 1), which suits training but is not the
  benchmark's figure, so it is computed here from the predictions.
* **RMSE(bins)** is the srs-benchmark's ``rmse_matrix``: reviews binned by the
  days since the last review, the question's number of reviews and its lapses
  (each on a log scale, :func:`bin_of`), the root of the count-weighted mean
  squared difference between the mean prediction and the mean outcome of each
  bin. fsrs-rs bins the same way but weights by recency.
* **AUC** is the Mann-Whitney U statistic over average ranks (ties count half),
  which is what scikit-learn's ``roc_auc_score`` computes; None when the later
  reviews are all recalled or all forgotten.

A recall is any grade above Again (1). The fit is deterministic: fsrs-rs'
training has a fixed seed (:data:`SEED`), and the reviews are put in one order
(time, then the order given) before anything else.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import fsrs
import fsrs_rs_python
import numpy as np
from fsrs.scheduler import DEFAULT_PARAMETERS as FSRS_DEFAULTS
from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS
from numpy.typing import NDArray

from engine.errors import N_, render

MIN_LOGS = 1000  # reviews an organisation needs before parameters are fitted to them
TEST_SHARE = 0.2  # the later share of the reviews that judges a fit
SEED = 2023  # fsrs-rs' training seed (its own default, fixed here so that a fit repeats)
DECIMALS = 6  # fitted weights are kept to this many decimals (fsrs-rs computes in 32 bits)
DEFAULT_PARAMETERS: tuple[float, ...] = tuple(FSRS_DEFAULTS)

Bin = tuple[float, int, int]  # the srs-benchmark's bin of a review: days, reviews, lapses

TOO_FEW = N_("Too few reviews yet: %(logs)s of %(needed)s.")
NOTHING_TO_JUDGE = N_("None of the later %(test)s reviews can be predicted yet: each needs an "
                      "earlier review of its question at least a day before.")
FAILED = N_("The optimizer could not fit these reviews: %(error)s")
ADOPTED = N_("Adopted: log loss on the later reviews improved from %(old)s to %(new)s.")
KEPT = N_("Kept the current parameters: log loss on the later reviews would have gone "
          "from %(old)s to %(new)s.")


@dataclass(frozen=True)
class Log:
    """One review of one question (``card``) by one person: when, and the grade (1-4).

    ``card`` names the question for this person; any integer does, as long as
    each (person, question) has its own.
    """

    card: int
    occurred_at: datetime
    grade: int

    def __post_init__(self) -> None:
        if isinstance(self.card, bool) or not isinstance(self.card, int):
            raise ValueError(f"a card is named by an integer, not {self.card!r}")
        if self.occurred_at.tzinfo is None or self.occurred_at.utcoffset() is None:
            raise ValueError("a review's time needs its time zone (UTC)")
        if isinstance(self.grade, bool) or self.grade not in (1, 2, 3, 4):
            raise ValueError(f"a grade is 1, 2, 3 or 4, not {self.grade!r}")


@dataclass(frozen=True)
class Metrics:
    """How well parameters predicted the later reviews (lower log loss and RMSE are better).

    ``reviews`` is how many were predicted; ``auc`` is None when they were all
    recalled or all forgotten (there is nothing to rank).
    """

    log_loss: float
    rmse_bins: float
    auc: float | None
    reviews: int

    def to_dict(self) -> dict[str, Any]:
        return {"log_loss": self.log_loss, "rmse_bins": self.rmse_bins, "auc": self.auc,
                "reviews": self.reviews}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Metrics:
        auc = d.get("auc")
        return cls(log_loss=float(d["log_loss"]), rmse_bins=float(d["rmse_bins"]),
                   auc=None if auc is None else float(auc), reviews=int(d["reviews"]))


@dataclass(frozen=True)
class Fit:
    """One fit and its judgement: what was fitted on what, how both predicted, what was kept.

    ``logs`` reviews in all, ``train`` of them before the cut (what the optimizer
    saw) and ``test`` from the cut on. ``old`` are the parameters in use, ``new``
    the fitted ones (None: nothing was fitted). ``adopted`` says whether ``new``
    replaces ``old``; ``reason`` says why, as a template (marked with ``N_``)
    filled from ``params``.
    """

    logs: int
    train: int
    test: int
    old: tuple[float, ...]
    new: tuple[float, ...] | None
    old_metrics: Metrics | None
    new_metrics: Metrics | None
    adopted: bool
    reason: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def template(self) -> str:
        return self.reason

    @property
    def message(self) -> str:
        """The reason in English, for logs and the command line."""
        return render(self.reason, self.params)

    @property
    def parameters(self) -> tuple[float, ...]:
        """The parameters to schedule with after this fit."""
        return self.new if self.adopted and self.new is not None else self.old

    def to_dict(self) -> dict[str, Any]:
        return {
            "logs": self.logs, "train": self.train, "test": self.test,
            "old": list(self.old), "new": None if self.new is None else list(self.new),
            "old_metrics": None if self.old_metrics is None else self.old_metrics.to_dict(),
            "new_metrics": None if self.new_metrics is None else self.new_metrics.to_dict(),
            "adopted": self.adopted, "reason": self.reason, "params": dict(self.params),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Fit:
        new = d.get("new")
        old_metrics, new_metrics = d.get("old_metrics"), d.get("new_metrics")
        return cls(
            logs=int(d["logs"]), train=int(d["train"]), test=int(d["test"]),
            old=tuple(float(w) for w in d["old"]),
            new=None if new is None else tuple(float(w) for w in new),
            old_metrics=None if old_metrics is None else Metrics.from_dict(old_metrics),
            new_metrics=None if new_metrics is None else Metrics.from_dict(new_metrics),
            adopted=bool(d["adopted"]), reason=str(d["reason"]),
            params=dict(d.get("params") or {}),
        )


def fit(logs: Sequence[Log], current: Sequence[float] | None, *, min_logs: int = MIN_LOGS,
        test_share: float = TEST_SHARE) -> Fit:
    """Fit FSRS to ``logs`` before a time cut, and judge old against new on the reviews after it.

    Nothing is fitted below ``min_logs`` reviews: a few hundred reviews fit noise
    as readily as memory. The fitted parameters are the ones judged and, if
    adopted, the ones scheduled with (they are not refitted on all the reviews
    afterwards: those would be parameters nobody has measured).

    Args:
        logs: The organisation's reviews, in any order.
        current: The parameters in use (21 weights), None for FSRS' defaults.
        min_logs: Reviews needed before anything is fitted.
        test_share: The later share of the reviews (by time) that judges the fit.

    Returns:
        The :class:`Fit`; ``adopted`` only if the new log loss is lower.

    Raises:
        ValueError: ``current`` is not 21 weights within py-fsrs' bounds, or
            ``test_share`` is not between 0 and 1.
    """
    if not 0 < test_share < 1:
        raise ValueError(f"the test share is between 0 and 1, not {test_share!r}")
    old = _checked(DEFAULT_PARAMETERS if current is None else current)
    n = len(logs)
    if n < min_logs:
        return Fit(logs=n, train=0, test=0, old=old, new=None, old_metrics=None,
                   new_metrics=None, adopted=False, reason=TOO_FEW,
                   params={"logs": n, "needed": min_logs})
    ordered = sorted(logs, key=lambda log: log.occurred_at)  # stable: ties keep their order
    since = ordered[n - max(1, round(n * test_share))].occurred_at
    train = sum(1 for log in ordered if log.occurred_at < since)
    counts: dict[str, Any] = {"logs": n, "train": train, "test": n - train, "old": old}
    questions = _questions(ordered)
    later = _later(questions, since)
    if later is None:
        return Fit(**counts, new=None, old_metrics=None, new_metrics=None, adopted=False,
                   reason=NOTHING_TO_JUDGE, params={"test": n - train})
    old_metrics = _metrics(later, old)
    try:
        new = _optimize(questions, since)
    except ValueError as error:
        return Fit(**counts, new=None, old_metrics=old_metrics, new_metrics=None,
                   adopted=False, reason=FAILED, params={"error": str(error)})
    new_metrics = _metrics(later, new)
    adopted = new_metrics.log_loss < old_metrics.log_loss
    return Fit(**counts, new=new, old_metrics=old_metrics, new_metrics=new_metrics,
               adopted=adopted, reason=ADOPTED if adopted else KEPT,
               params={"old": round(old_metrics.log_loss, 4),
                       "new": round(new_metrics.log_loss, 4)})


def evaluate(logs: Sequence[Log], parameters: Sequence[float], *, since: datetime) -> Metrics:
    """How well ``parameters`` predict every review at or after ``since``.

    Each review is predicted from all of its question's earlier reviews (before
    ``since`` or not); a question's first review, and one on the same day as the
    review before it, are not predicted.

    Raises:
        ValueError: the parameters are not py-fsrs 6's, or no review could be predicted.
    """
    checked = _checked(parameters)
    later = _later(_questions(sorted(logs, key=lambda log: log.occurred_at)), since)
    if later is None:
        raise ValueError("no review at or after `since` can be predicted from earlier ones")
    return _metrics(later, checked)


def log_loss(p: Sequence[float] | NDArray[np.float64], y: Sequence[int] | NDArray[Any]) -> float:
    """Mean binary cross-entropy of predictions ``p`` of outcomes ``y`` (1 recalled, 0 not).

    ``p`` is clipped to machine epsilon from 0 and 1, as scikit-learn does, so a
    confident miss costs much but not infinitely.
    """
    pa, ya = _arrays(p, y)
    eps = float(np.finfo(np.float64).eps)
    pa = np.clip(pa, eps, 1 - eps)
    return float(-np.mean(ya * np.log(pa) + (1 - ya) * np.log(1 - pa)))


def auc(p: Sequence[float] | NDArray[np.float64], y: Sequence[int] | NDArray[Any]) -> float | None:
    """The chance that a recalled review was predicted above a forgotten one (ties: half).

    Mann-Whitney: the rank sum of the recalled reviews, ranks averaged over ties.
    None when every review is recalled or none is.
    """
    pa, ya = _arrays(p, y)
    positives = int(ya.sum())
    negatives = len(ya) - positives
    if positives == 0 or negatives == 0:
        return None
    values, inverse, counts = np.unique(pa, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)  # 1-based rank of each distinct value's last occurrence
    ranks = (ends - (counts - 1) / 2.0)[inverse]
    u = float(ranks[ya == 1].sum()) - positives * (positives + 1) / 2
    return u / (positives * negatives)


def bin_of(days: int, reviews: int, lapses: int) -> Bin:
    """The srs-benchmark's RMSE bin of a review, each coordinate on a log scale.

    Args:
        days: Whole days since the question's last review (at least 1).
        reviews: The question's reviews a day or more after the one before,
            this one included, plus one (for the first review).
        lapses: Its earlier reviews graded Again a day or more after the one before.
    """
    d = round(2.48 * 3.62 ** math.floor(math.log(days) / math.log(3.62)), 2)
    i = round(1.99 * 1.89 ** math.floor(math.log(reviews) / math.log(1.89)))
    lapse = 0 if lapses == 0 else round(1.65 * 1.73 ** math.floor(math.log(lapses)
                                                                  / math.log(1.73)))
    return (d, i, lapse)


def rmse_bins(p: Sequence[float] | NDArray[np.float64], y: Sequence[int] | NDArray[Any],
              bins: Sequence[Bin]) -> float:
    """The root of the count-weighted mean of (mean outcome - mean prediction)² per bin."""
    pa, ya = _arrays(p, y)
    sums: dict[Bin, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for pi, yi, b in zip(pa.tolist(), ya.tolist(), bins, strict=True):
        s = sums[b]
        s[0] += pi
        s[1] += yi
        s[2] += 1
    total = sum(s[2] for s in sums.values())
    return math.sqrt(sum(s[2] * (s[1] / s[2] - s[0] / s[2]) ** 2 for s in sums.values())
                     / total)


# --- the parts ------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Question:
    """One question's reviews in time order: when, the grade, whole days since the one before.

    Days count as py-fsrs counts them (whole days elapsed, floored); the first
    review's is 0. ``reviews`` is the same history in fsrs-rs' form.
    """

    times: list[datetime]
    grades: list[int]
    days: list[int]
    reviews: list[fsrs_rs_python.FSRSReview]


@dataclass(frozen=True)
class _Later:
    """The reviews from the cut on that can be predicted, and all that predicting them needs.

    ``items`` holds, per question, its reviews up to its last predicted one; ``at``
    says, per predicted review, which item and which of its memory states (the one
    after the review before) predicts it. ``days``, ``recalled`` and ``bins`` do not
    depend on the parameters, so they are worked out once for old and new.
    """

    items: list[fsrs_rs_python.FSRSItem]
    at: list[tuple[int, int]]
    days: NDArray[np.float64]
    recalled: NDArray[np.float64]
    bins: list[Bin]


def _arrays(p: Sequence[float] | NDArray[np.float64],
            y: Sequence[int] | NDArray[Any]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    pa = np.asarray(p, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    if pa.shape != ya.shape or pa.ndim != 1 or len(pa) == 0:
        raise ValueError("predictions and outcomes are two lists of the same, non-zero length")
    return pa, ya


def _checked(parameters: Sequence[float]) -> tuple[float, ...]:
    """21 weights py-fsrs 6 schedules with, or ValueError (py-fsrs' own check says which)."""
    values = tuple(float(w) for w in parameters)
    fsrs.Scheduler(values)  # raises ValueError on a wrong count or a weight out of bounds
    return values


def _questions(ordered: Sequence[Log]) -> list[_Question]:
    """Each question's history, questions in the order of their first review."""
    found: dict[int, tuple[list[datetime], list[int]]] = {}
    for log in ordered:
        times, grades = found.setdefault(log.card, ([], []))
        times.append(log.occurred_at)
        grades.append(log.grade)
    questions = []
    for times, grades in found.values():
        days = [0] + [(b - a).days for a, b in zip(times, times[1:], strict=False)]
        questions.append(_Question(times, grades, days, [
            fsrs_rs_python.FSRSReview(g, d) for g, d in zip(grades, days, strict=True)]))
    return questions


def _optimize(questions: Sequence[_Question], since: datetime) -> tuple[float, ...]:
    """fsrs-rs' parameters for the reviews before ``since``, made usable by py-fsrs.

    Each review a day or more after its question's previous one is one training
    item: the question's history up to and including it (the form fsrs-rs'
    examples build). Items go in time order (fsrs-rs weights later ones more),
    each with its question's number (fsrs-rs then runs a question's history once
    per batch, not once per item).
    """
    items: list[tuple[datetime, int, fsrs_rs_python.FSRSItem]] = []
    for number, q in enumerate(questions):
        before = bisect.bisect_left(q.times, since)
        items += [(q.times[k], number, fsrs_rs_python.FSRSItem(q.reviews[:k + 1]))
                  for k in range(1, before) if q.days[k] > 0]
    items.sort(key=lambda item: item[0])
    raw = fsrs_rs_python.FSRS([]).compute_parameters(  # starts from FSRS' defaults
        [item for _, _, item in items], card_ids=[number for _, number, _ in items],
        enable_short_term=True, num_relearning_steps=0,
        training_config=fsrs_rs_python.TrainingConfig(seed=SEED))
    return _usable(raw)


def _usable(raw: Sequence[float]) -> tuple[float, ...]:
    """fsrs-rs' 32-bit weights as py-fsrs takes them: rounded, and clamped into its bounds."""
    if len(raw) != len(DEFAULT_PARAMETERS) or not all(math.isfinite(w) for w in raw):
        raise ValueError(f"fsrs-rs returned {len(raw)} weights, not FSRS-6's "
                         f"{len(DEFAULT_PARAMETERS)} finite ones")
    return tuple(min(max(round(float(w), DECIMALS), low), high)
                 for w, low, high in zip(raw, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS,
                                         strict=True))


def _later(questions: Sequence[_Question], since: datetime) -> _Later | None:
    """The reviews from ``since`` on that can be predicted; None if there are none."""
    items: list[fsrs_rs_python.FSRSItem] = []
    at: list[tuple[int, int]] = []
    days: list[int] = []
    recalled: list[int] = []
    bins: list[Bin] = []
    for q in questions:
        reviews, lapses, found, last = 1, 0, len(at), 0
        for k in range(1, len(q.times)):
            if q.days[k] < 1:
                continue  # the same day: FSRS' curve in days says nothing about it
            reviews += 1
            if q.times[k] >= since:
                at.append((len(items), k - 1))
                days.append(q.days[k])
                recalled.append(int(q.grades[k] > 1))
                bins.append(bin_of(q.days[k], reviews, lapses))
                last = k
            if q.grades[k] == 1:
                lapses += 1
        if len(at) > found:
            items.append(fsrs_rs_python.FSRSItem(q.reviews[:last]))
    if not at:
        return None
    return _Later(items, at, np.asarray(days, dtype=np.float64),
                  np.asarray(recalled, dtype=np.float64), bins)


def _metrics(later: _Later, parameters: tuple[float, ...]) -> Metrics:
    """How ``parameters`` predict the later reviews: memory states, then FSRS-6's curve."""
    states = fsrs_rs_python.FSRS(list(parameters)).historical_memory_state_batch(later.items)
    stability = np.asarray([states[i][j].stability for i, j in later.at], dtype=np.float64)
    decay = parameters[20]
    factor = 0.9 ** (-1 / decay) - 1
    p = (1 + factor * later.days / stability) ** -decay
    return Metrics(log_loss=log_loss(p, later.recalled),
                   rmse_bins=rmse_bins(p, later.recalled, later.bins),
                   auc=auc(p, later.recalled), reviews=len(p))
