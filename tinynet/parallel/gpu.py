"""Training on a GPU with CuPy: the same algorithm and the same backprop, with ``cupy`` as ``xp``.

As in the classic design, the network and all the training data move to the
GPU once, when training starts; every step then runs there (``backprop`` is
written against the array module, so nothing else changes), and the trained
parameters come back to the CPU at the end, ready to be saved in the usual
text format.
"""

from tinynet.arrays import to_numpy
from tinynet.data import prepare_data
from tinynet.trainer import Trainer


def require_cupy():
    """The ``cupy`` module, or a RuntimeError saying whether CuPy or the GPU is missing."""
    try:
        import cupy
    except ImportError:
        raise RuntimeError(
            'GPUTrainer needs CuPy, which is not installed: pip install -e ".[gpu]" '
            "(cupy-cuda12x, for CUDA 12; for CUDA 13 install cupy-cuda13x instead)"
        ) from None
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:  # CUDA driver missing or broken
        raise RuntimeError(f"CuPy is installed but no CUDA GPU can be used here: {e}") from None
    if count == 0:
        raise RuntimeError("CuPy is installed but this machine has no CUDA GPU")
    return cupy


class GPUTrainer(Trainer):
    """[`Trainer`][tinynet.trainer.Trainer] on a GPU.

    ``xp`` is the array module to run on: ``cupy`` by default; the tests pass
    ``numpy`` to run this very code path on a machine without a GPU.
    ``train`` takes the same arguments as [`Trainer.train`][tinynet.trainer.Trainer.train] and trains the
    network in place; the ``callback`` sees the copy that lives on the GPU.
    """

    def __init__(self, xp=None):
        super().__init__(require_cupy() if xp is None else xp)

    def train(self, network, training_data, *args, **kwargs):
        X, Y = prepare_data(network, training_data, "training_data")
        on_device = network.to(self.xp)  # the parameters move to the GPU once...
        try:
            return super().train(on_device, (X, Y), *args, **kwargs)  # ...and so does the data
        finally:
            network.params[...] = to_numpy(on_device.params)  # back for saving
