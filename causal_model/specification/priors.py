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

import os
import tomllib
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pymc_extras.prior import Prior

from causal_model.specification.prior_checks import (
    PRIOR_KEYS,
    TABLE_KEYS,
    PriorValidationError,
    check_table,
    dims_of,
    draw_checks,
    first_line,
    suggest,
)
from causal_model.specification.prior_schema import DEFAULTED_PARAMETERS, PARAMETERS

#: The shipped priors files: the top-level ``priors/`` folder of the checkout, which the
#: package maps to ``causal_model.priors_files`` (``pyproject.toml``: ``package-dir``), so
#: an editable install reads the folder users edit and a wheel carries its files.
PRIORS_DIR: Path = Path(str(resources.files("causal_model.priors_files")))


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
                f"{where} unknown parameter; {suggest(name, tuple(PARAMETERS), 'parameters')}"
            )
            continue
        ok = check_table(table, where, problems, TABLE_KEYS)
        if not isinstance(table, Mapping):
            continue
        allowed = PARAMETERS[name].dims
        if ok and dims_of(table) not in allowed:
            ok = False
            choices = " or ".join(str(list(d)) for d in allowed)
            problems.append(f"{where} wrong dims {list(dims_of(table))}; use dims = {choices}")
        note = table.get("note", "")
        if not isinstance(note, str) or "\n" in note:
            problems.append(f"{where} 'note' must be one line of text; write note = \"...\"")
        notes[name] = str(note)
        if ok:
            try:
                priors[name] = Prior.from_dict({k: v for k, v in table.items() if k in PRIOR_KEYS})
            except Exception as exc:  # any failure is a bad argument
                problems.append(f"{where} bad argument: {first_line(exc)}; fix kwargs")
    draw_checks(priors, source, problems)
    if base is not None:
        for name in base:
            if name not in priors and name not in raw:
                priors[name], notes[name] = base[name], base.notes.get(name, "")
    elif "extends" not in raw:
        for name in PARAMETERS:
            if name in raw:
                continue
            if name in DEFAULTED_PARAMETERS:
                why, priors[name] = DEFAULTED_PARAMETERS[name]
                notes[name] = f"Default of {why} (no table in the file)."
            else:
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
