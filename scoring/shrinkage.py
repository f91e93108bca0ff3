"""Fair rates and ranks: empirical-Bayes shrinkage of the rates the scorecard ranks on, their
90 % intervals, and how sure a rank is (its interval, the chances of the top and bottom quartile).

Every rate that is a count of successes out of a count of trials (leads accepted of those handed
over, landmarks hit of those reviewed) is read through a beta-binomial model: each distributor's
true rate p is drawn from Beta(α, β) fitted over its peers, and its count x of n follows
Binomial(n, p). The posterior of p is then Beta(α + x, β + n − x), whose mean

    (x + α) / (n + α + β)  =  w · x/n + (1 − w) · α/(α + β),   w = n / (n + α + β)

lies between the distributor's own rate and the peers' mean: a distributor with few trials is
pulled toward its peers, one with many keeps its own rate (Efron & Morris 1975; Casella 1985).

α and β are fitted by the method of moments: the peers' mean μ = Σx / Σn, and the spread of
their rates x/n less the part the binomial noise explains, τ² = s² − μ(1 − μ) · mean(1/n); then
α + β = μ(1 − μ)/τ² − 1 (Kleinman 1973, unweighted). When the rates spread no more than the noise
explains, α + β is capped (MAX_STRENGTH); when the peers are too few, the prior is the flat
Beta(1, 1) (Laplace). Everything is numpy over all distributors at once; no SciPy (not installed):
the Beta quantiles are computed here, by the continued fraction of the incomplete beta function
(Numerical Recipes, §6.4) inverted by safeguarded Newton steps.
"""

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

# α + β at most: a prior worth more leads than any distributor has is full pooling already.
MAX_STRENGTH = 1e6
# α + β at least: rates spread wider than a Beta(α, β) with α + β below this is unusual; the
# floor keeps the prior proper.
MIN_STRENGTH = 0.5
# The 90 % interval's quantiles.
INTERVAL = (0.05, 0.95)
# Draws of the rank simulation (fixed seed: a run is reproducible).
# 100 draws: a probability is known to ±0.05 (two standard errors at most), enough to tell
# 0.8 from 0.5; the rank interval's ends to a rank or two.
RANK_DRAWS = 100
RANK_SEED = 23


@dataclass(frozen=True)
class Prior:
    alpha: float
    beta: float

    @property
    def mean(self):
        return self.alpha / (self.alpha + self.beta)

    @property
    def strength(self):
        return self.alpha + self.beta


FLAT = Prior(1.0, 1.0)


def prior_fit(successes, trials, *, minimum=2):
    """The Beta prior of peers with `successes` of `trials` (arrays), by the method of moments;
    FLAT with fewer than `minimum` peers or no trials."""
    x = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    keep = n > 0
    x, n = np.clip(x[keep], 0, n[keep]), n[keep]
    if len(n) < max(minimum, 2):
        return FLAT
    mu = x.sum() / n.sum()
    # Never 0 or 1: a prior mean on the edge would make every estimate certain.
    edge = 0.5 / n.sum()
    mu = min(max(mu, edge), 1 - edge)
    rates = x / n
    between = rates.var(ddof=1) - mu * (1 - mu) * np.mean(1 / n)
    # Rates spread no wider than the noise: the peers' mean is the best estimate of each.
    strength = MAX_STRENGTH if between <= 0 else mu * (1 - mu) / between - 1
    strength = min(max(strength, MIN_STRENGTH), MAX_STRENGTH)
    return Prior(mu * strength, (1 - mu) * strength)


def posterior(successes, trials, alpha, beta):
    """(a, b) of each posterior Beta(α + x, β + n − x); α and β scalars or arrays."""
    x = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    x = np.clip(x, 0, n)
    return alpha + x, beta + n - x


# --- the Beta distribution without SciPy ---------------------------------------------------------

_lgamma = np.vectorize(math.lgamma, otypes=[float])
_TINY = 1e-300
_EPS = 1e-14


def _continued_fraction(x, a, b, iterations=3000):
    """The continued fraction of I_x(a, b) (modified Lentz), element-wise. Whole arrays are
    stepped (cheaper than indexing), and only every few steps are the converged ones set aside."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = np.ones_like(x)
    d = 1.0 - qab * x / qap
    d = np.where(np.abs(d) < _TINY, _TINY, d)
    d = 1.0 / d
    h = d.copy()
    result = np.empty_like(x)
    left = np.arange(len(x))
    m = 0
    while len(left) and m < iterations:
        converged = np.zeros(len(left), dtype=bool)
        for _ in range(8):
            m += 1
            m2 = 2 * m
            step = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1.0 + step * d
            d = 1.0 / np.where(np.abs(d) < _TINY, _TINY, d)
            c = 1.0 + step / c
            c = np.where(np.abs(c) < _TINY, _TINY, c)
            h = h * d * c
            step = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1.0 + step * d
            d = 1.0 / np.where(np.abs(d) < _TINY, _TINY, d)
            c = 1.0 + step / c
            c = np.where(np.abs(c) < _TINY, _TINY, c)
            delta = d * c
            h = h * delta
            converged |= np.abs(delta - 1.0) < _EPS
        result[left[converged]] = h[converged]
        keep = ~converged
        left = left[keep]
        x, a, b, qab, qap, qam, c, d, h = (v[keep] for v in (x, a, b, qab, qap, qam, c, d, h))
    result[left] = h
    return result


def beta_cdf(x, a, b):
    """The regularised incomplete beta function I_x(a, b), element-wise."""
    x, a, b = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, a, b)))
    log_beta = _lgamma(a) + _lgamma(b) - _lgamma(a + b)
    return _cdf(x, a, b, log_beta).reshape(x.shape)


def _cdf(x, a, b, log_beta):
    x, a, b, log_beta = (np.ravel(v) for v in (x, a, b, log_beta))
    inside = (x > 0) & (x < 1)
    xs = np.clip(x, 1e-300, 1 - 1e-16)
    front = np.exp(a * np.log(xs) + b * np.log1p(-xs) - log_beta)
    direct = xs < (a + 1) / (a + b + 2)
    # The fraction converges fast below (a + 1)/(a + b + 2); above, by the symmetry I_x(a, b) =
    # 1 − I_{1−x}(b, a).
    xa = np.where(direct, xs, 1 - xs)
    aa = np.where(direct, a, b)
    bb = np.where(direct, b, a)
    fraction = _continued_fraction(xa, aa, bb)
    value = np.where(direct, front * fraction / a, 1 - front * fraction / b)
    value = np.where(inside, value, np.where(x >= 1, 1.0, 0.0))
    return np.clip(value, 0.0, 1.0)


def beta_quantile(q, a, b, *, steps=60):
    """The q-quantile of Beta(a, b), element-wise (q a scalar or an array)."""
    q, a, b = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (q, a, b)))
    shape = q.shape
    q, a, b = (np.array(np.ravel(v)) for v in (q, a, b))
    log_beta = _lgamma(a) + _lgamma(b) - _lgamma(a + b)
    # Start from the normal approximation, then Newton steps kept inside a shrinking bracket
    # (a step leaving it bisects instead); each step works on the elements still moving.
    mean = a / (a + b)
    sd = np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    z = np.array([NormalDist().inv_cdf(min(max(p, 1e-12), 1 - 1e-12)) for p in q])
    x = np.clip(mean + z * sd, 1e-9, 1 - 1e-9)
    low, high = np.zeros_like(x), np.ones_like(x)
    left = np.flatnonzero((q > 0) & (q < 1))
    for _ in range(steps):
        xl, al, bl, lb, ql = x[left], a[left], b[left], log_beta[left], q[left]
        error = _cdf(xl, al, bl, lb) - ql
        lo = np.where(error < 0, xl, low[left])
        hi = np.where(error > 0, xl, high[left])
        density = np.exp((al - 1) * np.log(xl) + (bl - 1) * np.log1p(-xl) - lb)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            step = xl - error / density
        bad = ~np.isfinite(step) | (step <= lo) | (step >= hi)
        settled = np.abs(error) < 1e-11
        new = np.where(settled, xl, np.where(bad, (lo + hi) / 2, step))
        x[left], low[left], high[left] = new, lo, hi
        left = left[~settled & (np.abs(new - xl) >= 1e-13)]
        if not len(left):
            break
    x = np.where(q <= 0, 0.0, np.where(q >= 1, 1.0, x))
    return x.reshape(shape)


# --- one rate: raw, shrunk, interval -------------------------------------------------------------


def rate_estimates(successes, trials, prior):
    """{raw, shrunk, low, high, prior_mean} arrays (fractions 0–1) for each (x, n) under `prior`:
    the raw rate, the posterior mean and its 90 % interval (posterior Beta quantiles).

    A posterior piled against 0 or 1 (every lead accepted, under a prior of peers nearly all at
    100 %) can have its mean outside its central 90 %: its thin tail pulls the mean away from
    where the mass is. The interval is then widened to the mean, so that a scorecard never
    shows an estimate outside its own interval (it covers more than 90 % there)."""
    x = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    a, b = posterior(x, n, prior.alpha, prior.beta)
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(n > 0, np.clip(x, 0, n) / n, np.nan)
    shrunk = a / (a + b)
    with np.errstate(invalid="ignore"):
        return {
            "raw": raw,
            "shrunk": shrunk,
            "low": np.minimum(beta_quantile(INTERVAL[0], a, b), shrunk),
            "high": np.maximum(beta_quantile(INTERVAL[1], a, b), shrunk),
            "prior_mean": np.full(x.shape, prior.mean),
        }


# --- how sure a rank is --------------------------------------------------------------------------


# Rows of draws ranked at a time by percentile_ranks: its sort's temporaries (the order, a
# copy with NaN filled) are this many rows, not all of them.
RANK_CHUNK = 10


def percentile_ranks(values, *, higher_is_better=True, out=None):
    """Each row's place 0–100 among its row's values (NaN left out, stays NaN): (rank − 1) /
    (count − 1) × 100 with the best at 100; ties broken arbitrarily (draws have none).

    Worked RANK_CHUNK rows at a time into one array of the result (`out`, which may be
    `values` itself when the caller has no more use for them): at the full-size world a
    draws × distributors array is 8 MB, and the nightly run's peak memory was in its sort's
    temporaries of that size. Each row is sorted on its own, so the chunks change nothing."""
    values = np.atleast_2d(np.asarray(values, dtype=float))
    missing = np.isnan(values)
    any_missing = bool(missing.any())
    count = values.shape[-1]
    ranks = np.empty(values.shape, dtype=float) if out is None else out
    positions = np.arange(count, dtype=float)
    for start in range(0, values.shape[0], RANK_CHUNK):
        rows = slice(start, start + RANK_CHUNK)
        chunk = values[rows]
        if any_missing or not higher_is_better:
            chunk = chunk.copy() if higher_is_better else np.negative(chunk)
            # NaN take the first places (−inf), then are masked out.
            chunk[missing[rows]] = -np.inf
        order = np.argsort(chunk, axis=-1)
        np.put_along_axis(ranks[rows], order, positions[None, :], axis=-1)
    if not any_missing:
        if count < 2:
            ranks[...] = 100.0
            return ranks
        ranks *= 100.0 / (count - 1)
        return ranks
    counts = (~missing).sum(axis=-1, keepdims=True)
    ranks -= missing.sum(axis=-1, keepdims=True)
    ranks /= np.maximum(counts - 1, 1)
    ranks *= 100
    ranks[(counts <= 1)[:, 0]] = 100.0
    ranks[missing] = np.nan
    return ranks


def rank_uncertainty(scores):
    """From `scores` (draws × distributors, NaN: not ranked): per distributor its rank interval
    (5th and 95th percentile of its simulated ranks, 1 = best) and the probabilities of being in
    the top quartile (place ≥ 75) and the bottom quartile (place ≤ 25), as the run's percentile
    defines them."""
    scores = np.asarray(scores, dtype=float)
    ranked = ~np.isnan(scores[0])
    count = int(ranked.sum())
    places = percentile_ranks(scores)
    low = np.full(scores.shape[1], np.nan)
    high = np.full(scores.shape[1], np.nan)
    top = np.full(scores.shape[1], np.nan)
    bottom = np.full(scores.shape[1], np.nan)
    if not count:
        return {"rank_low": low, "rank_high": high, "top": top, "bottom": bottom}
    places = places[:, ranked]
    top[ranked] = (places >= 75).mean(axis=0)
    bottom[ranked] = (places <= 25).mean(axis=0)
    # Rank 1 is the best: place 100 ↔ rank 1 (in place: the places are not read again).
    if count > 1:
        ranks = places
        ranks /= 100
        ranks *= max(count - 1, 1)
        np.subtract(count, ranks, out=ranks)
        np.rint(ranks, out=ranks)
    else:
        ranks = np.ones_like(places)
    low[ranked] = np.quantile(ranks, INTERVAL[0], axis=0, method="lower")
    high[ranked] = np.quantile(ranks, INTERVAL[1], axis=0, method="higher")
    return {"rank_low": low, "rank_high": high, "top": top, "bottom": bottom}


def posterior_draws(a, b, *, draws=RANK_DRAWS, rng=None):
    """`draws` rates from each posterior Beta(a, b) (draws × distributors); NaN where a is NaN.
    `rng` a numpy Generator (default: one seeded with RANK_SEED)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    known = ~(np.isnan(a) | np.isnan(b))
    rng = rng if rng is not None else np.random.default_rng(RANK_SEED)
    if known.all():  # the same draws, without a second array to copy them into
        return rng.beta(a, b, size=(draws, len(a)))
    result = np.full((draws, len(a)), np.nan)
    if known.any():
        result[:, known] = rng.beta(a[known], b[known], size=(draws, int(known.sum())))
    return result


def spearman(first, second):
    """Spearman's rank correlation of two equal-length arrays (ties by position)."""
    first = percentile_ranks(np.asarray(first, dtype=float)[None, :])[0]
    second = percentile_ranks(np.asarray(second, dtype=float)[None, :])[0]
    return float(np.corrcoef(first, second)[0, 1])


# --- over the run's aggregated frame -------------------------------------------------------------


def frame_estimates(frame, metrics, *, min_peers, cohort="tier_id"):
    """Add to the run's frame (one row per distributor and metric, with numerator and
    denominator) the columns shrunk, shrunk_low, shrunk_high, prior_mean (in the metric's unit,
    like raw) and the posterior's post_a, post_b, for every metric of counts; NaN elsewhere.

    Each metric's prior is fitted over the distributor's `cohort` (its tier) when at least
    `min_peers` of it have the figure, else over the whole channel; with fewer than `min_peers`
    in the whole channel the rate is not shrunk (the estimate is the raw rate, its interval the
    Jeffreys interval: Beta(x + ½, n − x + ½), 0 or 1 at the edges; Brown, Cai & DasGupta 2001).
    """
    for column in ("shrunk", "shrunk_low", "shrunk_high", "prior_mean", "post_a", "post_b"):
        frame[column] = np.nan
    positions, a_all, b_all, scales, pooled_all, x_all, n_all = [], [], [], [], [], [], []
    for metric in metrics:
        if not metric.counts:
            continue
        rows = (frame["metric"] == metric.key) & frame["raw"].notna()
        if not rows.any():
            continue
        part = frame.loc[rows]
        x = part["numerator"].astype(float).to_numpy()
        n = part["denominator"].astype(float).to_numpy()
        x = np.clip(x, 0, n)
        alpha = np.full(len(x), np.nan)
        beta = np.full(len(x), np.nan)
        if len(x) >= min_peers:
            channel = prior_fit(x, n, minimum=min_peers)
            alpha[:], beta[:] = channel.alpha, channel.beta
            groups = part[cohort].to_numpy()
            for value in dict.fromkeys(groups):
                members = groups == value
                if members.sum() >= min_peers:
                    prior = prior_fit(x[members], n[members], minimum=min_peers)
                    alpha[members], beta[members] = prior.alpha, prior.beta
        pooled = ~np.isnan(alpha)
        a = np.where(pooled, alpha + x, x + 0.5)
        b = np.where(pooled, beta + n - x, n - x + 0.5)
        frame.loc[rows, "prior_mean"] = np.where(pooled, alpha / (alpha + beta), np.nan) * float(
            metric.scale
        )
        frame.loc[rows, "post_a"] = a
        frame.loc[rows, "post_b"] = b
        positions.append(np.flatnonzero(rows.to_numpy()))
        for target, values in (
            (a_all, a),
            (b_all, b),
            (scales, np.full(len(x), float(metric.scale))),
            (pooled_all, pooled),
            (x_all, x),
            (n_all, n),
        ):
            target.append(values)
    if not positions:
        return frame
    at = np.concatenate(positions)
    a, b = np.concatenate(a_all), np.concatenate(b_all)
    scale, pooled = np.concatenate(scales), np.concatenate(pooled_all)
    x, n = np.concatenate(x_all), np.concatenate(n_all)
    # One quantile call per bound over every metric at once.
    low = beta_quantile(INTERVAL[0], a, b)
    high = beta_quantile(INTERVAL[1], a, b)
    shrunk = np.where(pooled, a / (a + b), x / n)
    low = np.where(~pooled & (x == 0), 0.0, low)
    high = np.where(~pooled & (x == n), 1.0, high)
    columns = [frame.columns.get_loc(name) for name in ("shrunk", "shrunk_low", "shrunk_high")]
    frame.iloc[at, columns[0]] = shrunk * scale
    frame.iloc[at, columns[1]] = low * scale
    frame.iloc[at, columns[2]] = high * scale
    return frame


def score_draws(frame, order, metrics, *, draws=RANK_DRAWS, seed=RANK_SEED):
    """The scores of the distributors `order` (ids) in `draws` worlds drawn from the rates'
    posteriors (draws × distributors; NaN for the unranked): the other metrics' contributions
    as they are, each rate of counts placed afresh among its cohort in every draw."""
    rng = np.random.default_rng(seed)
    index = {distributor_id: i for i, distributor_id in enumerate(order)}
    where = frame["distributor_id"].map(index).to_numpy()
    with_data = frame["normalised"].notna() & (frame["weight"] > 0)
    counted = {m.key for m in metrics if m.counts}
    simulated = with_data & frame["metric"].isin(counted) & frame["post_a"].notna()
    fixed = np.zeros(len(order))
    np.add.at(
        fixed,
        where[(with_data & ~simulated).to_numpy()],
        frame.loc[with_data & ~simulated, "contribution"].to_numpy(dtype=float),
    )
    total_weight = np.zeros(len(order))
    np.add.at(
        total_weight,
        where[with_data.to_numpy()],
        frame.loc[with_data, "weight"].to_numpy(dtype=float),
    )
    scores = np.repeat(fixed[None, :], draws, axis=0)
    for metric in metrics:
        rows = simulated & (frame["metric"] == metric.key)
        if not rows.any():
            continue
        part = frame.loc[rows]
        at = where[rows.to_numpy()]
        rates = posterior_draws(part["post_a"], part["post_b"], draws=draws, rng=rng)
        # Ranked in the draws' own array (the run's peak memory is in these arrays).
        places = percentile_ranks(rates, higher_is_better=metric.direction == "higher", out=rates)
        weight = part["weight"].to_numpy(dtype=float)
        places *= (weight / total_weight[at])[None, :]
        # A few draws at a time: `scores[:, at] += …` copies the columns it adds to.
        for start in range(0, draws, RANK_CHUNK):
            scores[start : start + RANK_CHUNK, at] += places[start : start + RANK_CHUNK]
        del rates, places
    ranked = np.zeros(len(order), dtype=bool)
    ranked[where[with_data.to_numpy()]] = True
    scores[:, ~ranked] = np.nan
    return scores
