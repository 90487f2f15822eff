"""The arrays a network is made of: their dtype, their random start, and the array module they live in.

Every network kind checks its ``dtype`` and ``seed`` arguments with these;
``xp``, the array module, is ``numpy`` or, on a GPU, ``cupy``.
"""

import numpy as np


def check_dtype(dtype):
    """``dtype`` as numpy.float64 or numpy.float32, or a ValueError naming the argument."""
    if isinstance(dtype, str) and dtype in ("float64", "float32"):
        return np.dtype(dtype)
    if dtype in (np.float64, np.float32) or (isinstance(dtype, np.dtype) and dtype in (np.float64, np.float32)):
        return np.dtype(dtype)
    raise ValueError(f"dtype: expected float64 or float32, got {dtype!r}")


def make_rng(seed):
    """A NumPy random generator seeded by ``seed`` (None, or an integer >= 0), or a ValueError naming it."""
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise ValueError(f"seed: expected None or an integer >= 0, got {seed!r}")
    return np.random.default_rng(seed)


def to_numpy(arr):
    """A NumPy array of ``arr`` (copied from the GPU if it lives there)."""
    return arr.get() if hasattr(arr, "get") else np.asarray(arr)


def array_module(arr):
    """numpy, or cupy for a cupy array (without importing cupy otherwise)."""
    if isinstance(arr, np.ndarray):
        return np
    module = type(arr).__module__.split(".")[0]
    if module == "cupy":
        import cupy

        return cupy
    return np
