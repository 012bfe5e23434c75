"""FSRS parameters fitted to an organisation's practice answers, and how each fit was judged.

One row per fit attempted (``engine.fitting.fit``): what it was fitted on, the
parameters in use and the fitted ones, how each predicted the later reviews,
and whether the fitted ones were adopted. The organisation schedules with the
``new_parameters`` of its latest adopted row, or FSRS' defaults when there is
none. Nothing here is about one person: the numbers are over all the
organisation's answers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pwa.extensions import db
from pwa.models.base import UTCDateTime


class PracticeFit(db.Model):  # type: ignore[name-defined,misc]
    """One fit of FSRS to the organisation's answers: its figures and its verdict.

    ``reason`` is the verdict's template (marked with ``N_`` in ``engine.fitting``),
    filled from ``reason_params`` where a person reads it. The metrics are
    ``engine.fitting.Metrics.to_dict()``; None where nothing was judged.
    """

    __tablename__ = "practice_fits"
    __table_args__ = (Index("ix_practice_fits_organisation_fitted", "organisation_id",
                            "fitted_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"))
    fitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    logs: Mapped[int] = mapped_column(Integer)
    train: Mapped[int] = mapped_column(Integer)
    test: Mapped[int] = mapped_column(Integer)
    old_parameters: Mapped[list[float]] = mapped_column(JSON)
    new_parameters: Mapped[list[float] | None] = mapped_column(JSON, nullable=True)
    old_metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    new_metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    adopted: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(300))
    reason_params: Mapped[dict[str, Any]] = mapped_column(JSON)
