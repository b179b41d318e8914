"""The one table of observation families agrees with PyMC, with itself across backends, and
with the compiled per-cell terms of the Laplace kernel."""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import pytest

from causal_model import families
from causal_model.backend import PYTENSOR
from causal_model.families import FAMILIES, by_code
from causal_model.model.statespace.family_cells import cell_const, cell_terms

PARAMS = {"scale": 0.7, "nu": 4.5, "alpha": 3.0, "trials": 40.0}
#: PyTensor's compiled gammaln differs from SciPy's by up to ~1e-8 of its value (1e-6 at
#: gammaln(41)): the tolerance of every comparison of a graph with NumPy.
GRAPH_RTOL, GRAPH_ATOL = 1e-7, 1e-5


def _cells(name: str, rng: np.random.Generator, n: int = 25):
    eta = rng.normal(0.3, 0.8, n)
    family = FAMILIES[name]
    y = family.draw(eta, rng, **PARAMS)
    return y, eta, family


@pytest.mark.parametrize("name", list(FAMILIES))
def test_log_density_equals_pymc(name):
    y, eta, family = _cells(name, np.random.default_rng(1))
    ours = family.logpdf(y, eta, **PARAMS)
    theirs = pm.logp(family.pymc_dist(eta, **PARAMS), y).eval()
    np.testing.assert_allclose(ours, theirs, rtol=GRAPH_RTOL, atol=GRAPH_ATOL)


@pytest.mark.parametrize("name", list(FAMILIES))
def test_one_formula_for_both_backends(name):
    y, eta, family = _cells(name, np.random.default_rng(2))
    e = pt.vector("eta")
    sym = family.loglik(y, e, **PARAMS, xp=PYTENSOR).eval({e: eta})
    want = family.logpdf(y, eta, **PARAMS)
    np.testing.assert_allclose(sym, want, rtol=GRAPH_RTOL, atol=GRAPH_ATOL)
    fisher = family.fisher_information(e, **PARAMS, xp=PYTENSOR).eval({e: eta})
    np.testing.assert_allclose(fisher, family.fisher_information(eta, **PARAMS), rtol=1e-12)


@pytest.mark.parametrize("name", list(FAMILIES))
def test_compiled_cell_terms_equal_the_table(name):
    """The kernel's per-cell log-likelihood (terms + constant) is the table's log-density, and
    its score is the derivative of it."""
    y, eta, family = _cells(name, np.random.default_rng(3))
    s, nu, al, n = PARAMS["scale"], PARAMS["nu"], PARAMS["alpha"], PARAMS["trials"]
    h = 1e-6
    for yi, ei in zip(y, eta, strict=True):
        ll, score, *_ = cell_terms(family.code, yi, n, ei, s, nu, al)
        total = ll + cell_const(family.code, yi, n, s, nu, al)
        assert total == pytest.approx(float(family.logpdf(yi, ei, **PARAMS)), rel=1e-10, abs=1e-10)
        up = family.logpdf(yi, ei + h, **PARAMS)
        down = family.logpdf(yi, ei - h, **PARAMS)
        assert score == pytest.approx(float((up - down) / (2 * h)), rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("name", list(FAMILIES))
def test_fisher_information_is_the_expected_curvature(name):
    """E[-d2 log p / d eta2] by Monte Carlo over draws from the family itself (5 sd margin)."""
    rng = np.random.default_rng(4)
    family = FAMILIES[name]
    eta0, h = 0.4, 1e-4
    y = family.draw(np.full(200_000, eta0), rng, **PARAMS)
    curv = (
        -(
            family.logpdf(y, eta0 + h, **PARAMS)
            - 2 * family.logpdf(y, eta0, **PARAMS)
            + family.logpdf(y, eta0 - h, **PARAMS)
        )
        / h**2
    )
    se = curv.std() / np.sqrt(curv.size)
    want = float(family.fisher_information(np.array(eta0), **PARAMS))
    assert abs(curv.mean() - want) < 5 * se + 1e-3 * abs(want)


def test_codes_tables_and_value_scale():
    assert [by_code(c).name for c in range(len(FAMILIES))] == list(FAMILIES)
    np.testing.assert_array_equal(families.codes_of(["binomial", "normal"]), [4, 0])
    with pytest.raises(ValueError, match="unknown family"):
        families.codes_of(["gaussian"])
    y = np.array([[0.5, 3.0]])
    out = families.to_value([0, 2], y, center=np.array([10.0, 0.0]), scale=np.array([2.0, 1.0]))
    np.testing.assert_array_equal(out, [[11.0, 3.0]])  # z-score back to value; counts as counts
