"""The settings of one run (what a run config file holds) and their checks before any work.

:func:`check_settings` checks what needs no data (types, ranges, names of variants, priors and
sampler); :func:`check_against_model` what needs the panel and events (the forecast horizon,
the scenarios). Both raise :class:`SettingsError` naming the option and the config key, so a
bad option fails in a second, not after a fit.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from causal_model.defaults import DEFAULT_DRAWS, DEFAULT_TUNE
from causal_model.inference.arguments import check_count, check_seed, check_until
from causal_model.inference.sampling import SAMPLERS
from causal_model.specification.priors import PriorValidationError, load_priors
from causal_model.specification.scenarios import ScenarioError, get_scenario, realise
from causal_model.specification.variants import get_variant

#: Settings of ``quick`` runs (smoke tests, examples): far too few draws for inference.
QUICK = {"draws": 100, "tune": 200}


class SettingsError(ValueError):
    """A run setting is invalid; the message names the option (and its config key)."""


@dataclass
class RunSettings:
    """Settings of one fit-and-forecast run (what a run config file holds)."""

    variant: str = "reference"
    priors: str = "neoclassical_realism"
    sampler: str = "nutpie"
    draws: int = DEFAULT_DRAWS
    tune: int = DEFAULT_TUNE
    chains: int = 2
    seed: int = 20241124
    until: int = 2030
    scenario: str = "default"
    scenarios: list[str] = field(
        default_factory=lambda: ["default", "russian_change", "no_russian_change"]
    )
    raw_dir: str | None = None
    variants: list[str] = field(
        default_factory=lambda: ["reference", "no_elite", "permanent_elite"]
    )
    lfo: bool = False


#: Name of the run record written next to a run's outputs (the settings used).
CONFIG_NAME = "run_config.toml"


def effective_settings(s: RunSettings, *, quick: bool) -> RunSettings:
    """The settings a run really uses: a copy, with :data:`QUICK` draws and tuning if
    ``quick`` (so the run record says what was done)."""
    return replace(s, **QUICK) if quick else replace(s)


def _option(name: str, key: str, value, exc: Exception) -> SettingsError:
    reason = str(exc).split(": ", 1)[-1] if ": " in str(exc) else str(exc)
    return SettingsError(f"--{name} {value} ({key} in a run config): {reason}")


def check_settings(s: RunSettings) -> None:
    """Check every setting that needs no data, before any work.

    Raises
    ------
    SettingsError
        Naming the first bad option.
    """
    for name, key in (("draws", "[sampler] draws"), ("tune", "[sampler] tune")):
        try:
            check_count(getattr(s, name), name)
        except ValueError as exc:
            raise _option(name, key, getattr(s, name), exc) from None
    try:
        check_count(s.chains, "chains")
    except ValueError as exc:
        raise _option("chains", "[sampler] chains", s.chains, exc) from None
    try:
        check_seed(s.seed)
    except ValueError:
        raise SettingsError(
            f"--seed {s.seed} ([sampler] seed in a run config): must be a non-negative "
            "integer, e.g. --seed 1234"
        ) from None
    if not isinstance(s.until, int | np.integer) or isinstance(s.until, bool):
        raise SettingsError(
            f"--until {s.until!r} ([forecast] until in a run config): must be an integer year"
        )
    if s.sampler not in SAMPLERS:
        raise SettingsError(f"--sampler {s.sampler}: choose one of {', '.join(SAMPLERS)}")
    for v in [s.variant, *s.variants]:
        try:
            get_variant(v)
        except (ValueError, TypeError) as exc:
            raise SettingsError(f"--variant: {exc}") from None
    try:
        load_priors(s.priors)
    except (PriorValidationError, FileNotFoundError, ValueError) as exc:
        raise SettingsError(f"--priors {s.priors}: {exc}") from None


def check_against_model(s: RunSettings, model) -> None:
    """Check the forecast settings against the model's panel, events and priors.

    ``--until`` must lie between the panel's last year and 100 years after it; every scenario
    must be known (or a valid TOML file), date its events after the panel and find the priors
    it draws probabilities from.

    Raises
    ------
    SettingsError
        Naming the option.
    """
    last = int(model.data.years[-1])
    try:
        check_until(s.until, last, name="--until")
    except ValueError as exc:
        raise SettingsError(f"{exc} ([forecast] until in a run config)") from None
    rng = np.random.default_rng(0)
    for name in dict.fromkeys([s.scenario, *s.scenarios]):
        try:
            scen = get_scenario(name, model.events)
            # as causal_model.analysis.paths.build_paths refuses them, after a fit
            inside = [ev.date for ev in scen.events if ev.time < last + 1]
            if inside:
                raise ScenarioError(
                    f"its events on {', '.join(inside)} fall inside the fitted panel (last "
                    f"year {last}); date them after {last}"
                )
            realise(scen, model.priors, 1, rng)
        except ScenarioError as exc:
            raise SettingsError(f"--scenario {name}: {exc}") from None


__all__ = [
    "QUICK",
    "RunSettings",
    "SettingsError",
    "check_against_model",
    "check_settings",
    "CONFIG_NAME",
    "effective_settings",
]
