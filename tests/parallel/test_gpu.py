"""The GPU trainer (tinynet.parallel.gpu): the Trainer's steps with CuPy; NumPy stands in where there is no GPU."""

import os
import sys
import types

import numpy as np
import pytest
from conftest import pool_data, train_a_classifier

from tinynet.parallel.gpu import GPUTrainer, require_cupy


def test_gpu_code_path_with_numpy_standing_in(one_process_run):
    net, history = train_a_classifier(GPUTrainer(xp=np), validation_data=pool_data(100, seed=1), validate_every=5)
    np.testing.assert_allclose(net.params, one_process_run[0].params, rtol=0, atol=1e-10)
    assert len(history.validation_accuracies) == 3


def test_gpu_trainer_says_what_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)
    with pytest.raises(RuntimeError, match=r"GPUTrainer needs CuPy, which is not installed: pip install"):
        GPUTrainer()
    fake = types.SimpleNamespace(
        cuda=types.SimpleNamespace(
            runtime=types.SimpleNamespace(getDeviceCount=lambda: (_ for _ in ()).throw(OSError("no CUDA driver")))
        )
    )
    monkeypatch.setitem(sys.modules, "cupy", fake)
    with pytest.raises(RuntimeError, match="CuPy is installed but no CUDA GPU can be used here: no CUDA driver"):
        require_cupy()
    fake.cuda.runtime.getDeviceCount = lambda: 0
    with pytest.raises(RuntimeError, match="this machine has no CUDA GPU"):
        require_cupy()


@pytest.mark.skipif(os.environ.get("TINYNET_GPU_TESTS") != "1", reason="set TINYNET_GPU_TESTS=1 on a GPU machine")
def test_on_a_real_gpu(one_process_run):
    cupy = require_cupy()
    net, _ = train_a_classifier(GPUTrainer())
    np.testing.assert_allclose(net.params, one_process_run[0].params, rtol=0, atol=1e-10)
    assert cupy.cuda.runtime.getDeviceCount() >= 1
