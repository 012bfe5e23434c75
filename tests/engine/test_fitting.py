"""Fitting FSRS to an organisation's reviews: the metrics by hand, the split, and adoption.

The golden numbers are worked from the definitions (the srs-benchmark's bins, FSRS-6's
forgetting curve), not copied from the code. The fits run on reviews simulated from
known memory parameters (``tests.factories.simulated_reviews``): people who forget faster
than FSRS' defaults expect, scheduled as the app schedules them (with the defaults, in
days), recalling with the probability their true memory gives.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import fsrs
import pytest

from engine import fitting
from engine.fitting import DEFAULT_PARAMETERS, Fit, Log, Metrics
from tests.factories import FORGETFUL, day_scheduler, simulated_reviews

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def logs() -> list[Log]:
    return simulated_reviews(cards=400, days=240, seed=1)


# --- the metrics (golden) --------------------------------------------------------------------

def test_log_loss_is_the_mean_cross_entropy():
    # -(ln 0.9 + ln(1 - 0.2)) / 2 = (0.1053605 + 0.2231436) / 2
    assert fitting.log_loss([0.9, 0.2], [1, 0]) == pytest.approx(0.1642520, abs=1e-7)
    assert fitting.log_loss([1.0], [0]) == pytest.approx(36.04, abs=0.01)  # clipped: finite


def test_auc_ranks_recalled_above_forgotten_and_counts_ties_half():
    # Of the four (recalled, forgotten) pairs, 0.35 < 0.4 is the one ranked wrong.
    assert fitting.auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75
    # Recalled 0.5 against forgotten 0.5 and 0.5: two halves; 0.9 beats both: 3 of 4.
    assert fitting.auc([0.5, 0.5, 0.5, 0.9], [0, 1, 0, 1]) == 0.75
    assert fitting.auc([0.2, 0.9], [1, 0]) == 0.0
    assert fitting.auc([0.2, 0.9], [1, 1]) is None  # nothing to rank
    with pytest.raises(ValueError):
        fitting.auc([], [])


def test_bins_follow_the_benchmark_log_scales():
    # days: 2.48 * 3.62 ** floor(log_3.62 d); reviews: 1.99 * 1.89 ** floor(log_1.89 i),
    # rounded; lapses: 0, or 1.65 * 1.73 ** floor(log_1.73 l), rounded.
    assert fitting.bin_of(1, 2, 0) == (2.48, 4, 0)
    assert fitting.bin_of(3, 1, 1) == (2.48, 2, 2)
    assert fitting.bin_of(4, 4, 2) == (8.98, 7, 3)  # 2.48 * 3.62; 1.99 * 1.89²  = 7.11
    assert fitting.bin_of(13, 7, 3) == (8.98, 13, 5)  # 1.99 * 1.89³ = 13.4; 1.65 * 1.73²
    assert fitting.bin_of(14, 8, 0) == (32.5, 13, 0)  # 2.48 * 3.62² = 32.499; 1.99 * 1.89³


def test_rmse_bins_weighs_each_bin_by_its_reviews():
    # Bin a: mean prediction 0.8, mean outcome 0.5, two reviews; bin b: 0.8 against 1, one.
    a, b = (2.48, 4, 0), (8.98, 4, 0)
    expected = math.sqrt((2 * 0.3 ** 2 + 1 * 0.2 ** 2) / 3)
    assert fitting.rmse_bins([0.9, 0.7, 0.8], [1, 0, 1], [a, a, b]) == pytest.approx(expected)


def test_evaluate_predicts_each_later_review_from_its_question_s_whole_history():
    since = T0 + timedelta(days=1)
    logs = [
        Log(1, T0, 3), Log(1, T0 + timedelta(days=3), 3),  # predicted: 3 days on S0(Good)
        Log(2, T0, 1), Log(2, T0 + timedelta(days=1, hours=2), 1),  # 1 day on S0(Again)
        Log(2, T0 + timedelta(days=2), 3),  # 22 hours later: the same day, not predicted
        Log(3, T0 + timedelta(days=2), 4),  # a first review: nothing to predict from
    ]
    w = DEFAULT_PARAMETERS
    decay = w[20]
    factor = 0.9 ** (-1 / decay) - 1
    r1 = (1 + factor * 3 / w[2]) ** -decay
    r2 = (1 + factor * 1 / w[0]) ** -decay
    metrics = fitting.evaluate(logs, w, since=since)
    assert metrics.reviews == 2
    assert metrics.log_loss == pytest.approx(-(math.log(r1) + math.log(1 - r2)) / 2, rel=1e-5)
    assert metrics.auc == 1.0  # the recalled one was predicted higher
    # Both in bin (2.48, 4, 0): one mean against the other.
    assert metrics.rmse_bins == pytest.approx(abs((r1 + r2) / 2 - 0.5), rel=1e-5)
    # Nothing from the cut on can be predicted: no metrics, rather than made-up ones.
    with pytest.raises(ValueError):
        fitting.evaluate(logs, w, since=T0 + timedelta(days=30))


def test_evaluate_gives_the_numbers_the_app_s_scheduler_gives(logs):
    # fsrs-rs' memory states and FSRS-6's curve, against py-fsrs replaying each question.
    ordered = sorted(logs, key=lambda log: log.occurred_at)
    since = ordered[len(ordered) * 3 // 4].occurred_at
    for parameters in (DEFAULT_PARAMETERS, FORGETFUL):
        app = day_scheduler(parameters)
        cards: dict[int, fsrs.Card] = {}
        last: dict[int, datetime] = {}
        p, y = [], []
        for log in ordered:
            card = cards.get(log.card, fsrs.Card(card_id=log.card + 1))
            if log.card in last and log.occurred_at >= since \
                    and (log.occurred_at - last[log.card]).days >= 1:
                p.append(app.get_card_retrievability(card, log.occurred_at))
                y.append(int(log.grade > 1))
            cards[log.card], _ = app.review_card(card, fsrs.Rating(log.grade), log.occurred_at)
            last[log.card] = log.occurred_at
        metrics = fitting.evaluate(logs, parameters, since=since)
        assert metrics.reviews == len(p)
        assert metrics.log_loss == pytest.approx(fitting.log_loss(p, y), rel=1e-5)


# --- fitting and adopting ------------------------------------------------------------------

def test_parameters_fitted_to_the_reviews_predict_the_later_ones_better(logs):
    result = fitting.fit(logs, None)
    assert result.logs == len(logs) == result.train + result.test
    assert result.test == pytest.approx(0.2 * len(logs), abs=2)
    assert result.old == DEFAULT_PARAMETERS
    assert result.new is not None and result.new_metrics and result.old_metrics
    assert result.new_metrics.log_loss < result.old_metrics.log_loss
    assert result.new_metrics.reviews == result.old_metrics.reviews > 0.9 * result.test
    assert result.adopted and result.parameters == result.new
    assert result.reason == fitting.ADOPTED
    assert result.message == ("Adopted: log loss on the later reviews improved from "
                              f"{round(result.old_metrics.log_loss, 4)} to "
                              f"{round(result.new_metrics.log_loss, 4)}.")
    day_scheduler(result.new)  # py-fsrs 6 schedules with them
    # The same reviews in another order: the same fit.
    assert fitting.fit(list(reversed(logs)), None) == result


def test_with_too_few_reviews_nothing_is_fitted_and_nothing_changes(logs):
    current = FORGETFUL
    result = fitting.fit(logs[:999], current)
    assert result == Fit(logs=999, train=0, test=0, old=current, new=None, old_metrics=None,
                         new_metrics=None, adopted=False, reason=fitting.TOO_FEW,
                         params={"logs": 999, "needed": 1000})
    assert result.parameters == current
    assert result.message == "Too few reviews yet: 999 of 1000."
    assert fitting.fit(logs, None, min_logs=len(logs) + 1).new is None


def test_a_worse_fit_is_never_adopted(logs, monkeypatch):
    # An optimizer gone wrong: every first memory 100 days, the steepest curve there is.
    bad = (100.0, 100.0, 100.0, 100.0) + DEFAULT_PARAMETERS[4:20] + (0.8,)
    monkeypatch.setattr(fitting, "_optimize", lambda histories, since: bad)
    result = fitting.fit(logs, None)
    assert result.new == bad and result.new_metrics and result.old_metrics
    assert result.new_metrics.log_loss > result.old_metrics.log_loss
    assert not result.adopted and result.parameters == DEFAULT_PARAMETERS
    assert result.reason == fitting.KEPT
    assert result.message.startswith("Kept the current parameters: log loss on the later "
                                     "reviews would have gone from ")


@pytest.mark.parametrize("test_share", [0.2, 0.3, 0.5])
def test_adopted_exactly_when_log_loss_improves_even_against_the_truth(logs, test_share):
    # With the true parameters in use, a fit can still come out ahead on a finite sample
    # (or not); whichever it is, only a lower log loss is adopted.
    result = fitting.fit(logs, FORGETFUL, test_share=test_share)
    assert result.old == FORGETFUL and result.new_metrics and result.old_metrics
    assert result.adopted == (result.new_metrics.log_loss < result.old_metrics.log_loss)
    assert result.parameters == (result.new if result.adopted else FORGETFUL)


def test_an_optimizer_that_fails_adopts_nothing(logs, monkeypatch):
    def failing(histories, since):
        raise ValueError("not enough data")
    monkeypatch.setattr(fitting, "_optimize", failing)
    result = fitting.fit(logs, None)
    assert (result.adopted, result.new, result.new_metrics) == (False, None, None)
    assert result.old_metrics is not None
    assert result.message == "The optimizer could not fit these reviews: not enough data"


def test_later_reviews_that_cannot_be_predicted_judge_nothing():
    # Every question answered once: the later fifth are first answers.
    logs = [Log(n, T0 + timedelta(hours=n), 3) for n in range(1000)]
    result = fitting.fit(logs, None)
    assert (result.adopted, result.new, result.reason) == (False, None, fitting.NOTHING_TO_JUDGE)
    assert (result.train, result.test) == (800, 200)


def test_fsrs_rs_weights_become_weights_py_fsrs_takes():
    # fsrs-rs computes in 32 bits: its 0.8 reads 0.800000011920929, past py-fsrs' bound.
    raw = [0.21199999749660492, *DEFAULT_PARAMETERS[1:19], 0.8000000119209290,
           0.8000000119209290]
    usable = fitting._usable(raw)
    assert usable[0] == 0.212 and usable[19] == usable[20] == 0.8
    day_scheduler(usable)
    with pytest.raises(ValueError):
        fitting._usable(raw[:19])
    with pytest.raises(ValueError):
        fitting._usable([math.nan] * 21)


# --- what is refused, and what crosses the wire ----------------------------------------------

@pytest.mark.parametrize("kwargs", [
    {"occurred_at": datetime(2026, 1, 5)}, {"grade": 0}, {"grade": 5}, {"grade": True},
    {"card": "7"}, {"card": 1.0},
])
def test_a_review_that_makes_no_sense_is_refused(kwargs):
    with pytest.raises(ValueError):
        Log(**{"card": 1, "occurred_at": T0, "grade": 3, **kwargs})


def test_parameters_py_fsrs_would_refuse_are_refused(logs):
    with pytest.raises(ValueError):
        fitting.fit(logs, DEFAULT_PARAMETERS[:19])  # FSRS-5's count
    with pytest.raises(ValueError):
        fitting.fit(logs, DEFAULT_PARAMETERS[:20] + (0.9,))  # decay past its bound
    with pytest.raises(ValueError):
        fitting.evaluate(logs, (), since=T0)
    for share in (0, 1, -0.2, 1.5):
        with pytest.raises(ValueError):
            fitting.fit(logs, None, test_share=share)


def test_a_fit_and_its_metrics_survive_json(logs):
    result = fitting.fit(logs, None)
    assert Fit.from_dict(json.loads(json.dumps(result.to_dict()))) == result
    too_few = fitting.fit(logs[:10], None)
    assert Fit.from_dict(json.loads(json.dumps(too_few.to_dict()))) == too_few
    metrics = Metrics(log_loss=0.3, rmse_bins=0.05, auc=None, reviews=12)
    assert Metrics.from_dict(metrics.to_dict()) == metrics
