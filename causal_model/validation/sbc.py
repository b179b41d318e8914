"""Simulation-based calibration (Talts et al. 2018): is the inference right on average?

Each replication draws parameters from the prior, simulates a panel from them, fits the model
and records the rank of each true parameter among (thinned) posterior draws. If the sampler
and the model code are right, every rank is uniform on ``0..L``; a chi-square test per
parameter and rank histograms check it. With many parameters tested at once the decision
uses the Bonferroni-adjusted smallest p-value (``family_p_value``): the chance that a
calibrated model fails at level ``a`` is then at most ``a``, whatever the number of
parameters.
"""

from __future__ import annotations

import time

import numpy as np
import xarray as xr
from scipy import stats

from causal_model.inference import TensionModel
from causal_model.model.definition import ModelDefinition
from causal_model.model.generate import prior_draws, simulate

#: Parameters whose calibration is tested by default (every element of each), those of them
#: that the model has (they depend on its dynamics and elite shape).
KEY_PARAMETERS = (
    "beta",
    "rho",
    "driver_sigma",
    "rho_u",
    "sigma_u",
    "level_sigma",
    "level_rho",
    "level_drift",
    "idio_rho",
    "half_life",
    "elite_mu",
)


def uniformity_p_value(ranks: np.ndarray, big_l: int, bins: int) -> float:
    """Chi-square p-value of ranks ``0..big_l`` being uniform, in ``bins`` bins.

    The ``big_l + 1`` possible ranks do not split evenly into the bins: each bin's expected
    count is its share of them (equal expected counts made the test reject calibrated ranks
    too often: 1.3 % instead of 1 % family-wise in the SBC test's setting).
    """
    edges = np.linspace(0, big_l + 1, bins + 1)
    share = np.histogram(np.arange(big_l + 1), bins=edges)[0] / (big_l + 1)
    counts = np.histogram(ranks, bins=edges)[0]
    return float(stats.chisquare(counts, f_exp=share * len(ranks)).pvalue)


def _flat_names(name: str, value: np.ndarray, coords: list[str] | None) -> list[str]:
    if value.ndim == 0:
        return [name]
    labels = coords if coords is not None else [str(i) for i in range(value.size)]
    return [f"{name}[{c}]" for c in labels]


def sbc(
    template,
    n_reps: int = 100,
    *,
    parameters: tuple[str, ...] | None = None,
    draws: int = 300,
    tune: int = 300,
    chains: int = 2,
    thin: int = 6,
    bins: int = 10,
    random_seed: int = 0,
    progress: bool = True,
    **fit_kwargs,
) -> xr.Dataset:
    """Run simulation-based calibration of a model.

    Parameters
    ----------
    template
        A :class:`~causal_model.model.TensionModel` whose panel (years, indicators, families,
        missingness), events, priors and variant define what is simulated and fitted.
    n_reps
        Replications (fits).
    parameters
        Parameters whose ranks are recorded.
    draws, tune, chains, thin
        Sampler settings of each fit; ranks use every ``thin``-th draw, so ``L = chains *
        draws / thin`` (thin so that the kept draws are nearly independent).
    bins
        Bins of the uniformity test and of the rank histograms.
    random_seed
        Seed of the whole study.
    progress
        Print one line per 10 replications.
    **fit_kwargs
        Further sampler settings of each fit (e.g. ``target_accept``,
        ``low_rank_modified_mass_matrix``; default the package's).

    Returns
    -------
    xarray.Dataset
        ``rank`` (rep, parameter), ``p_value`` (parameter; chi-square test of uniform ranks),
        attrs ``L`` (largest rank), ``bins``, ``wall_time`` and ``family_p_value`` (the
        smallest p-value times the number of parameters, capped at 1: Bonferroni).
    """
    definition = ModelDefinition(
        template.panel, template.events, template.priors, template.variant, latent="sampled"
    )
    seeds = np.random.SeedSequence(random_seed).generate_state(n_reps + 1)
    prior = prior_draws(definition, n_reps, int(seeds[-1]))
    if parameters is None:
        parameters = tuple(p for p in KEY_PARAMETERS if p in prior)
    missing = [p for p in parameters if p not in prior]
    if missing:
        raise ValueError(
            f"parameters {missing} are not in this model; choose from {list(prior.data_vars)}"
        )
    coords = {
        p: [str(c) for c in prior[p][prior[p].dims[-1]].values]
        for p in parameters
        if prior[p].ndim > 2
    }
    ranks, labels = [], None
    t0 = time.perf_counter()
    for r in range(n_reps):
        truth = {k: prior[k].values[0, r] for k in prior.data_vars}
        panel, _ = simulate(
            template.panel,
            template.events,
            priors=template.priors,
            variant=template.variant,
            params=truth,
            random_seed=int(seeds[r]),
        )
        fit_model = TensionModel(panel, template.events, template.priors, template.variant)
        idata = fit_model.fit(
            draws=draws,
            tune=tune,
            chains=chains,
            random_seed=int(seeds[r]),
            diagnostics=False,
            **fit_kwargs,
        )
        row, lab = [], []
        for p in parameters:
            post = idata.posterior[p].values
            post = post.reshape(-1, *post.shape[2:])[::thin]
            t = np.asarray(truth[p])
            row.extend(np.atleast_1d((post < t).sum(axis=0)).tolist())
            lab.extend(_flat_names(p, t, coords.get(p)))
        ranks.append(row)
        labels = lab
        if progress and (r + 1) % 10 == 0:
            print(f"SBC {r + 1}/{n_reps} ({time.perf_counter() - t0:.0f} s)", flush=True)
    rank = np.array(ranks)
    big_l = len(range(0, chains * draws, thin))
    p_values = [uniformity_p_value(rank[:, j], big_l, bins) for j in range(rank.shape[1])]
    return xr.Dataset(
        {
            "rank": (("rep", "parameter"), rank),
            "p_value": (("parameter",), np.array(p_values)),
        },
        coords={"rep": np.arange(n_reps), "parameter": labels},
        attrs={
            "L": big_l,
            "bins": bins,
            "wall_time": time.perf_counter() - t0,
            "family_p_value": float(min(1.0, len(p_values) * min(p_values))),
        },
    )


__all__ = ["KEY_PARAMETERS", "sbc", "uniformity_p_value"]
