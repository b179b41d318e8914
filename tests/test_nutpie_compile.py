"""The disk-cached nutpie callbacks compute exactly what PyTensor's function does."""

from __future__ import annotations

import ctypes
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pymc as pm
import pytest

from causal_model import TensionModel
from causal_model.inference.compile_cache import compile_pymc_model

_DBL = ctypes.POINTER(ctypes.c_double)


def _call_logp(compiled, x):
    out, lp = np.zeros_like(x), np.zeros(())
    code = compiled.compiled_logp_func.ctypes(
        x.size,
        x.ctypes.data_as(_DBL),
        out.ctypes.data_as(_DBL),
        lp.ctypes.data_as(_DBL),
        ctypes.c_void_p(compiled.user_data.ctypes.data),
    )
    return code, float(lp), out


def _call_expand(compiled, x):
    out = np.zeros(compiled.n_expanded)
    code = compiled.compiled_expand_func.ctypes(
        x.size,
        compiled.n_expanded,
        x.ctypes.data_as(_DBL),
        out.ctypes.data_as(_DBL),
        ctypes.c_void_p(compiled.user_data.ctypes.data),
    )
    return code, out


#: A small model with data containers of the reference's kinds (float, bool and integer
#: matrices, a float vector) and a deterministic that reads one of them: what the callbacks'
#: cache and data layout depend on, compiled in seconds (the reference's callbacks take a
#: minute or more on an empty cache). Source text, so that a new process builds the same
#: model. The reference's callbacks are checked in-process below (a fallback to nutpie's own
#: compile would fail that test); that its cache key is stable across processes is seen in
#: every CI run, where the test workers load what the other compiled (not asserted).
SMALL_MODEL = """
import numpy as np
import pymc as pm
import pytensor.tensor as pt

rng = np.random.default_rng(0)
with pm.Model(coords={"year": range(6), "ind": range(3)}) as small_model:
    y = pm.Data("y_obs", rng.normal(size=(6, 3)))
    mask = pm.Data("obs_mask", rng.random((6, 3)) > 0.2)
    trials = pm.Data("obs_trials", rng.integers(1, 9, size=(6, 3)))
    offset = pm.Data("link_offset", rng.normal(size=3))
    mu = pm.Normal("mu", 0.0, 1.0, dims="ind")
    sigma = pm.HalfNormal("sigma", 1.0)
    cell = pm.logp(pm.Normal.dist(mu + offset, sigma), y) * trials
    pm.Potential("lik", pt.sum(pt.switch(mask, cell, 0.0)))
    pm.Deterministic("fitted", mu + offset, dims="ind")
"""


def _small_model():
    namespace: dict = {}
    exec(SMALL_MODEL, namespace)
    return namespace["small_model"]


@pytest.fixture(scope="module")
def compiled_small():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # the fallback would warn
        return compile_pymc_model(_small_model())


@pytest.fixture(scope="module")
def compiled_real(real_panel):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # the fallback would warn
        return compile_pymc_model(TensionModel(real_panel).build())


@pytest.mark.parametrize("which", ["compiled_small", "compiled_real"])
def test_callbacks_equal_pytensor_and_follow_with_data(which, request):
    c = request.getfixturevalue(which)
    rng = np.random.default_rng(0)
    for _ in range(3):
        x = 0.3 * rng.standard_normal(c.n_dim)
        code, lp, grad = _call_logp(c, x)
        want_lp, want_grad = _pytensor_logp(c, x)
        assert code == 0
        assert lp == pytest.approx(want_lp, rel=1e-12, abs=1e-12)
        np.testing.assert_allclose(grad, want_grad, rtol=1e-10, atol=1e-12)
        code, values = _call_expand(c, x)
        assert code == 0
        np.testing.assert_allclose(values, _pytensor_expand(c, x), rtol=1e-12, atol=1e-12)

    # a refit swaps the data: the callbacks read the new arrays through user_data
    y = np.array(c.shared_data["y_obs"])
    y2 = y + 0.5
    c2 = c.with_data(y_obs=y2)
    x = 0.3 * rng.standard_normal(c.n_dim)
    _, lp1, _ = _call_logp(c, x)
    _, lp2, grad2 = _call_logp(c2, x)
    assert lp1 != lp2
    want_lp, want_grad = _pytensor_logp(c2, x)
    assert lp2 == pytest.approx(want_lp, rel=1e-12)
    np.testing.assert_allclose(grad2, want_grad, rtol=1e-10, atol=1e-12)


def _with_shared(c, fn):
    """Run ``fn`` with the PyTensor function's shared variables set to ``c``'s data."""
    shared = {v.name: v for v in [*c.logp_func.get_shared(), *c.expand_func.get_shared()]}
    old = {k: v.get_value() for k, v in shared.items()}
    try:
        for k, v in shared.items():
            v.set_value(np.array(c.shared_data[k]))
        return fn()
    finally:
        for k, v in shared.items():
            v.set_value(old[k])


def _pytensor_logp(c, x):
    lp, grad = _with_shared(c, lambda: c.logp_func(x))
    return float(lp), np.asarray(grad)


def _pytensor_expand(c, x):
    return np.asarray(_with_shared(c, lambda: c.expand_func(x))[0])


def test_a_new_process_loads_the_callbacks_from_disk(compiled_small):
    """After one compilation, a new process with the same structure does not recompile."""
    code = SMALL_MODEL + (
        "import warnings\n"
        "from causal_model.inference.compile_cache import compile_pymc_model\n"
        "warnings.simplefilter('error', RuntimeWarning)\n"
        "c = compile_pymc_model(small_model)\n"
        "print(c.compiled_logp_func.cache_hits, c.compiled_expand_func.cache_hits)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600
    )
    assert out.stdout.split()[-2:] == ["1", "1"], out.stdout + out.stderr


def test_falls_back_to_nutpie_with_a_warning(monkeypatch):
    import causal_model.inference.compile_cache as nc

    def broken(model):
        raise AttributeError("no such internal")

    monkeypatch.setattr(nc, "_compile_cached", broken)
    with pm.Model() as model:
        pm.Normal("a", 0.0, 1.0)
    with pytest.warns(RuntimeWarning, match="no such internal"):
        compiled = nc.compile_pymc_model(model)
    assert compiled.n_dim == 1


def test_an_unsupported_nutpie_release_falls_back(monkeypatch):
    """A nutpie release whose internals the cache does not repeat uses nutpie's own path."""
    import nutpie

    import causal_model.inference.compile_cache as nc

    monkeypatch.setattr(nutpie, "__version__", "0.99.0")
    with pm.Model() as model:
        pm.Normal("a", 0.0, 1.0)
    with pytest.warns(RuntimeWarning, match="nutpie 0.99.0 is not a release"):
        compiled = nc.compile_pymc_model(model)
    assert compiled.n_dim == 1
    trace = nutpie.sample(compiled, draws=50, tune=50, chains=1, seed=1, progress_bar=False)
    assert trace.posterior["a"].shape == (1, 50)


def test_a_planted_callback_file_is_replaced_not_run(compiled_small, tmp_path):
    """Code in the cache folder runs only if it is exactly what the package generates."""
    from causal_model.inference.compile_cache import cache_dir

    module = sys.modules[compiled_small.compiled_logp_func._pyfunc.__module__]
    target = Path(module.__file__)  # the small model's generated callbacks
    assert target.parent == cache_dir() / "nutpie"
    good = target.read_text()
    marker = tmp_path / "planted_code_ran"
    target.write_text(f"open({str(marker)!r}, 'w').close()\n" + good)
    code = SMALL_MODEL + (
        "from causal_model.inference.compile_cache import compile_pymc_model\n"
        "compile_pymc_model(small_model)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=900, capture_output=True)
    assert not marker.exists()
    assert target.read_text() == good


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    from causal_model.inference.compile_cache import cache_dir

    monkeypatch.setenv("CAUSAL_MODEL_CACHE", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
    monkeypatch.delenv("CAUSAL_MODEL_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert cache_dir() == tmp_path / "x" / "causal_model"
