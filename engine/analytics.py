"""Aggregates that cannot give a person away: k-anonymity with secondary suppression.

Every number shown to L&D or to leaders comes through :func:`protect`. The
report names its numbers as :class:`Cell` s, each the count of learners in a
union of disjoint *atoms* (the finest groups the report distinguishes, e.g.
one competency x site x future role x period x level). The database counts
the atoms; this module decides which cells may be shown.

The rules:

1. *Primary suppression.* A cell of more than 0 but fewer than
   :data:`K_ANONYMITY` learners is hidden. A cell of 0 is shown as 0: hiding
   it protects nobody, and because zeros are always shown, an attacker knows
   every hidden number is at least 1 (the audit assumes so).
2. *Secondary suppression.* A hidden cell must not be recoverable from the
   shown ones: not by subtraction (a total minus its visible parts), not
   through two overlapping filters (role x site against role x future role),
   not through periods, not through a role's total against its levels. The
   attacker knows the shown numbers, which atoms each one sums, and that
   counts are whole numbers of at least 0 (at least 1 when hidden).
   :func:`audit` works out, for each hidden cell, the least and the greatest
   value it can take over every solution consistent with what is shown; the
   cell is recoverable when exactly one whole number lies between the two.
   :func:`protect` hides one more shown cell taking part in each recovery
   (the smallest non-zero one, ties by key) until the audit finds none. A
   zero is never hidden, so that what the audit assumes stays true.

How the audit decides, per block of cells that share atoms (blocks are
independent: nothing shown in one says anything about another):

* Which atoms every consistent solution leaves at 0, and which hidden cells
  every solution leaves at exactly 1 (one linear programme). Apart from
  those, a consistent solution can move in every direction the equations
  allow, so a hidden cell is pinned to one real value exactly when its row
  is a combination of the shown rows (least squares, by SVD).
* For the others, the least and greatest real value by linear programming
  (HiGHS, one programme kept warm per block); every solution found also
  bounds every other hidden cell, so most cells need no programme of their
  own. Pinned when ``ceil(min) == floor(max)``. (This is the linear
  relaxation: where the programme's corners are not whole numbers an
  attacker solving integer programmes could narrow a range further.)

How :func:`protect` chooses what else to hide, cheapest first, block by block:
plain subtractions found on bit sets (a shown total less shown parts that
cover the rest exactly, or shown parts covering the cell); then the hidden
cells the least-squares check pins, each with its plain subtractions or,
failing those, the shown cells its combination uses; then the full audit,
where small moves from the true counts prove most cells open before any
programme runs. In each round, every way back loses its smallest non-zero
shown cell (ties by key) unless a cell hidden in that round already broke it.

Atoms are disjoint groups: one learner is in one atom. The same people counted
twice in different atoms (a role's learners once per competency) are two
unrelated blocks to this module: show such a number once, as one cell.

Deterministic: the cells are put in the order of their keys first, so the same
input in any order gives the same output. Keys and atoms should be plain
values (strings, numbers, tuples of them) whose ``repr`` is stable.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import highspy
import numpy as np
from highspy._core import _Highs
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from engine.levels import K_ANONYMITY, is_level

__all__ = ["K_ANONYMITY", "Cell", "audit", "priority", "protect"]

_TOL = 1e-7  # numbers here are whole counts; anything closer than this is equal

Matrix = NDArray[np.float64]


@dataclass(frozen=True)
class Cell:
    """One number a report shows: the count of learners in the union of ``atoms``."""

    key: Hashable
    atoms: frozenset[Hashable]


def protect(counts: Mapping[Hashable, int], cells: Iterable[Cell], *,
            k: int = K_ANONYMITY, integer: bool = False) -> dict[Hashable, int | None]:
    """Each cell's count, or None where it must not be shown.

    None when the group has more than 0 but fewer than ``k`` learners, or when
    its count could be worked out from the shown ones. Pass every cell of
    every filter combination the report view offers in one call, so that the
    suppression covers all of them together.

    Args:
        counts: learners per atom (an atom not given has 0).
        cells: the numbers the report view can show.
        k: the smallest group shown (:data:`K_ANONYMITY`; other values for tests).
        integer: safe against :func:`audit` with ``integer=True`` too (an
            attacker who solves integer programmes); slower.

    Raises:
        ValueError: a count that is not a whole number >= 0, or two cells with one key.
    """
    for atom, n in counts.items():
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ValueError(f"the count of {atom!r} is not a whole number >= 0: {n!r}")
    ordered = _ordered(cells)
    # A cell of no atoms is 0, shown, and tells nothing about any other: no block for it.
    out: dict[Hashable, int | None] = {c.key: 0 for c in ordered if not c.atoms}
    with threadpool_limits(1, user_api="blas"):  # small matrices: threads only fight
        for block in _blocks([c for c in ordered if c.atoms]):
            point = np.array([float(counts.get(a, 0)) for a in block.atoms])
            truth = block.matrix @ point
            values = np.where((truth > 0) & (truth < k), np.nan, truth)
            while True:
                _hide_plain_subtractions(block, values)
                found = _examine(block, values, zeros_shown=True, point=point, thorough=False)
                if not found:
                    found = _examine(block, values, zeros_shown=True, point=point,
                                     integer=integer)
                if not found:
                    break
                values[_more_to_hide(block, found, values)] = np.nan
            out.update((c.key, None if math.isnan(v) else round(v))
                       for c, v in zip(block.cells, values, strict=True))
    return {c.key: out[c.key] for c in ordered}


def audit(cells: Iterable[Cell], published: Mapping[Hashable, int | None], *,
          zeros_shown: bool = True, integer: bool = False) -> list[Hashable]:
    """The hidden cells an attacker can pin to one exact value from the shown ones.

    The attacker knows the shown numbers, which atoms each number sums, and
    that counts are whole numbers >= 0. With ``zeros_shown`` (what
    :func:`protect` does) they also know a hidden number is at least 1.

    Args:
        cells: the report view's cells, as given to :func:`protect`.
        published: each cell's shown count, or None where hidden (a key not
            given is hidden).
        zeros_shown: the attacker knows a hidden number is at least 1.
        integer: bound each hidden cell by integer programmes rather than their
            linear relaxation (exact, and much slower: for tests on small views).

    Returns:
        The keys of the recoverable cells, in key order. Empty: safe.

    Raises:
        ValueError: the shown numbers contradict each other (no counts fit them).
    """
    ordered = _ordered(cells)
    recoverable: set[Hashable] = set()
    with threadpool_limits(1, user_api="blas"):
        for block in _blocks(ordered):
            shown = [published.get(c.key) for c in block.cells]
            values = np.array([np.nan if v is None else float(v) for v in shown])
            found = _examine(block, values, zeros_shown=zeros_shown, integer=integer)
            recoverable |= {block.cells[j].key for j in found}
    return [c.key for c in ordered if c.key in recoverable]


def priority(gap: float, importance: int, affected: int) -> float:
    """Where learning and development should invest first: gap x importance x people affected.

    ``gap`` is the average number of levels the affected learners are below
    target, ``importance`` the role's 1-5 importance of the competency,
    ``affected`` how many learners have the gap. Pass ``affected`` as
    :func:`protect` published it: a score shown beside a hidden count would
    give the count back (divide by gap x importance), so a hidden count has no score.

    Raises:
        ValueError: a negative or non-finite gap, an importance off the 1-5
            scale, or a negative or non-whole number of people.
    """
    if isinstance(gap, bool) or not isinstance(gap, int | float) or not math.isfinite(gap) \
            or gap < 0:
        raise ValueError(f"a gap is a finite number >= 0, not {gap!r}")
    if not is_level(importance):
        raise ValueError(f"an importance is a whole number from 1 to 5, not {importance!r}")
    if not isinstance(affected, int) or isinstance(affected, bool) or affected < 0:
        raise ValueError(f"people affected is a whole number >= 0, not {affected!r}")
    return float(gap) * importance * affected


def shown_gap(target: int, counts: Iterable[tuple[int, int | None]]) -> float:
    """The mean gap below ``target`` of the (level, people) counts that are shown.

    Hidden (None) and empty levels are left out; with nothing shown the gap is one
    level, the least a gap can be.
    """
    shown = [(level, n) for level, n in counts if n]
    if not shown:
        return 1.0
    return sum((target - level) * n for level, n in shown) / sum(n for _, n in shown)


# --- the order of things ---------------------------------------------------------------


_PLAIN = frozenset({str, int, type(None)})  # types whose repr is their value, whatever the run


def _canon(value: object) -> str:
    """A text for ``value`` that does not depend on hashing (sets are sorted)."""
    if type(value) is tuple and all(type(v) in _PLAIN for v in value):
        return f"tuple:{value!r}"  # the usual key or atom, quickly
    if isinstance(value, tuple | list):
        return "(" + ",".join(_canon(v) for v in value) + ")"
    if isinstance(value, frozenset | set):
        return "{" + ",".join(sorted(_canon(v) for v in value)) + "}"
    return f"{type(value).__name__}:{value!r}"


def _ordered(cells: Iterable[Cell]) -> list[Cell]:
    out = sorted(cells, key=lambda c: _canon(c.key))
    for before, after in zip(out, out[1:], strict=False):
        if before.key == after.key:
            raise ValueError(f"two cells have the key {before.key!r}")
    return out


class _Block:
    """Cells joined by shared atoms, and which atoms each one sums (a 0/1 matrix)."""

    def __init__(self, cells: list[Cell]) -> None:
        self.cells = cells
        self.atoms = sorted({a for c in cells for a in c.atoms}, key=_canon)
        column = {a: i for i, a in enumerate(self.atoms)}
        self.matrix = np.zeros((len(cells), len(self.atoms)))
        for i, cell in enumerate(cells):
            self.matrix[i, [column[a] for a in cell.atoms]] = 1.0


def _blocks(ordered: Sequence[Cell]) -> list[_Block]:
    """The independent blocks, each in key order; blocks in the order of their first key."""
    owner: dict[Hashable, int] = {}  # atom -> its group, named by its first cell
    members: dict[int, list[Hashable]] = {}
    for i, cell in enumerate(ordered):
        groups = {owner[a] for a in cell.atoms if a in owner}
        group = min(groups, default=i)
        members.setdefault(group, [])
        for other in groups - {group}:  # merge: the smaller name stays
            for a in members[other]:
                owner[a] = group
            members[group] += members.pop(other)
        for a in cell.atoms:
            if a not in owner:
                owner[a] = group
                members[group].append(a)
    blocks: dict[object, list[Cell]] = {}
    for i, cell in enumerate(ordered):
        # An empty cell is a block of its own.
        name: object = owner[next(iter(cell.atoms))] if cell.atoms else ("empty", i)
        blocks.setdefault(name, []).append(cell)
    return [_Block(cells) for cells in blocks.values()]


# --- the audit of one block --------------------------------------------------------------

# A recoverable cell -> the ways to recover it, each the shown cells it uses.
Found = dict[int, list[list[int]]]


def _examine(block: _Block, values: Matrix, *, zeros_shown: bool, point: Matrix | None = None,
             thorough: bool = True, integer: bool = False) -> Found:
    """The recoverable hidden cells of one block (``values``: NaN where hidden).

    ``point``: counts known to fit (the truth, in :func:`protect`, which
    also needs only some of the recoverable cells at a time). Not
    ``thorough``: only what subtraction recovers, the cheap first pass.
    """
    hidden_mask = np.isnan(values)
    if not hidden_mask.any():
        return {}
    empty = ~block.matrix.any(axis=1)
    found: Found = {int(j): [[]] for j in np.flatnonzero(hidden_mask & empty)}  # always 0
    hidden = np.flatnonzero(hidden_mask & ~empty)
    # Atoms of a shown 0 are 0: drop them (and the zeros) before anything else.
    zero = block.matrix[~hidden_mask & (values == 0)].any(axis=0)
    shown = np.flatnonzero(~hidden_mask & (values != 0))
    live = np.flatnonzero(~zero)
    shown_rows = block.matrix[np.ix_(shown, live)]
    hidden_rows = block.matrix[np.ix_(hidden, live)]
    if not thorough:
        pinned, uses, _ = _in_row_space(shown_rows, hidden_rows)
        bits = _as_bits(shown_rows) if pinned.any() else []
        for j in np.flatnonzero(pinned):
            ways = _subtractions(bits, _as_bits(hidden_rows[j:j + 1])[0])
            found[int(hidden[j])] = [[int(shown[i]) for i in way] for way in ways] \
                or [_named(uses[j], shown)]
        return found

    n_atoms, slacks = len(live), len(hidden) if zeros_shown else 0
    # hidden >= 1: the sum of its atoms - its slack = 1.
    a_eq = np.hstack([np.vstack([shown_rows, hidden_rows[:slacks]]),
                      np.vstack([np.zeros((len(shown), slacks)), -np.eye(slacks)])])
    b_eq = np.concatenate([values[shown], np.ones(slacks)])
    queries = np.hstack([hidden_rows, np.zeros((len(hidden), slacks))])
    known = None
    if point is not None:
        atoms = point[live]
        known = np.concatenate([atoms, hidden_rows[:slacks] @ atoms - 1.0])

    free = _not_always_zero(a_eq, b_eq, known)
    # A hidden row whose slack is free can always be met: it pins nothing.
    binding = np.concatenate([np.ones(len(shown), dtype=bool), ~free[n_atoms:]])
    a_free, queries = a_eq[:, free], queries[:, free]

    # Pinned to one real value: the hidden row is a combination of the binding rows.
    pinned, uses, moves = _in_row_space(a_free[binding], queries)
    if pinned.any():
        # The ways back by plain subtraction once the atoms that must be 0 are
        # gone; the hidden rows pinned to 1 take part (they cannot be hidden more).
        rows = np.concatenate([shown, hidden[:slacks]])[binding]
        bits = _as_bits(a_free[binding][:, :int(free[:n_atoms].sum())])
        order = _largest_first(bits)
        query_bits = _as_bits(queries[:, :int(free[:n_atoms].sum())])
        for j in np.flatnonzero(pinned):
            me = int(hidden[j])
            ways = [[int(rows[i]) for i in way]
                    for way in _subtractions(bits, query_bits[j], order)]
            ways = [way for way in ways if me not in way]
            if not ways:
                # Held at 1 by the others' least values: the shown totals around it.
                around = [int(i) for i in shown
                          if np.all(block.matrix[i] >= block.matrix[me])]
                ways = [around] if around else [_named(uses[j], shown)]
            found[me] = ways
    if found and point is not None:
        return found  # protect hides more first; the programmes wait for a clean pass
    todo = [int(j) for j in np.flatnonzero(~pinned)]
    if known is not None and not integer:  # (a real move is no whole solution)
        todo = _still_undecided(a_free[binding], queries, known[free], todo,
                                n_atoms=int(free[:n_atoms].sum()),
                                slack_rows=a_free[~binding])
    start = known[free] if known is not None else None
    for q in _pinned_whole(a_free, b_eq, queries, todo, start, integer):
        near = [int(i) for i in shown if (block.matrix[i] * block.matrix[hidden[q]]).any()]
        found[int(hidden[q])] = [near or [int(i) for i in shown]]
    return found


def _as_bits(rows: Matrix) -> list[int]:
    """Each 0/1 row as the bits of an integer: sets become cheap to compare."""
    packed = np.packbits(rows != 0, axis=1, bitorder="little")
    return [int.from_bytes(row.tobytes(), "little") for row in packed]


def _subtractions(shown: list[int], cell: int, order: list[int] | None = None,
                  ) -> list[list[int]]:
    """The plain subtractions that recover ``cell``: the shown rows each one uses.

    A shown total holding the cell, less shown parts that exactly cover the
    rest; or shown parts that exactly cover the cell. Parts are taken largest
    first (that finds the partitions a report's filters make). Rows are bit sets;
    ``order``: the shown rows largest first (:func:`_largest_first`).
    """
    order = _largest_first(shown) if order is None else order
    ways = []
    for total in order:
        if shown[total] & cell == cell and shown[total] != cell:
            parts = _cover(shown, order, shown[total] & ~cell)
            if parts is not None:
                ways.append([total, *parts])
    parts = _cover(shown, order, cell)
    if parts is not None:
        ways.append(parts)
    return ways


def _largest_first(shown: list[int]) -> list[int]:
    return sorted(range(len(shown)), key=lambda i: (-shown[i].bit_count(), i))


def _cover(shown: list[int], order: list[int], target: int) -> list[int] | None:
    """Disjoint shown rows whose union is ``target``, largest first; None if that fails."""
    left, parts = target, []
    for i in order:
        if shown[i] and shown[i] & left == shown[i]:
            parts.append(i)
            left &= ~shown[i]
            if not left:
                return parts
    return None


def _hide_plain_subtractions(block: _Block, values: Matrix) -> None:
    """Hide cells (NaN in ``values``) until no plain subtraction gives a hidden one back.

    The cheap rules, before any linear algebra: a hidden cell that a shown total
    less shown parts, or shown parts alone, give back costs the smallest shown
    cell of that way; then the newly hidden cells are looked at the same way.
    """
    zero = block.matrix[values == 0].any(axis=0)
    bits = _as_bits(block.matrix[:, ~zero])
    # Hiding only takes ways away: a cell with none never gets one, and every way
    # found is broken, so each round looks only at the cells just hidden (another
    # way to a cell looked at before is left to the linear algebra that follows).
    look = [int(j) for j in np.flatnonzero(np.isnan(values)) if bits[j]]
    while look:
        shown = [i for i in range(len(values)) if values[i] > 0]
        shown_bits = [bits[i] for i in shown]
        order = _largest_first(shown_bits)
        found: Found = {}
        for j in look:
            ways = _subtractions(shown_bits, bits[j], order)
            if ways:
                found[j] = [[shown[i] for i in way] for way in ways]
        more = _more_to_hide(block, found, values)
        values[more] = np.nan
        look = [i for i in more if bits[i]]


def _named(coefficients: Matrix, shown: NDArray[np.intp]) -> list[int]:
    """The shown cells with a part in a combination (its first rows are theirs)."""
    return [int(shown[i]) for i in np.flatnonzero(np.abs(coefficients) > 1e-9)
            if i < len(shown)]


def _not_always_zero(a_eq: Matrix, b_eq: Matrix, known: Matrix | None) -> NDArray[np.bool_]:
    """Which variables some solution of ``a_eq x = b_eq, x >= 0`` makes positive.

    One programme on the cone
    ``a_eq x = tau b_eq``, ``tau >= 1``: maximise the number of variables that
    reach 1 (scaling makes any positive one reach 1, and the sum of two
    solutions is one). Variables positive in ``known`` (a solution) need no asking.
    """
    rows, width = a_eq.shape
    free = known > _TOL if known is not None else np.zeros(width, dtype=bool)
    ask = np.flatnonzero(~free)
    if known is not None and not len(ask):
        return free
    m = len(ask)
    # Variables: x (width), t (m), tau. Rows: a_eq x - tau b_eq = 0; t - x <= 0.
    a = np.zeros((rows + m, width + m + 1))
    a[:rows, :width] = a_eq
    a[:rows, -1] = -b_eq
    a[rows + np.arange(m), ask] = -1.0
    a[rows + np.arange(m), width + np.arange(m)] = 1.0
    inf = highspy.kHighsInf
    lp = _Programme(a, np.concatenate([np.zeros(rows), np.full(m, -inf)]), np.zeros(rows + m),
                    np.zeros(width + m + 1),
                    np.concatenate([np.full(width, inf), np.ones(m), [inf]]))
    lp.col_lower[-1] = 1.0
    x = lp.solve(np.concatenate([np.zeros(width), -np.ones(m), [0.0]]))
    if x is None:
        raise RuntimeError("the audit's programme has no bound")
    free = free.copy()
    free[ask] = x[width:width + m] > 0.5
    return free


class _Programme:
    """A linear programme kept between solves: only the objective changes (warm starts)."""

    def __init__(self, a: Matrix, row_lower: Matrix, row_upper: Matrix, col_lower: Matrix,
                 col_upper: Matrix, integer: bool = False) -> None:
        self.integer = integer
        self.col_lower = col_lower
        # The plain solver highspy.Highs wraps: no interrupt callbacks, no banner on stdout.
        self.highs = _Highs()
        self.highs.setOptionValue("output_flag", False)
        self.highs.setOptionValue("threads", 1)
        self.width = a.shape[1]
        self.ready = False
        self.a, self.row_lower, self.row_upper, self.col_upper = a, row_lower, row_upper, \
            col_upper

    def _load(self) -> None:
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = self.width, self.a.shape[0]
        lp.col_cost_ = np.zeros(self.width)
        lp.col_lower_, lp.col_upper_ = self.col_lower, self.col_upper
        lp.row_lower_, lp.row_upper_ = self.row_lower, self.row_upper
        nonzero = self.a != 0
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum(nonzero.sum(axis=0))]).astype(
            np.int32)
        rows, cols = np.nonzero(nonzero.T)  # column by column
        lp.a_matrix_.index_ = cols.astype(np.int32)
        lp.a_matrix_.value_ = self.a.T[rows, cols]
        if self.integer:
            lp.integrality_ = [highspy.HighsVarType.kInteger] * self.width
        self.highs.passModel(lp)
        self.ready = True

    def solve(self, cost: Matrix) -> Matrix | None:
        """A solution minimising ``cost``; None when the cost falls without bound.

        Raises:
            ValueError: no solution at all (the shown numbers contradict each other).
        """
        if not self.ready:
            self._load()
        self.highs.changeColsCost(self.width, np.arange(self.width, dtype=np.int32),
                                  np.asarray(cost, dtype=np.float64))
        self.highs.run()
        status = self.highs.getModelStatus()
        if status == highspy.HighsModelStatus.kUnknown:
            # A warm start can end undecided (seen on unbounded ones): solve afresh.
            self.highs.clearSolver()
            self.highs.run()
            status = self.highs.getModelStatus()
        if status == highspy.HighsModelStatus.kOptimal:
            return np.array(self.highs.getSolution().col_value)
        if status == highspy.HighsModelStatus.kInfeasible:
            raise ValueError("the shown numbers contradict each other")
        if status in (highspy.HighsModelStatus.kUnbounded,
                      highspy.HighsModelStatus.kUnboundedOrInfeasible):
            return None
        words = self.highs.modelStatusToString(status)
        raise RuntimeError(f"the audit's programme failed: {words}")


def _in_row_space(a: Matrix, queries: Matrix) -> tuple[NDArray[np.bool_], Matrix, Matrix]:
    """Which query rows are combinations of ``a``'s rows.

    Also the coefficients (the least-norm ones) and what is left of each query
    outside the row space: the direction in which the equations let it move.
    """
    if not a.size or not np.any(a):
        nothing = np.logical_not(queries.any(axis=1))
        return nothing, np.zeros((len(queries), a.shape[0])), queries.copy()
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    rank = int(np.sum(s > s[0] * 1e-10))
    u, s, vt = u[:, :rank], s[:rank], vt[:rank]
    projected = queries @ vt.T  # coordinates in the row space
    residual = queries - projected @ vt
    pinned = np.linalg.norm(residual, axis=1) < 1e-6
    coefficients = (projected / s) @ u.T  # y with y @ a = query
    return pinned, coefficients, residual


def _still_undecided(binding: Matrix, queries: Matrix, known: Matrix, todo: list[int], *,
                     n_atoms: int, slack_rows: Matrix) -> list[int]:
    """Of ``todo``, the queries no small move from the known solution shows to be open.

    From the truth, a query moves along its own direction within the shown
    equations, leaving the atoms and slacks that are 0 where they are (so every
    small step stays a solution). When a step that keeps everything >= 0
    changes it by 1 or more, two whole values fit: it is not pinned.
    Variables: ``n_atoms`` atoms, then one slack per row of ``slack_rows``.
    """
    atoms, slacks = known[:n_atoms], known[n_atoms:]
    tight = slacks < _TOL
    still = np.vstack([binding[:, :n_atoms], np.eye(n_atoms)[atoms < _TOL],
                       slack_rows[tight, :n_atoms]])
    _, _, moves = _in_row_space(still, queries[todo, :n_atoms])
    out = []
    for j, move in zip(todo, moves, strict=True):
        gain = float(queries[j, :n_atoms] @ move)
        if gain <= _TOL:
            out.append(j)
            continue
        slack_move = slack_rows[:, :n_atoms] @ move
        values = np.concatenate([atoms, slacks])
        change = np.concatenate([move, slack_move])
        steps = []
        for sign in (1.0, -1.0):
            falling = sign * change < -_TOL
            steps.append(float(np.min(values[falling] / -(sign * change[falling])))
                         if falling.any() else np.inf)
        if max(steps) * gain < 1.0 - _TOL:
            out.append(j)
    return out


def _pinned_whole(a_eq: Matrix, b_eq: Matrix, queries: Matrix, todo: list[int],
                  start: Matrix | None, integer: bool = False) -> list[int]:
    """Of the query rows ``todo``, those with one whole value between their least and greatest.

    ``integer``: over whole-number solutions only (integer programmes, one
    query at a time), instead of the linear relaxation.

    Each solution a programme finds is a value for every query, so the range
    seen so far grows for all of them; a query whose range already holds two
    whole numbers needs no programme of its own.
    """
    low = np.full(len(queries), np.inf)
    high = np.full(len(queries), -np.inf)

    def seen(x: Matrix) -> None:
        v = queries @ x
        np.minimum(low, v, out=low)
        np.maximum(high, v, out=high)

    def open_(j: int) -> bool:
        if high[j] == np.inf:
            return True
        if low[j] > high[j]:
            return False
        return bool(math.floor(high[j] + _TOL) - math.ceil(low[j] - _TOL) >= 1)

    inf = highspy.kHighsInf
    lp = _Programme(a_eq, b_eq, b_eq, np.zeros(a_eq.shape[1]), np.full(a_eq.shape[1], inf),
                    integer=integer)
    if integer:
        out = []
        for j in todo:
            greatest = lp.solve(-queries[j])
            if greatest is None:
                continue
            most = round(float(queries[j] @ greatest))
            if start is not None and most != round(float(queries[j] @ start)):
                continue  # the truth is another whole solution
            least = lp.solve(queries[j])
            if least is not None and round(float(queries[j] @ least)) == most:
                out.append(j)
        return out
    if start is not None:
        seen(start)
    # First all of them at once, pushed apart: in round r a query goes up when
    # bit r of its place is set and down otherwise, so any two go opposite ways
    # in some round. Then one by one, what is still undecided.
    rounds = max(1, math.ceil(math.log2(max(len(todo), 2)))) + 1
    for r in range(rounds):
        undecided = [j for j in todo if not open_(j)]
        if not undecided:
            break
        signs = np.array([1.0 if (place >> r) & 1 else -1.0 for place in range(len(undecided))])
        for sign in (1.0, -1.0):
            x = lp.solve(-sign * (signs @ queries[undecided]))
            if x is not None:
                seen(x)
    out = []
    for j in todo:
        for objective in (-queries[j], queries[j]):  # the greatest, then the least
            if open_(j):
                break
            x = lp.solve(objective)
            if x is None:  # no greatest
                high[j] = np.inf
                break
            seen(x)
        if not open_(j):
            out.append(j)
    return out


def _more_to_hide(block: _Block, found: Found, values: Matrix) -> list[int]:
    """For each way of recovering a cell, one more shown cell: its smallest non-zero one.

    A way already broken by a cell chosen in this round needs no other.
    """
    more: set[int] = set()
    for j in sorted(found):
        for way in found[j]:
            uses = [i for i in way if values[i] > 0]
            if not uses:
                uses = [int(i) for i in np.flatnonzero(values > 0)]
            if more & set(uses):
                continue
            if not uses:
                raise RuntimeError(f"nothing left to hide to protect {block.cells[j].key!r}")
            more.add(min(uses, key=lambda i: (values[i], i)))
    return sorted(more)
