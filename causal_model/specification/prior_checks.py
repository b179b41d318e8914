"""Checks of a priors table: keys, distribution, arguments, dims and support (all at once).

Each check appends a problem (``"<file>: [<key>] <what is wrong>; <how to fix>"``) to a list
instead of raising, so a file's every problem is reported together
(:class:`PriorValidationError`).
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Mapping
from typing import Any

import numpy as np
import pymc as pm
from pymc_extras.prior import Prior

from causal_model.dims import DRIVER, DRIVERS, EVENT_TYPE, EVENT_TYPES, INDICATOR
from causal_model.specification.prior_schema import PARAMETERS, Support

__all__ = [
    "PRIOR_KEYS",
    "TABLE_KEYS",
    "PriorValidationError",
    "check_table",
    "draw_checks",
    "dims_of",
    "first_line",
    "suggest",
]

#: Alternative scale parameters of which a distribution needs one: without any, PyMC
#: silently uses 1 (e.g. ``Normal(mu=0.3)`` is ``Normal(0.3, 1)``).
SCALE_GROUPS = (("sigma", "tau"), ("lam", "scale"), ("sigma", "lam"))
PRIOR_KEYS = ("dist", "kwargs", "dims", "centered", "transform")
TABLE_KEYS = (*PRIOR_KEYS, "note")
_SUPPORT_OF: dict[str, Support] = {
    dist: support
    for support, dists in {
        "real": "Normal StudentT Cauchy Laplace Logistic SkewNormal SkewStudentT Gumbel Moyal "
        "AsymmetricLaplace ExGaussian Flat ZeroSumNormal MvNormal",
        "positive": "HalfNormal HalfStudentT HalfCauchy HalfFlat Gamma InverseGamma LogNormal "
        "Lognormal Exponential Weibull Wald Rice Pareto",
        "unit": "Beta Kumaraswamy LogitNormal",
    }.items()
    for dist in dists.split()
}
#: Supports of a prior that fit each parameter support, and example distributions.
_FITS = {"real": ("real",), "positive": ("positive", "unit"), "unit": ("unit",)}
_EXAMPLES = {"real": "Normal or StudentT", "positive": "Gamma or LogNormal", "unit": "Beta"}
_CHECK_COORDS = {DRIVER: list(DRIVERS), EVENT_TYPE: list(EVENT_TYPES), INDICATOR: ["a", "b"]}
_CHECK_DRAWS = 500


class PriorValidationError(ValueError):
    """One or more problems in a priors file.

    Parameters
    ----------
    problems : list of str
        Every problem, each as ``"<file>: [<key>] <what is wrong>; <how to fix>"``.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in priors:\n{lines}")


def _distribution_names() -> list[str]:
    return [
        n
        for n in dir(pm)
        if isinstance(getattr(pm, n), type)
        and issubclass(getattr(pm, n), pm.Distribution)
        and n not in ("Distribution", "Continuous", "Discrete")
    ]


def suggest(word: str, options: list[str] | tuple[str, ...], what: str) -> str:
    close = difflib.get_close_matches(word, options, n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(repr(c) for c in close) + "?"
    return f"use one of the {what}: {', '.join(options)}"


def first_line(exc: BaseException) -> str:
    text = " ".join(line.strip() for line in str(exc).splitlines()[:3] if line.strip())
    return text.split("Apply node")[0].strip() or type(exc).__name__


def dims_of(table: Mapping[str, Any]) -> tuple[str, ...]:
    dims = table.get("dims") or ()
    return (dims,) if isinstance(dims, str) else tuple(dims)


def _is_value(value: Any) -> bool:
    """A kwarg value Prior accepts: a number, a (nested) list of numbers or a nested prior."""
    if isinstance(value, list):
        return all(_is_value(v) and not isinstance(v, Mapping) for v in value)
    if isinstance(value, Mapping):
        return "dist" in value or value.get("class") == "DataArray"
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_table(table: Any, where: str, problems: list[str], allowed: tuple[str, ...]) -> bool:
    """Check keys, types, distribution name and argument names of one (nested) table."""
    if not isinstance(table, Mapping):
        problems.append(f"{where} is not a table; write it as [name] with dist = ... and kwargs")
        return False
    n_problems = len(problems)
    for key in table:
        if key not in allowed:
            problems.append(f"{where} unknown key {key!r}; {suggest(key, allowed, 'keys')}")
    for key, kind, example in (("centered", bool, "false"), ("transform", str, '"exp"')):
        if key in table and not isinstance(table[key], kind):
            problems.append(f"{where} {key!r} has the wrong type; write {key} = {example}")
    dims = table.get("dims")
    if dims is not None and not (
        isinstance(dims, str) or (isinstance(dims, list) and all(isinstance(d, str) for d in dims))
    ):
        problems.append(f"{where} 'dims' must be a name or a list of names; e.g. dims = \"driver\"")
    dist, kwargs = table.get("dist"), table.get("kwargs", {})
    names = _distribution_names()
    if not isinstance(dist, str):
        problems.append(f"{where} missing or non-text 'dist'; add dist = \"Normal\" (for example)")
    elif dist not in names:
        problems.append(
            f"{where} unknown distribution {dist!r} (not a PyMC distribution); "
            f"{suggest(dist, names, 'PyMC distributions')}"
        )
    if not isinstance(kwargs, Mapping):
        problems.append(f"{where} 'kwargs' is not a table; write kwargs = {{ mu = 0, sigma = 1 }}")
    if not isinstance(kwargs, Mapping) or dist not in names:
        return False
    signature = inspect.signature(getattr(pm, dist).dist).parameters
    accepted = tuple(p for p in signature if p not in ("args", "kwargs"))
    for arg, value in kwargs.items():
        if arg not in accepted:
            problems.append(
                f"{where} bad argument {arg!r} for {dist}; {dist} accepts {', '.join(accepted)}"
            )
        elif not _is_value(value):
            problems.append(
                f"{where} bad argument {arg}={value!r}; use a number, a list of numbers "
                "or a nested prior table"
            )
        elif isinstance(value, Mapping) and "dist" in value:
            check_table(value, f"{where[:-1]}.{arg}]", problems, PRIOR_KEYS)
    for arg, par in signature.items():
        if par.default is inspect.Parameter.empty and par.kind in (
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            inspect.Parameter.KEYWORD_ONLY,
        ):
            if arg not in kwargs:
                problems.append(f"{where} bad argument: {dist} needs {arg!r}; add it to kwargs")
    for group in SCALE_GROUPS:
        present = [a for a in group if a in signature]
        if len(present) == len(group) and not any(a in kwargs for a in group):
            names = " or ".join(repr(a) for a in group)
            problems.append(
                f"{where} bad argument: {dist} needs its scale {names} (without it PyMC silently "
                f"uses 1); add e.g. {group[0]} = ... to kwargs"
            )
    return len(problems) == n_problems


def _support_of(prior: Prior, draws: np.ndarray) -> Support | None:
    """Support of a prior: from a lookup table, else from its draws (None if discrete)."""
    if issubclass(prior.pymc_distribution, pm.Discrete):
        return None
    if prior.transform is None and prior.distribution in _SUPPORT_OF:
        return _SUPPORT_OF[prior.distribution]
    if np.all((draws >= 0) & (draws <= 1)):
        return "unit"
    return "positive" if np.all(draws > 0) else "real"


def draw_checks(priors: dict[str, Prior], source: str, problems: list[str]) -> None:
    """Instantiate every prior in one throw-away model, draw from it and check the draws."""
    model = pm.Model(coords=_CHECK_COORDS)
    variables: dict[str, Any] = {}
    with model:
        for name, prior in priors.items():
            try:
                variables[name] = prior.create_variable(f"check__{name}")
            except Exception as exc:  # any failure is a bad argument
                problems.append(f"{source}: [{name}] bad argument: {first_line(exc)}; fix kwargs")
    try:
        drawn = pm.draw(list(variables.values()), draws=_CHECK_DRAWS, random_seed=0)
        results = dict(zip(variables, drawn, strict=True))
    except Exception:  # attribute the failure to each parameter below
        results = {}
        for name, var in variables.items():
            try:
                results[name] = pm.draw(var, draws=_CHECK_DRAWS, random_seed=0)
            except Exception as exc:
                problems.append(
                    f"{source}: [{name}] bad argument: cannot draw ({first_line(exc)}); "
                    "check values and shapes (scales > 0, lower < upper, one value per coordinate)"
                )
    for name, draws in results.items():
        draws = np.asarray(draws, dtype=float)
        if not np.all(np.isfinite(draws)) or np.any(np.std(draws, axis=0) == 0):
            problems.append(
                f"{source}: [{name}] bad argument: the prior is degenerate or not finite; "
                "use finite values and scales > 0"
            )
            continue
        required = PARAMETERS[name].support
        support = _support_of(priors[name], draws)
        if support not in _FITS[required]:
            problems.append(
                f"{source}: [{name}] support mismatch: {priors[name].distribution} is "
                f"{support or 'discrete'} but {name} is {required}; "
                f"use a {required} distribution such as {_EXAMPLES[required]}"
            )
