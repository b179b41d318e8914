"""Compile a PyMC model for nutpie with its C callbacks cached on disk.

``nutpie.compile_pymc_model`` wraps PyTensor's numba-compiled log-density in two numba
``cfunc`` C callbacks. PyTensor caches its own function on disk, but nutpie's callbacks are
closures numba cannot cache, and compiling them links the whole log-density's LLVM module
into the callback and optimises it again: 14-15 of the ~20 s of compiling the reference model
on the real panel, in every new process, although PyTensor loads its part from its cache in
0.3 s (measured).

:func:`compile_pymc_model` builds the same ``nutpie.compile_pymc.CompiledPyMCModel`` (same
sampler, same ``with_data`` refits), but its callbacks are written as source into a module
file named by a hash of everything they depend on (PyTensor's cache key of the compiled
graph, the dimensions, the data containers' names, dtypes and ranks, numba's version), and
compiled with ``numba.cfunc(..., cache=True)``. A new process with the same model structure
then loads them from numba's cache. Anything unexpected (a nutpie version whose internals
differ, a graph PyTensor cannot cache, an unwritable cache directory) falls back to nutpie's
own compilation, with the same result, only slower.

The cache directory is ``$CAUSAL_MODEL_CACHE`` if set, else ``$XDG_CACHE_HOME/causal_model``
(``~/.cache/causal_model``); delete it at any time.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import warnings
from pathlib import Path

import numba
import numpy as np
import nutpie
from numba.core import cgutils, types
from numba.extending import intrinsic

__all__ = ["cache_dir", "compile_pymc_model"]

#: Bump when the generated source changes (part of the file name).
_VERSION = "1"
#: nutpie releases whose private compile functions :func:`_compile_cached` repeats (the
#: dependency is pinned to them in pyproject.toml); any other falls back to nutpie's own.
SUPPORTED_NUTPIE = ("0.16",)

_LOGP_SIG = types.int64(
    types.uint64,
    types.CPointer(types.double),
    types.CPointer(types.double),
    types.CPointer(types.double),
    types.voidptr,
)
_EXPAND_SIG = types.int64(
    types.uint64,
    types.uint64,
    types.CPointer(types.double),
    types.CPointer(types.double),
    types.voidptr,
)


@intrinsic
def void_pointer(typingctx, address):
    """The integer ``address`` as a ``void*`` (for ``numba.carray``)."""
    sig = types.voidptr(address)

    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], cgutils.voidptr_t)

    return sig, codegen


def cache_dir() -> Path:
    """Directory of the generated callback modules and their numba cache."""
    root = os.environ.get("CAUSAL_MODEL_CACHE")
    if root:
        return Path(root)
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "causal_model"


def compile_pymc_model(model):
    """``nutpie.compile_pymc_model(model)`` with disk-cached C callbacks (see module docs).

    Parameters
    ----------
    model
        The ``pm.Model`` to compile.

    Returns
    -------
    nutpie.compile_pymc.CompiledPyMCModel
        Ready for ``nutpie.sample``; ``with_data`` swaps data containers as usual.
    """
    try:
        return _compile_cached(model)
    except Exception as err:  # noqa: BLE001 - any failure: nutpie's own (uncached) path
        warnings.warn(
            f"cached nutpie compilation unavailable ({type(err).__name__}: {err}); "
            "compiling with nutpie.compile_pymc_model instead (slower, same result)",
            RuntimeWarning,
            stacklevel=2,
        )
        return nutpie.compile_pymc_model(model)


def _compile_cached(model):
    """The body of nutpie 0.16's ``compile_pymc_model`` (numba backend, defaults), with the
    callbacks from :func:`_callbacks`."""
    version = ".".join(nutpie.__version__.split(".")[:2])
    if version not in SUPPORTED_NUTPIE:
        raise RuntimeError(
            f"nutpie {nutpie.__version__} is not a release whose internals this cache repeats "
            f"({', '.join(SUPPORTED_NUTPIE)})"
        )
    from nutpie.compile_pymc import (
        CompiledPyMCModel,
        _make_functions,
        _prepare_dims_and_coords,
        _wrap_with_lock,
        make_user_data,
    )
    from pymc.initial_point import make_initial_point_fn

    pymc_initial_point_fn = _wrap_with_lock(
        make_initial_point_fn(
            model=model,
            overrides=None,
            default_strategy="support_point",
            jitter_rvs=set(model.free_RVs),
            return_transformed=True,
        )
    )
    n_dim, n_expanded, logp_fn_pt, expand_fn_pt, initial_point_fn, shape_info = _make_functions(
        model,
        mode="NUMBA",
        compute_grad=True,
        join_expanded=True,
        pymc_initial_point_fn=pymc_initial_point_fn,
        var_names=None,
    )
    shared_data, shared_vars = {}, {}
    for val in [*logp_fn_pt.get_shared(), *expand_fn_pt.get_shared()]:
        if val.name in shared_data and val is not shared_vars[val.name]:
            raise ValueError(f"Shared variables must have unique names: {val.name}")
        shared_data[val.name] = np.array(val.get_value(), order="C", copy=True)
        shared_vars[val.name] = val
    for arr in shared_data.values():
        arr.flags.writeable = False
    user_data = make_user_data(shared_vars, shared_data)

    logp_c, expand_c = _callbacks(
        n_dim,
        n_expanded,
        logp_fn_pt,
        expand_fn_pt,
        [v.name for v in logp_fn_pt.get_shared()],
        [v.name for v in expand_fn_pt.get_shared()],
        shared_data,
        user_data.dtype,
    )
    dims, coords = _prepare_dims_and_coords(model, shape_info)
    return CompiledPyMCModel(
        _n_dim=n_dim,
        dims=dims,
        _coords=coords,
        _shapes={name: tuple(shape) for name, _, shape in zip(*shape_info, strict=True)},
        compiled_logp_func=logp_c,
        compiled_expand_func=expand_c,
        initial_point_func=initial_point_fn,
        shared_data=shared_data,
        user_data=user_data,
        n_expanded=n_expanded,
        shape_info=shape_info,
        logp_func=logp_fn_pt,
        expand_func=expand_fn_pt,
    )


def _word_offsets(record_dtype: np.dtype, names: list[str], shared_data: dict) -> dict:
    """Offsets, in 8-byte words of the user-data record, of each container's data pointer
    and shape entries (nutpie's layout: ``shared.data``, ``shared.size``, ``shared.shape``)."""
    shared, base = record_dtype.fields["shared"][0], record_dtype.fields["shared"][1]
    out = {}
    for name in names:
        data_off = base + shared.fields["data"][1] + shared["data"].fields[name][1]
        shape_off = base + shared.fields["shape"][1] + shared["shape"].fields[name][1]
        if data_off % 8 or shape_off % 8:
            raise ValueError("unexpected user-data layout")
        out[name] = (data_off // 8, shape_off // 8, shared_data[name].ndim)
    if record_dtype.itemsize % 8:
        raise ValueError("unexpected user-data layout")
    return out


def _unpack_lines(names, offsets, shared_data) -> tuple[list[str], list[str]]:
    lines, args = [], []
    for i, name in enumerate(names):
        data_w, shape_w, ndim = offsets[name]
        dtype = np.dtype(shared_data[name].dtype).name
        dtype = "bool_" if dtype == "bool" else dtype
        shape = ", ".join(f"ud[{shape_w + j}]" for j in range(ndim))
        shape = f"({shape},)" if ndim == 1 else f"({shape})"
        lines.append(
            f"        a{i} = numba.carray(void_pointer(ud[{data_w}]), {shape}, np.{dtype})"
        )
        args.append(f"a{i}")
    return lines, args


def _source(n_dim, n_expanded, logp_names, expand_names, shared_data, record_dtype) -> str:
    names = list(dict.fromkeys([*logp_names, *expand_names]))
    offsets = _word_offsets(record_dtype, names, shared_data)
    n_words = record_dtype.itemsize // 8
    lp_lines, lp_args = _unpack_lines(logp_names, offsets, shared_data)
    ex_lines, ex_args = _unpack_lines(expand_names, offsets, shared_data)
    lp_call = ", ".join(["x", *lp_args])
    ex_call = ", ".join(["x", *ex_args])
    nl = "\n"
    return f'''"""Generated by causal_model.inference.compile_cache v{_VERSION}; safe to delete."""
import numba
import numpy as np

from causal_model.inference.compile_cache import void_pointer

LOGP_INNER = None
EXPAND_INNER = None


def logp(dim, x_, out_, logp_, user_data_):
    if dim != {n_dim}:
        return -1
    try:
        ud = numba.carray(user_data_, ({n_words},), np.uint64)
{nl.join(lp_lines)}
        x = numba.carray(x_, ({n_dim},))
        out = numba.carray(out_, ({n_dim},))
        lp = numba.carray(logp_, ())
        logp_val, grad = LOGP_INNER({lp_call})
        lp[()] = logp_val
        out[...] = grad
        if not np.all(np.isfinite(out)):
            return 3
        if not np.isfinite(logp_val):
            return 4
    except Exception:  # noqa: BLE001
        return 1
    return 0


def expand(dim, expanded, x_, out_, user_data_):
    if dim != {n_dim}:
        return -1
    if expanded != {n_expanded}:
        return -1
    try:
        ud = numba.carray(user_data_, ({n_words},), np.uint64)
{nl.join(ex_lines)}
        x = numba.carray(x_, ({n_dim},))
        out = numba.carray(out_, ({n_expanded},))
        (values,) = EXPAND_INNER({ex_call})
        out[...] = values
    except Exception:  # noqa: BLE001
        return -2
    return 0
'''


def _pytensor_key(fn) -> str:
    """PyTensor's on-disk cache key of a compiled function's numba graph (raises if the graph
    is not cached on disk, in which case its callbacks must not be either)."""
    jit = fn.vm.jit_fn
    cache = getattr(jit, "_cache", None)
    if cache is None or type(cache).__name__ == "NullCache":
        raise ValueError("PyTensor did not cache this graph on disk")
    name = str(getattr(getattr(cache, "_cache_file", None), "_index_name", ""))
    if "numba_funcified_fgraph-" not in name:
        raise ValueError("PyTensor's cache key of the graph is unknown")
    return name


def _callbacks(
    n_dim, n_expanded, logp_fn, expand_fn, logp_names, expand_names, shared_data, record_dtype
):
    """The two cfuncs, from the generated module (compiled once, then loaded from disk)."""
    source = _source(n_dim, n_expanded, logp_names, expand_names, shared_data, record_dtype)
    key = hashlib.sha256(
        "\n".join(
            [
                source,
                _pytensor_key(logp_fn),
                _pytensor_key(expand_fn),
                numba.__version__,
                sys.version,
            ]
        ).encode()
    ).hexdigest()[:32]
    directory = cache_dir() / "nutpie"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"callbacks_{key}.py"
    # the file is executed: it must be exactly the source generated here (a file planted or
    # changed in the cache folder is replaced, never run); written atomically, so a reader
    # never sees half a file
    if not path.exists() or path.read_text() != source:
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(source)
        os.replace(tmp, path)
    spec = importlib.util.spec_from_file_location(f"causal_model_callbacks_{key}", path)
    module = sys.modules.get(spec.name)
    if module is None:
        module = importlib.util.module_from_spec(spec)
        # numba's cache re-imports the module by name when it loads the callbacks
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    module.LOGP_INNER = logp_fn.vm.jit_fn
    module.EXPAND_INNER = expand_fn.vm.jit_fn
    logp_c = numba.cfunc(_LOGP_SIG, cache=True)(module.logp)
    expand_c = numba.cfunc(_EXPAND_SIG, cache=True)(module.expand)
    return logp_c, expand_c
