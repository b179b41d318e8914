"""Prior distributions as data: loading, validating and describing priors files.

A priors file is a TOML file in ``priors/`` with one table per model parameter in the
:meth:`pymc_extras.prior.Prior.to_dict` format plus a one-line ``note``::

    [beta_mu]
    dist = "Normal"
    kwargs = { mu = 0.3, sigma = 0.15 }
    note = "Claim 1: geopolitics, security and culture raise tension."

A file may start with ``extends = "<name or path>"``; it then inherits every table of that
file and overrides whole tables by parameter name. :data:`PARAMETERS` is the schema.
"""

from __future__ import annotations

import difflib
import inspect
import os
import tomllib
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd
import pymc as pm
from pymc_extras.prior import Prior

from causal_model.dims import DRIVER, DRIVER_TO, DRIVERS, EVENT_TYPE, EVENT_TYPES, INDICATOR
from causal_model.specification.elite import ELITE_RESPONSES

#: The shipped priors files: the top-level ``priors/`` folder of the checkout, which the
#: package maps to ``causal_model.priors_files`` (``pyproject.toml``: ``package-dir``), so
#: an editable install reads the folder users edit and a wheel carries its files.
PRIORS_DIR: Path = Path(str(resources.files("causal_model.priors_files")))

Support = Literal["real", "positive", "unit"]


class ParameterSpec(NamedTuple):
    """Schema entry of one model parameter.

    Attributes
    ----------
    dims : tuple of tuple of str
        Allowed dims of the prior, canonical first; ``()`` means one value shared by all
        coordinates (the model broadcasts it).
    support : {"real", "positive", "unit"}
        Set the parameter lives in; the prior's distribution must stay inside it.
    description : str
        What the parameter means in the model.
    """

    dims: tuple[tuple[str, ...], ...]
    support: Support
    description: str


_D, _I, _E = (DRIVER,), (INDICATOR,), (EVENT_TYPE,)

#: Every model parameter: allowed dims, support and meaning.
PARAMETERS: dict[str, ParameterSpec] = {
    "rho_mu": ParameterSpec(((),), "real", "mean of logit persistence of the drivers"),
    "rho_sigma": ParameterSpec(((),), "positive", "spread of logit persistence across drivers"),
    "loading_mu": ParameterSpec((_D, ()), "real", "mean log loading of a driver's indicators"),
    "loading_sigma": ParameterSpec(((),), "positive", "spread of log loadings within a driver"),
    "tension_loading": ParameterSpec(
        (_I, ()), "positive", "loading of non-anchor tension indicators on tension"
    ),
    "intercept": ParameterSpec((_I, ()), "real", "indicator intercept (standardised/link scale)"),
    "sigma_obs": ParameterSpec((_I, ()), "positive", "measurement noise sd (standardised scale)"),
    "nu": ParameterSpec((_I, ()), "positive", "Student-t degrees of freedom"),
    "nb_alpha": ParameterSpec((_I, ()), "positive", "negative-binomial dispersion"),
    "beta_mu": ParameterSpec(((),), "real", "mean causal effect of a driver on tension"),
    "beta_sigma": ParameterSpec(((),), "positive", "spread of causal effects across drivers"),
    "rho_u": ParameterSpec(((),), "unit", "persistence of the tension residual"),
    "sigma_u": ParameterSpec(((),), "positive", "marginal sd of the tension residual"),
    "elite_mu": ParameterSpec((_E, ()), "real", "mean effect of a head-of-state change on tension"),
    "elite_sigma": ParameterSpec(((),), "positive", "spread of event effects around type mean"),
    # A (driver, driver) matrix is impossible: Prior (and xarray) need unique dim names.
    "coupling": ParameterSpec(
        ((DRIVER, DRIVER_TO), ()),
        "real",
        "VAR(1) coupling of drivers (claim 3), unconstrained: C = (1 - rho) tanh(c) / (k - 1)",
    ),
    "p_ru_change_2030": ParameterSpec(
        ((),), "unit", "probability Russia's head of state changes after the 2030 election"
    ),
}
#: Parameters of the elite-response shapes (optional in a file: a shape's own
#: ``default_priors`` stand in for a missing table).
SHAPE_PARAMETERS: dict[str, tuple[str, Prior]] = {
    name: (shape.name, shape.default_priors[name])
    for shape in ELITE_RESPONSES.values()
    for name in shape.parameters
}
PARAMETERS.update(
    {
        name: ParameterSpec(((),), support, f"{meaning} ({shape.name} elite response)")
        for shape in ELITE_RESPONSES.values()
        for name, (support, meaning) in shape.parameters.items()
        if name not in PARAMETERS
    }
)

_PRIOR_KEYS = ("dist", "kwargs", "dims", "centered", "transform")
_TABLE_KEYS = (*_PRIOR_KEYS, "note")
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


def _suggest(word: str, options: list[str] | tuple[str, ...], what: str) -> str:
    close = difflib.get_close_matches(word, options, n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(repr(c) for c in close) + "?"
    return f"use one of the {what}: {', '.join(options)}"


def _first_line(exc: BaseException) -> str:
    text = " ".join(line.strip() for line in str(exc).splitlines()[:3] if line.strip())
    return text.split("Apply node")[0].strip() or type(exc).__name__


def _dims_of(table: Mapping[str, Any]) -> tuple[str, ...]:
    dims = table.get("dims") or ()
    return (dims,) if isinstance(dims, str) else tuple(dims)


def _is_value(value: Any) -> bool:
    """A kwarg value Prior accepts: a number, a (nested) list of numbers or a nested prior."""
    if isinstance(value, list):
        return all(_is_value(v) and not isinstance(v, Mapping) for v in value)
    if isinstance(value, Mapping):
        return "dist" in value or value.get("class") == "DataArray"
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_table(table: Any, where: str, problems: list[str], allowed: tuple[str, ...]) -> bool:
    """Check keys, types, distribution name and argument names of one (nested) table."""
    if not isinstance(table, Mapping):
        problems.append(f"{where} is not a table; write it as [name] with dist = ... and kwargs")
        return False
    n_problems = len(problems)
    for key in table:
        if key not in allowed:
            problems.append(f"{where} unknown key {key!r}; {_suggest(key, allowed, 'keys')}")
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
            f"{_suggest(dist, names, 'PyMC distributions')}"
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
            _check_table(value, f"{where[:-1]}.{arg}]", problems, _PRIOR_KEYS)
    for arg, par in signature.items():
        if par.default is inspect.Parameter.empty and par.kind in (
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            inspect.Parameter.KEYWORD_ONLY,
        ):
            if arg not in kwargs:
                problems.append(f"{where} bad argument: {dist} needs {arg!r}; add it to kwargs")
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


def _draw_checks(priors: dict[str, Prior], source: str, problems: list[str]) -> None:
    """Instantiate every prior in one throw-away model, draw from it and check the draws."""
    model = pm.Model(coords=_CHECK_COORDS)
    variables: dict[str, Any] = {}
    with model:
        for name, prior in priors.items():
            try:
                variables[name] = prior.create_variable(f"check__{name}")
            except Exception as exc:  # any failure is a bad argument
                problems.append(f"{source}: [{name}] bad argument: {_first_line(exc)}; fix kwargs")
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
                    f"{source}: [{name}] bad argument: cannot draw ({_first_line(exc)}); "
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


def _resolve(spec: str | os.PathLike, base: Path | None = None, source: str = "") -> Path:
    """Path of a priors file named by ``spec`` (a name in PRIORS_DIR or a path)."""
    text = os.fspath(spec)
    if text.endswith(".toml") or os.sep in text or "/" in text:
        path = Path(text)
        return path if path.is_absolute() or base is None else base / path
    path = PRIORS_DIR / f"{text}.toml"
    if not path.exists():
        available = ", ".join(sorted(p.stem for p in PRIORS_DIR.glob("*.toml")))
        raise PriorValidationError(
            [
                f"{source or text}: [{'extends' if source else 'file'}] no priors file named "
                f"{text!r}; use one of: {available}"
            ]
        )
    return path


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise PriorValidationError([f"{path}: [file] not found; check the path"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise PriorValidationError(
            [f"{path}: [toml] syntax error: {exc}; fix the TOML at that line"]
        ) from None


def _load_base(ext: Any, source: str, chain: tuple[str, ...]) -> PriorSet:
    """Load the priors file named by ``extends``, refusing cycles."""
    if not isinstance(ext, str):
        msg = f"{source}: [extends] must be a name or path; e.g. extends = 'base.toml'"
        raise PriorValidationError([msg])
    path = _resolve(ext, Path(source).parent if source.endswith(".toml") else None, source)
    if str(path.resolve()) in chain:
        msg = f"{source}: [extends] circular extends via {path}; remove the cycle"
        raise PriorValidationError([msg])
    priors, notes = _validate(_read(path), str(path), (*chain, str(path.resolve())))
    return PriorSet(priors, source=str(path), notes=notes)


def _validate(raw: Mapping, source: str, chain: tuple[str, ...]) -> tuple[dict, dict]:
    problems: list[str] = []
    priors: dict[str, Prior] = {}
    notes: dict[str, str] = {}
    base = None
    if "extends" in raw:
        try:
            base = _load_base(raw["extends"], source, chain)
        except PriorValidationError as exc:
            problems.extend(exc.problems)
    for name, table in raw.items():
        if name == "extends":
            continue
        where = f"{source}: [{name}]"
        if name not in PARAMETERS:
            problems.append(
                f"{where} unknown parameter; {_suggest(name, tuple(PARAMETERS), 'parameters')}"
            )
            continue
        ok = _check_table(table, where, problems, _TABLE_KEYS)
        if not isinstance(table, Mapping):
            continue
        allowed = PARAMETERS[name].dims
        if ok and _dims_of(table) not in allowed:
            ok = False
            choices = " or ".join(str(list(d)) for d in allowed)
            problems.append(f"{where} wrong dims {list(_dims_of(table))}; use dims = {choices}")
        note = table.get("note", "")
        if not isinstance(note, str) or "\n" in note:
            problems.append(f"{where} 'note' must be one line of text; write note = \"...\"")
        notes[name] = str(note)
        if ok:
            try:
                priors[name] = Prior.from_dict({k: v for k, v in table.items() if k in _PRIOR_KEYS})
            except Exception as exc:  # any failure is a bad argument
                problems.append(f"{where} bad argument: {_first_line(exc)}; fix kwargs")
    _draw_checks(priors, source, problems)
    if base is not None:
        for name in base:
            if name not in priors and name not in raw:
                priors[name], notes[name] = base[name], base.notes.get(name, "")
    elif "extends" not in raw:
        for name, (shape, default) in SHAPE_PARAMETERS.items():
            if name not in raw:
                priors[name] = default
                notes[name] = f"Default of the {shape} elite response (no table in the file)."
        for name in PARAMETERS:
            if name not in raw and name not in SHAPE_PARAMETERS:
                problems.append(
                    f"{source}: [{name}] missing required parameter; add a [{name}] table "
                    'or inherit it with extends = "neoclassical_realism" at the top'
                )
    if problems:
        raise PriorValidationError(problems)
    order = [n for n in PARAMETERS if n in priors]
    return {n: priors[n] for n in order}, {n: notes.get(n, "") for n in order}


def validate_priors(raw: Mapping, source: str) -> dict[str, Prior]:
    """Validate raw priors tables and build the priors.

    Parameters
    ----------
    raw : Mapping
        Parsed priors file: parameter name -> ``Prior.to_dict`` table plus ``note``, and
        optionally a top-level ``extends``.
    source : str
        File (or ``"<dict>"``) named in problem messages; relative ``extends`` paths are
        resolved against its folder.

    Returns
    -------
    dict of str to Prior
        The priors in :data:`PARAMETERS` order (inherited ones included).

    Raises
    ------
    PriorValidationError
        Listing every problem found, not only the first.
    """
    return _validate(raw, source, ())[0]


class PriorSet(Mapping[str, Prior]):
    """A validated, complete set of priors, keyed by parameter name.

    Parameters
    ----------
    priors : Mapping of str to Prior
        The priors.
    source : str
        Where they came from (file path or ``"<dict>"``).
    notes : Mapping of str to str, optional
        One-line justification per parameter.
    """

    def __init__(
        self, priors: Mapping[str, Prior], source: str, notes: Mapping[str, str] | None = None
    ) -> None:
        self._priors = dict(priors)
        self.source = source
        self.notes: dict[str, str] = {n: (notes or {}).get(n, "") for n in self._priors}

    def __getitem__(self, name: str) -> Prior:
        return self._priors[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._priors)

    def __len__(self) -> int:
        return len(self._priors)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PriorSet):
            return NotImplemented
        return self._priors == other._priors and self.notes == other.notes

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PriorSet({self.source!r}, {len(self)} priors)"

    def prior(self, name: str) -> Prior:
        """Return the prior of parameter ``name``."""
        return self._priors[name]

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Plain JSON-able form: ``Prior.to_dict`` of each parameter plus its ``note``."""
        return {
            name: {**_jsonable(prior.to_dict()), "note": self.notes[name]}
            for name, prior in self._priors.items()
        }

    @classmethod
    def from_dict(cls, data: Mapping, source: str = "<dict>") -> PriorSet:
        """Validate and build a set from the :meth:`to_dict` form (or any raw mapping)."""
        priors, notes = _validate(data, source, ())
        return cls(priors, source=source, notes=notes)

    def table(self) -> pd.DataFrame:
        """One row per parameter: parameter, distribution, arguments, dims, note."""
        rows = [
            {
                "parameter": name,
                "distribution": prior.distribution,
                "arguments": ", ".join(
                    f"{k}={np.round(v, 4).tolist() if isinstance(v, np.ndarray) else v}"
                    for k, v in prior.parameters.items()
                ),
                "dims": ", ".join(prior.dims or ()),
                "note": self.notes[name],
            }
            for name, prior in self._priors.items()
        ]
        columns = ["parameter", "distribution", "arguments", "dims", "note"]
        return pd.DataFrame(rows, columns=columns)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def load_priors(
    spec: str | os.PathLike | Mapping | PriorSet = "neoclassical_realism",
) -> PriorSet:
    """Load and validate a set of priors.

    Parameters
    ----------
    spec : str, path, Mapping or PriorSet, default "neoclassical_realism"
        A name (``PRIORS_DIR/<name>.toml``), a path to a TOML file, a raw mapping
        (validated as-is, source ``"<dict>"``) or an existing set (returned unchanged).

    Returns
    -------
    PriorSet
        The validated priors.

    Raises
    ------
    PriorValidationError
        For an unknown name (listing the available ones), a TOML syntax error or any
        problem found by :func:`validate_priors`.
    """
    if isinstance(spec, PriorSet):
        return spec
    if isinstance(spec, Mapping):
        return PriorSet.from_dict(spec, source="<dict>")
    path = _resolve(spec)
    priors, notes = _validate(_read(path), str(path), (str(path.resolve()),))
    return PriorSet(priors, source=str(path), notes=notes)
