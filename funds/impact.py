"""The incremental revenue a fund or incentive brought a distributor, against untreated peers.

Pure pandas and numpy, no Django: the caller reads the monthly revenue panel (columns
`distributor`, `month`, `revenue`; a missing month means "not reported", never zero), names the
treated distributor(s) and the treatment's first and last month, and gets an `Estimate` back.

Everything is worked in log revenue, so an effect is multiplicative (+12 % means the same for a
distributor of 10,000 a month as for one of 10 million) and big distributors do not drown small
ones; the effect is turned into money only at the end. The panel is pivoted once into a
distributors × months matrix (`revenue_matrix`), and every method works on slices of it: no loop
in Python ever runs over the panel's rows.

Methods are strategy classes in `METHODS` (adding one means adding a class with `@register`):
`did_matched` (difference-in-differences against matched peers), `synthetic_control` (demeaned
synthetic control, for a distributor with no natural peers) and `auto`, which picks one of them.
`Estimate` carries codes and numbers, so that the caller can word it in the reader's language.
"""

import math
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# Why no estimate could be made: code → English sentence, for the caller to translate.
REASONS = {
    "too_few_pre_months": "The revenue history before the treatment is shorter than the "
    "pre-period.",
    "post_window_incomplete": "The effect window (the treatment's months plus the lag) is not "
    "over, or not reported, yet.",
    "treated_missing_months": "The distributor did not report every month of the pre-period and "
    "the effect window.",
    "treated_non_positive_revenue": "The distributor reported a zero or negative month in the "
    "window, which a multiplicative effect cannot describe.",
    "no_untreated_distributors": "No untreated distributor reported every month of the window.",
    "too_few_untreated_distributors": "Fewer than two untreated distributors reported every month "
    "of the window.",
    "nothing_estimated": "None of the estimates to combine could be made.",
}

# How many of the nearest untreated distributors lend their noise to the stand-in for the
# treated one's own (see `MatchedDifferenceInDifferences`): ten peers cannot describe the tails.
NOISE_PEERS = 50
# A synthetic-control donor counts as "used" above this weight (tiny weights are solver dust).
USED_WEIGHT = 0.01


@dataclass(frozen=True)
class Estimate:
    """One treatment's incremental revenue, or a sum of several (`method == "combined"`).

    Money is in the panel's currency. `low`/`high` bound `incremental` at `confidence`.
    `effect_percent` is the multiplicative effect (+12.0 means revenue was 12 % above what it
    would have been). `actual` is the revenue over the effect window, the base of the effect.
    `peers` counts the comparison distributors: the matched peers, or the synthetic-control
    donors weighing more than 1 %, or (combined) the distinct ones over all parts; `comparison`
    names them with their weights. `pre_rmse` is the root mean square gap, in log revenue, between
    the distributor and its comparison over the pre-period (0.05 ≈ a 5 % monthly misfit).
    When no estimate can be made, `reason` is a code of `REASONS` and the figures are None.
    `draws` are samples of `incremental` under the method's error model; `combine` sums them.
    """

    distributor: object
    method: str
    method_label: str
    incremental: float | None
    low: float | None
    high: float | None
    confidence: float
    effect_percent: float | None = None
    actual: float | None = None
    peers: int = 0
    pre_months: int = 0
    post_months: int = 0
    pre_rmse: float | None = None
    reason: str = ""
    comparison: tuple = ()  # ((distributor id, weight), ...), heaviest first
    parts: tuple = ()  # the estimates a combined one sums
    draws: np.ndarray = field(default_factory=lambda: np.empty(0), compare=False, repr=False)

    @property
    def is_estimated(self):
        return not self.reason


@dataclass(frozen=True)
class RevenueMatrix:
    """The panel pivoted once: row i is distributor `ids[i]`, column j is month `start + j`
    (months counted as pandas monthly Period ordinals); NaN where a month was not reported."""

    ids: pd.Index
    start: int
    revenue: np.ndarray
    log_revenue: np.ndarray

    @property
    def months(self):
        return self.revenue.shape[1]


@dataclass(frozen=True)
class Options:
    """Knobs shared by the methods (see `estimate` for their meaning)."""

    confidence: float = 0.9
    peers: int = 10
    caliper: float = 1.0
    min_peers: int = 5
    draws: int = 500
    donors: int = 200
    placebos: int = 100
    seed: int = 0


@dataclass(frozen=True)
class Window:
    """One treated distributor's slice of the matrix: its log revenue over the pre-period then
    the effect window, the same for every usable untreated distributor (the pool), and where
    each of them stands against it in pre-period level and trend."""

    distributor: object
    pre_months: int
    treated_log: np.ndarray  # (months,)
    treated_post_revenue: float
    pool_ids: list  # (pool,)
    pool_log: np.ndarray  # (pool, months)
    level_distance: np.ndarray  # (pool,) |Δ mean log revenue|, in pool standard deviations
    distance: np.ndarray  # (pool,) Euclidean over standardised level and trend

    @property
    def post_months(self):
        return self.treated_log.size - self.pre_months

    def by_distance(self, count):
        """Pool positions of the `count` nearest, nearest first (ties by panel order)."""
        return np.argsort(self.distance, kind="stable")[:count]


def revenue_matrix(panel):
    """Pivot a `distributor`, `month`, `revenue` frame once; pass the result to `estimate` when
    estimating many treatments over the same panel. Rows of one distributor and month are added
    up; a NaN revenue is a month not reported."""
    revenue = pd.to_numeric(panel["revenue"], errors="coerce").to_numpy(dtype=float)
    reported = np.isfinite(revenue)
    months = _month_ordinals(panel["month"])[reported]
    codes, uniques = pd.factorize(panel["distributor"].to_numpy()[reported])
    if not codes.size:
        empty = np.empty((0, 0))
        return RevenueMatrix(pd.Index(uniques), 0, empty, empty)
    start = int(months.min())
    width = int(months.max()) - start + 1
    cells = codes * width + (months - start)
    size = uniques.size * width
    total = np.bincount(cells, weights=revenue[reported], minlength=size)
    count = np.bincount(cells, minlength=size)
    matrix = np.where(count > 0, total, np.nan).reshape(uniques.size, width)
    with np.errstate(invalid="ignore", divide="ignore"):
        log_revenue = np.log(np.where(matrix > 0, matrix, np.nan))
    return RevenueMatrix(pd.Index(uniques), start, matrix, log_revenue)


def estimate(
    panel,
    *,
    treated,
    first_month,
    last_month,
    method="auto",
    lag=2,
    pre_months=12,
    exclude=(),
    confidence=0.9,
    peers=10,
    caliper=1.0,
    min_peers=5,
    draws=500,
    donors=200,
    placebos=100,
    seed=0,
):
    """The incremental revenue of one treatment (a fund's activity, an incentive programme).

    `panel` is the revenue frame or its `revenue_matrix`. `treated` is one distributor id, or a
    collection of them (a programme): then each is estimated against the untreated only and the
    result is their `combine`. `first_month`/`last_month` (a date, Timestamp or Period) are the
    treatment's period; the effect is counted from `first_month` to `lag` months after
    `last_month`, because the orders a trade show or a promotion brings come in the weeks after
    it. The comparison is fitted on the `pre_months` months before `first_month`. `exclude`
    names distributors that must not serve as comparison (those treated by something else in
    the window). `method` is a key of `METHODS`; "auto" takes `did_matched` when at least
    `min_peers` untreated distributors lie within `caliper` standard deviations of the treated
    one's pre-period log level, else `synthetic_control`. `peers` is the number of matched peers
    (k), `draws` the bootstrap draws (B), `donors` the synthetic-control pool size and
    `placebos` the number of in-space placebos (P); `seed` makes every interval reproducible.

    Data that cannot support an estimate yields an `Estimate` with `reason` set, never an
    exception; only impossible arguments (an unknown method, `last_month` before
    `first_month`, ...) raise ValueError.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; known: {', '.join(METHODS)}")
    if not 0 < confidence < 1:
        raise ValueError("confidence must lie strictly between 0 and 1")
    if pre_months < 3:
        raise ValueError("pre_months must be at least 3: a trend needs three points")
    if lag < 0:
        raise ValueError("lag cannot be negative")
    if min(peers, donors) < 2 or min(draws, placebos) < 1:
        raise ValueError("peers and donors must be at least 2, draws and placebos at least 1")
    first, last = _month(first_month), _month(last_month)
    if last < first:
        raise ValueError("last_month is before first_month")
    options = Options(confidence, peers, caliper, min_peers, draws, donors, placebos, seed)
    matrix = panel if isinstance(panel, RevenueMatrix) else revenue_matrix(panel)
    if _is_collection(treated):
        treated = list(dict.fromkeys(treated))
        everyone = set(treated) | set(exclude)
        return combine(
            _estimate_one(matrix, each, everyone, first, last + lag, pre_months, method, options)
            for each in treated
        )
    everyone = {treated} | set(exclude)
    return _estimate_one(matrix, treated, everyone, first, last + lag, pre_months, method, options)


def combine(estimates):
    """The sum of several estimates (the distributors of a programme, the activities of a fund).

    When every part carries draws of the same length (all methods here do, for the same
    `draws`), the interval is the percentile interval of the part-wise sum of the draws: each
    part's draws come from its own random stream, so this treats the parts' errors as
    independent, which holds for their dominant term (each distributor's own noise) but not for
    peers they share, nor for two activities of one distributor in overlapping windows (estimate
    those as one treatment). Otherwise it falls back to adding up the bounds, exact if the errors
    moved together and wider than needed if they do not. Parts that could not be estimated are
    left out of the sum and kept in `parts`.
    """
    parts = tuple(estimates)
    confidences = {part.confidence for part in parts}
    if len(confidences) > 1:
        raise ValueError("cannot combine estimates made at different confidence levels")
    confidence = confidences.pop() if confidences else Options.confidence
    made = [part for part in parts if part.is_estimated]
    if not made:
        return _refusal(None, "combined", "nothing_estimated", confidence, 0, 0, parts=parts)
    incremental = sum(part.incremental for part in made)
    actual = sum(part.actual for part in made)
    lengths = {part.draws.size for part in made}
    draws = np.sum([part.draws for part in made], axis=0) if len(lengths) == 1 else np.empty(0)
    if len(made) == 1:
        low, high = made[0].low, made[0].high
    elif draws.size:
        low, high = _percentile_interval(draws, confidence)
    else:
        low, high = sum(part.low for part in made), sum(part.high for part in made)
    skipped = len(parts) - len(made)
    label = f"Sum of {len(made)} estimates"
    if skipped:
        label += f" ({skipped} could not be made)"
    compared = {distributor for part in made for distributor, _weight in part.comparison}
    return Estimate(
        distributor=None,
        method="combined",
        method_label=label,
        incremental=incremental,
        low=low,
        high=high,
        confidence=confidence,
        effect_percent=_percent(incremental, actual),
        actual=actual,
        peers=len(compared),
        pre_months=min(part.pre_months for part in made),
        post_months=max(part.post_months for part in made),
        reason="",
        parts=parts,
        draws=_frozen(draws),
    )


METHODS = {}


def register(method):
    METHODS[method.key] = method()
    return method


class Method:
    key = ""

    def estimate(self, window, options):
        raise NotImplementedError


@register
class Automatic(Method):
    """Matched peers when there are enough close ones: difference-in-differences then rests on
    an assumption (parallel paths of similar distributors) that is easy to explain. A
    distributor unlike any other (the biggest, the fastest growing) has no such peers, and a
    weighted blend of donors that follows its own pre-period path is the better counterfactual."""

    key = "auto"

    def estimate(self, window, options):
        close = int(np.count_nonzero(window.level_distance <= options.caliper))
        chosen = "did_matched" if close >= options.min_peers else "synthetic_control"
        return METHODS[chosen].estimate(window, options)


@register
class MatchedDifferenceInDifferences(Method):
    """Difference-in-differences against the k untreated distributors nearest in pre-period
    level and trend (mean and slope of log revenue, standardised over the pool).

    Each distributor's log revenue is taken relative to its own pre-period mean; the treated
    distributor's counterfactual path is the peers' mean relative path, and the effect δ is the
    mean gap over the effect window. Money: counterfactual revenue = actual / exp(δ) month by
    month, so incremental = Σ actual × (1 − exp(−δ)). One δ for the whole window rather than a
    gap per month, because exp() of a noisy monthly gap is biased upwards (Jensen) and would
    understate the increment.

    Interval: bootstrap over peers. The error of δ is the treated distributor's own noise minus
    the noise of the peers' mean. Each of the B draws resamples the peer set with replacement
    (the second term) and adds a stand-in for the first: the change of one of the `NOISE_PEERS`
    nearest untreated distributors, taken from their mean change and scaled by √(n/(n−1)).
    With one treated distributor its own noise dominates, so resampling the peers alone would
    give an interval about √k times too narrow; and drawn from the k peers only, the stand-in
    has ten values to describe the tails (85 % coverage for a nominal 90 % in simulation). The
    interval is the percentile interval of the draws at `confidence`.
    """

    key = "did_matched"

    def estimate(self, window, options):
        count = min(options.peers, len(window.pool_ids))
        if count < 2:
            return _refusal_for(window, self.key, "too_few_untreated_distributors", options)
        pre = window.pre_months
        nearest = window.by_distance(max(count, NOISE_PEERS))
        paths = window.pool_log[nearest]
        relative = paths - paths[:, :pre].mean(axis=1, keepdims=True)
        # Every comparable distributor's change from its pre-period to the effect window.
        changes = relative[:, pre:].mean(axis=1)
        chosen, peer_changes = nearest[:count], changes[:count]
        treated = window.treated_log - window.treated_log[:pre].mean()
        gap = treated - relative[:count].mean(axis=0)
        effect = gap[pre:].mean()
        rng = _random(options.seed, window.distributor)
        resampled = peer_changes[rng.integers(count, size=(options.draws, count))].mean(axis=1)
        deviations = (changes - changes.mean()) * math.sqrt(changes.size / (changes.size - 1))
        stand_in = deviations[rng.integers(changes.size, size=options.draws)]
        effects = treated[pre:].mean() - resampled - stand_in
        return _result(
            window,
            self.key,
            f"Difference-in-differences against {count} matched peers",
            effect,
            effects,
            _percentile_interval,
            options,
            peers=count,
            pre_rmse=float(np.sqrt(np.mean(gap[:pre] ** 2))),
            comparison=tuple((window.pool_ids[i], 1 / count) for i in chosen),
        )


@register
class DemeanedSyntheticControl(Method):
    """Demeaned synthetic control: weights w ≥ 0, Σw = 1 over a donor pool, chosen so that the
    weighted donors' pre-period log revenue, each taken relative to its own pre-period mean,
    follows the treated distributor's as closely as possible (least squares). Demeaning makes a
    level difference irrelevant, so a distributor three times bigger than every donor still
    gets a close fit. The pool is the `donors` untreated distributors nearest in level and trend
    (the nearest in size are the likeliest to share its noise and seasonality).

    Interval: in-space placebos. The same fit is run for each of the `placebos` donors nearest
    to the treated distributor as if it had been treated (its pool: the others); their effect
    estimates, which should be zero, are the null distribution of the estimation error. The band
    is the estimate ± the conformal quantile of |placebo effects| (the ⌈(P+1)·confidence⌉-th
    smallest of P, the largest when P is too small for that): if the treated distributor's
    error is exchangeable with the placebos', it falls inside with at least the stated
    confidence. `draws` (for `combine`) are the estimate ± placebo effects drawn with
    replacement, with a random sign, so that their percentile interval is about the band.
    """

    key = "synthetic_control"

    def estimate(self, window, options):
        pool = window.by_distance(options.donors)
        if pool.size < 2:
            return _refusal_for(window, self.key, "too_few_untreated_distributors", options)
        pre = window.pre_months
        paths = window.pool_log[pool]
        relative = paths - paths[:, :pre].mean(axis=1, keepdims=True)
        treated = window.treated_log - window.treated_log[:pre].mean()
        placebos = np.arange(min(options.placebos, pool.size))
        targets = np.vstack([treated, relative[placebos]])
        # The treated distributor may use every donor; placebo i may use every donor but itself.
        left_out = np.concatenate([[-1], placebos])
        weights = _simplex_least_squares(relative[:, :pre], targets[:, :pre], left_out)
        gaps = targets - weights @ relative
        effects = gaps[:, pre:].mean(axis=1)
        effect, null = effects[0], effects[1:]
        rng = _random(options.seed, window.distributor)
        signs = rng.choice([-1.0, 1.0], size=options.draws)
        draws = effect + signs * np.abs(null[rng.integers(null.size, size=options.draws)])
        rank = min(math.ceil((null.size + 1) * options.confidence), null.size)
        band = np.sort(np.abs(null))[rank - 1]
        used = np.flatnonzero(weights[0] > USED_WEIGHT)
        used = used[np.argsort(-weights[0][used], kind="stable")]
        return _result(
            window,
            self.key,
            f"Demeaned synthetic control from {used.size} donors",
            effect,
            draws,
            lambda _draws, _confidence: (effect - band, effect + band),
            options,
            peers=used.size,
            pre_rmse=float(np.sqrt(np.mean(gaps[0, :pre] ** 2))),
            comparison=tuple(
                (window.pool_ids[pool[i]], round(float(weights[0, i]), 4)) for i in used
            ),
        )


def _simplex_least_squares(donors, targets, left_out, iterations=3000, tolerance=1e-5):
    """For each row x of `targets`, w ≥ 0 with Σw = 1 minimising ‖x − wᵀ·donors‖², all rows at
    once: accelerated projected gradient (FISTA) with adaptive restart. `left_out[r]` is a donor
    row r may not use (−1: none). Deterministic. A row stops once its gradient-mapping residual
    is below `tolerance`: its pre-period RMSE is then within ~0.001 of the optimum. With 12
    months and a hundred donors many blends fit about equally well, so the effect of a row can
    still differ by ~0.01 in log revenue from another optimum's: an order of magnitude inside
    the placebo band, and the reason the band exists."""
    centre = donors.mean(axis=0)
    # On the simplex, subtracting one path from targets and donors alike leaves every residual
    # unchanged, but removes the seasonal direction all donors share, which would otherwise set
    # the step size and slow convergence tenfold.
    donors, targets = donors - centre, targets - centre
    rows, count = targets.shape[0], donors.shape[0]
    barred = np.zeros((rows, count), dtype=bool)
    barred[np.flatnonzero(left_out >= 0), left_out[left_out >= 0]] = True
    lipschitz = max(float(np.linalg.eigvalsh(donors.T @ donors)[-1]), 1e-12)
    weights = np.where(barred, 0.0, 1.0)
    weights /= weights.sum(axis=1, keepdims=True)
    ahead, momentum = weights.copy(), np.ones(rows)
    # Rows converge at very different speeds: only the unfinished ones are worked on.
    active = np.arange(rows)
    for _ in range(iterations):
        gradient = (ahead[active] @ donors - targets[active]) @ donors.T
        moved = ahead[active] - gradient / lipschitz
        stepped = _project_to_simplex(np.where(barred[active], -1e9, moved))
        step = stepped - weights[active]
        # Restart the momentum of a row whose step goes against its gradient step (O'Donoghue
        # and Candès): it overshot, and carrying on would oscillate.
        residual = ahead[active] - stepped
        restart = np.einsum("ij,ij->i", residual, step) > 0
        following = (1 + np.sqrt(1 + 4 * momentum[active] ** 2)) / 2
        factor = np.where(restart, 0.0, (momentum[active] - 1) / following)
        momentum[active] = np.where(restart, 1.0, following)
        ahead[active] = stepped + factor[:, None] * step
        weights[active] = stepped
        # The gradient-mapping residual is zero exactly at a minimum, whatever the momentum.
        active = active[np.abs(residual).max(axis=1) >= tolerance]
        if not active.size:
            break
    return weights


def _project_to_simplex(values):
    """Euclidean projection of each row onto {w ≥ 0, Σw = 1} (the sort-based algorithm)."""
    ordered = -np.sort(-values, axis=1)
    excess = ordered.cumsum(axis=1) - 1
    ranks = np.arange(1, values.shape[1] + 1)
    kept = np.count_nonzero(ordered - excess / ranks > 0, axis=1)
    threshold = excess[np.arange(values.shape[0]), kept - 1] / kept
    return np.maximum(values - threshold[:, None], 0)


def _estimate_one(matrix, treated, excluded, first, end, pre_months, method, options):
    window = _window(matrix, treated, excluded, first, end, pre_months)
    if isinstance(window, str):
        post_months = end - first + 1
        return _refusal(treated, method, window, options.confidence, pre_months, post_months)
    return METHODS[method].estimate(window, options)


def _window(matrix, treated, excluded, first, end, pre_months):
    """The treated distributor's `Window`, or the code of the reason there is none."""
    begin = first - pre_months - matrix.start
    stop = end - matrix.start + 1
    if treated not in matrix.ids or not matrix.months:
        return "treated_missing_months"
    row = matrix.ids.get_loc(treated)
    reported = np.flatnonzero(np.isfinite(matrix.revenue[row]))
    if begin < 0 or not reported.size or reported[0] > begin:
        return "too_few_pre_months"
    if stop > matrix.months:
        return "post_window_incomplete"
    revenue = matrix.revenue[row, begin:stop]
    if np.isnan(revenue).any():
        return "treated_missing_months"
    if (revenue <= 0).any():
        return "treated_non_positive_revenue"
    log_revenue = matrix.log_revenue[:, begin:stop]
    usable = np.isfinite(log_revenue).all(axis=1) & ~matrix.ids.isin(list(excluded))
    usable[row] = False
    pool = np.flatnonzero(usable)
    if not pool.size:
        return "no_untreated_distributors"
    levels, slopes = _level_and_slope(log_revenue[np.concatenate([[row], pool]), :pre_months])
    level_spread = _spread(levels[1:])
    level_distance = np.abs(levels[1:] - levels[0]) / level_spread
    slope_distance = np.abs(slopes[1:] - slopes[0]) / _spread(slopes[1:])
    return Window(
        distributor=treated,
        pre_months=pre_months,
        treated_log=log_revenue[row],
        treated_post_revenue=float(revenue[pre_months:].sum()),
        pool_ids=matrix.ids[pool].tolist(),
        pool_log=log_revenue[pool],
        level_distance=level_distance,
        distance=np.hypot(level_distance, slope_distance),
    )


def _level_and_slope(log_revenue):
    """Mean and least-squares slope (per month) of each row."""
    months = np.arange(log_revenue.shape[1]) - (log_revenue.shape[1] - 1) / 2
    return log_revenue.mean(axis=1), log_revenue @ months / (months @ months)


def _spread(values):
    spread = float(values.std())
    return spread if spread > 0 else 1.0


def _result(window, key, label, effect, effects, interval, options, **fields):
    """An `Estimate` from a log effect and its draws: money = actual × (1 − exp(−effect))."""
    actual = window.treated_post_revenue

    def money(log_effect):
        return actual * -np.expm1(-np.asarray(log_effect, dtype=float))

    low, high = interval(effects, options.confidence)
    return Estimate(
        distributor=window.distributor,
        method=key,
        method_label=label,
        incremental=float(money(effect)),
        low=float(money(low)),
        high=float(money(high)),
        confidence=options.confidence,
        effect_percent=float(np.expm1(effect) * 100),
        actual=actual,
        pre_months=window.pre_months,
        post_months=window.post_months,
        draws=_frozen(money(effects)),
        **fields,
    )


def _refusal_for(window, key, reason, options):
    return _refusal(
        window.distributor, key, reason, options.confidence, window.pre_months, window.post_months
    )


def _refusal(distributor, key, reason, confidence, pre_months, post_months, parts=()):
    return Estimate(
        distributor=distributor,
        method=key,
        method_label=REASONS[reason],
        incremental=None,
        low=None,
        high=None,
        confidence=confidence,
        pre_months=pre_months,
        post_months=post_months,
        reason=reason,
        parts=parts,
    )


def _percentile_interval(draws, confidence):
    tail = (1 - confidence) / 2
    low, high = np.quantile(draws, [tail, 1 - tail])
    return float(low), float(high)


def _percent(incremental, actual):
    counterfactual = actual - incremental
    return float(incremental / counterfactual * 100) if counterfactual > 0 else None


def _random(seed, distributor):
    """A random stream of its own per distributor, the same on every run: `combine` relies on
    the parts' draws being independent of one another."""
    return np.random.default_rng([seed, zlib.crc32(str(distributor).encode())])


def _frozen(array):
    array = np.asarray(array, dtype=float)
    array.flags.writeable = False
    return array


def _is_collection(value):
    return isinstance(value, Iterable) and not isinstance(value, str | bytes)


def _month(value):
    """A month as a pandas monthly Period ordinal."""
    if isinstance(value, pd.Period):
        return int(value.asfreq("M").ordinal)
    return int(pd.Period(pd.Timestamp(value), freq="M").ordinal)


def _month_ordinals(months):
    if isinstance(months.dtype, pd.PeriodDtype):
        return pd.PeriodIndex(months).asfreq("M").asi8
    stamps = pd.DatetimeIndex(pd.to_datetime(months))
    # The Period ordinal of a month, without to_period()'s warning about dropping a time zone.
    return ((stamps.year - 1970) * 12 + stamps.month - 1).to_numpy(dtype=np.int64)
