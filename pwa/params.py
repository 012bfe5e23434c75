"""Whole numbers from addresses, query strings and forms: one reading, one range.

Ids, version and revision numbers live in 32-bit columns, so a number outside
1..2**31-1 names nothing. In a path (``<id:passkey_id>``) it does not match the
route: a 404. In a query string or a form it is an ``InvalidInput``: a 422 in
the one error shape under /api/, an error page elsewhere. Either way the
database never sees it (PostgreSQL refuses it mid-transaction, SQLite
overflows), so nobody gets a 500.

Only ASCII digits count: "²" and "٣" pass ``str.isdigit`` (and ``int`` takes
the second), and "1e3", "+1", " 1" or "1_000" are not how anyone writes an id.

Text is read with one rule too: no U+0000. PostgreSQL cannot store it and
fails the statement; nobody types it. ``refuse_nul`` turns it away before any
route runs: a 404 in a path, a 422 in a page's query string or form. The API
reads its query strings and bodies through schemas (``api.http``) that refuse
it the same way, and ignores what they do not declare.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import abort, request
from werkzeug.routing import BaseConverter, ValidationError

from engine.errors import N_, InvalidInput
from engine.levels import MAX_NUMBER

MAX_ID = MAX_NUMBER
# Long enough to tell "too large" from "not a number"; short enough to parse in no time.
_DIGITS = re.compile(r"[0-9]{1,32}")


def whole_number(raw: str, *, low: int = 1, high: int = MAX_ID) -> int:
    """``raw`` as an int from ``low`` to ``high``; ValueError for anything else."""
    if not _DIGITS.fullmatch(raw):
        raise ValueError(f"not a whole number: {raw[:40]!r}")
    value = int(raw)
    if not low <= value <= high:
        raise ValueError(f"{value} is not from {low} to {high}")
    return value


def int_field(values: Mapping[str, Any], name: str, *, low: int = 1,
              high: int = MAX_ID) -> int | None:
    """The whole number a query string or form gives as ``name``, or None if it gives none.

    ``values`` is ``request.args`` or ``request.form``. An empty value counts as
    none; anything else that is not a number from ``low`` to ``high`` is refused.
    """
    raw = values.get(name)
    if raw is None or raw == "":
        return None
    try:
        return whole_number(str(raw), low=low, high=high)
    except ValueError:
        raise InvalidInput(
            N_("'%(name)s' must be a whole number from %(low)s to %(high)s."),
            {"fields": [{"field": name, "message": "not a whole number in range",
                         "type": "int_range"}]},
            name=name, low=low, high=high,
        ) from None


def refuse_nul() -> None:
    """Before every route: a NUL character in the path, or a page's query or form, is refused."""
    if "\x00" in request.path:
        abort(404)
    if request.path.startswith("/api/"):
        return
    for values in (request.args, request.form):
        for name, value in values.items(multi=True):
            if "\x00" in name or "\x00" in value:
                raise InvalidInput(
                    N_("'%(name)s' holds a character that is not text (U+0000)."),
                    {"fields": [{"field": name.replace("\x00", ""), "message": "NUL character",
                                 "type": "nul"}]},
                    name=name.replace("\x00", ""),
                )


class IdConverter(BaseConverter):
    """``<id:name>``: a number from 1 to ``MAX_ID`` written plainly; anything else is a 404."""

    regex = r"[1-9][0-9]{0,9}"
    part_isolating = True
    # How the OpenAPI document describes the parameter.
    openapi_schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}

    def to_python(self, value: str) -> int:
        try:
            return whole_number(value)
        except ValueError:
            raise ValidationError() from None

    def to_url(self, value: Any) -> str:
        return str(int(value))
