"""The convolutional network of [`tinynet.conv`][tinynet.conv], fused for speed: the same numbers, several times faster.

``FastConvNet`` has the layers, parameters, header and text format of
``ConvNet`` (a saved one loads as the plain ``ConvNet``; ``fast(net)`` turns
one into this); only its forward and backward passes differ. The tests hold
its gradients to those of the plain passes (to 1e-12, relative). What it does
differently, each measured to pay on the CPU (``benchmarks/cnn_speed.py``
prints both):

- memos: each layer writes its large arrays into ones kept in the workspace
  between passes (``scratch``) instead of allocating them on every step;
- a convolution followed by an s x s max-pool computes z straight as the
  pool's candidates: the s·s windows of a pooled value are the s·s offsets of
  one (k+s-1) x (k+s-1) patch, so one product of the patches with s·s shifted
  copies of each kernel gives them all (``pool_kernels``), and im2col copies
  (k+s-1)² numbers per pooled value instead of s²·k²;
- the pool's maximum is a knockout between whole blocks of candidates
  (``_knockout``) and its way back replays the matches (``_route``);
- relu followed by max-pooling is applied after the pool (max and relu
  commute), on maps s·s times smaller; z^l of such a relu layer then holds
  the pooled maps' input before relu, which only the pool reads;
- ∂C/∂a of a convolution is the full correlation of delta with the flipped
  kernel, computed by the same fused forward;
- on the CPU a batch runs as slices of ``slice_size`` samples, whose arrays
  stay in the processor's cache between the steps of a pass.

The fused layer passes are in [`tinynet.conv_fused`][tinynet.conv_fused]; this module runs
them as a network. The passes' ``ws.z`` and ``ws.a`` hold these layouts, not the plain maps: to
look at a pass layer by layer, trace the plain ``ConvNet``.
"""

import numpy as np

from .conv import Conv2D, ConvNet, MaxPool2D
from .conv_fused import conv_backward, conv_forward, pool_backward, pool_forward, scratch


def fast(network):
    """A FastConvNet with the layers of the ConvNet ``network`` and a copy of its parameters."""
    cls, kwargs = network.spec()
    out = FastConvNet(**kwargs, seed=0)
    out.bind(network.params.copy())
    return out


class FastConvNet(ConvNet):
    """A ConvNet whose forward and backward passes are the fused ones of this module (same results).

    ``tinynet cnn train`` and the benchmarks train this one. ``spec()`` rebuilds
    a FastConvNet (in a worker process, on a GPU); a saved one loads as a ConvNet.
    """

    header_key = None  # its files say "convnet": they load as the plain ConvNet
    slice_size = 100  # samples per pass on the CPU (see backprop)

    def allocate(self, ws, xp):
        super().allocate(ws, xp)
        ws.memos = [{} for _ in self.layers]  # each layer's arrays, reused pass after pass (see scratch)
        ws.slices = {}  # slice size -> (memos, flat gradient, its views per layer)

    def backprop(self, x, y, xp=None, ws=None):
        """∂C/∂params, as ConvNet's; on the CPU a batch of more than ``slice_size`` samples runs in slices.

        ∂C/∂params is a sum over the samples, so the slices' gradients add up.
        Why: a pass keeps every window and feature map of its samples; with 16
        filters of 5x5, those of 100 digits stay in the processor's cache
        between the steps of a pass, those of 200 do not.
        """
        if not (isinstance(self.slice_size, int) and self.slice_size >= 1):
            raise ValueError(f"slice_size: expected a whole number >= 1, got {self.slice_size!r}")
        x = self.check_x(x)
        y = self.check_y(y, len(x))
        if ws is None:
            ws = self.workspace(len(x), xp)
        m = len(x)
        slices = -(-m // self.slice_size) if ws.xp is np else 1  # ceil(m / slice_size); a GPU takes it whole
        if slices == 1:
            return super().backprop(x, y, xp, ws)
        bounds = [m * i // slices for i in range(slices + 1)]
        for i, (start, stop) in enumerate(zip(bounds, bounds[1:])):
            if i == 0:
                memos, grad, grads = ws.memos, ws.grad, ws.layer_grads
            else:
                if stop - start not in ws.slices:
                    flat = ws.xp.zeros_like(ws.grad)
                    ws.slices[stop - start] = [{} for _ in self.layers], flat, self.by_layer(self.views(flat))
                memos, grad, grads = ws.slices[stop - start]
            zs, acts = self._forward(x[start:stop], ws.xp, memos)
            self._backward(y[start:stop], zs, acts, ws.xp, memos, grads)
            if i > 0:
                ws.grad += grad
        return self.gradients(ws)

    def forward(self, x, ws):
        ws.z, ws.a = self._forward(x, ws.xp, ws.memos)
        return ws.a[-1]

    def backward(self, y, ws):
        self._backward(y, ws.z, ws.a, ws.xp, ws.memos, ws.layer_grads)

    def _forward(self, x, xp, memos):
        """zs (z^1..z^L) and acts (a^0..a^L) of the batch x, in the fused layouts (see the module docstring)."""
        a = x.reshape((x.shape[0],) + self.input_shape)
        zs, acts = [], [a]
        relu_pending = False
        for l, (layer, params, act) in enumerate(zip(self.layers, self.layer_blocks, self.activations)):
            memo = memos[l]
            if isinstance(layer, Conv2D):
                z = conv_forward(a, *params, xp, memo, pool=self.layers[l + 1].size if self._pool_follows(l) else 1)
            elif isinstance(layer, MaxPool2D):
                z = pool_forward(a, layer.size, xp, memo)
            elif params:  # dense
                W, b = params
                z = xp.matmul(a, W.T, out=scratch(memo, "z", (len(a), W.shape[0]), a.dtype, xp))
                z += b
            elif a.flags.c_contiguous:  # flatten
                z = a.reshape(len(a), -1)
            else:
                z = scratch(memo, "z", (len(a), a[0].size), a.dtype, xp)  # maps lying channel-major: a copy
                z.reshape(a.shape)[...] = a
            if relu_pending:
                xp.maximum(z, 0, out=z)  # the postponed relu, on the pooled maps
            relu_pending = self._relu_then_pool(l + 1)
            if act.name == "identity" or relu_pending:
                a = z
            else:
                a = act.forward(z, scratch(memo, "a", None, None, xp, like=z), xp)
            zs.append(z)
            acts.append(a)
        return zs, acts

    def _backward(self, y, zs, acts, xp, memos, grads):
        """delta^L from the cost, then layer by layer ∂C/∂params into ``grads`` and delta^(l-1)."""
        delta = self.cost.delta(
            zs[-1], acts[-1], y, self.activations[-1], scratch(memos[-1], "delta", None, None, xp, like=zs[-1]), xp
        )
        for l in reversed(range(len(self.layers))):
            layer, params, memo = self.layers[l], self.layer_blocks[l], memos[l]
            relu_then_pool = self._relu_then_pool(l)
            if relu_then_pool:
                # relu's slope at the arg-max is 1 where the pooled value is > 0: applied to the pooled
                # errors it gives the same delta^(l-1) (written in the pooled maps' memory order)
                delta = xp.multiply(
                    delta, acts[l + 1] > 0, out=scratch(memo, "delta", None, None, xp, like=acts[l + 1])
                )
            if isinstance(layer, Conv2D):
                g = conv_backward(acts[l], delta, params[0], *grads[l], xp, memo, need_input_grad=l > 0)
            elif isinstance(layer, MaxPool2D):
                g = pool_backward(acts[l], delta, layer.size, xp, memo)
            elif params:  # dense
                W, nabla_W, nabla_b = params[0], *grads[l]
                xp.matmul(delta.T, acts[l], out=nabla_W)
                delta.sum(axis=0, out=nabla_b)
                g = xp.matmul(delta, W, out=scratch(memo, "g", acts[l].shape, W.dtype, xp)) if l > 0 else None
            else:  # flatten
                g = delta.reshape(acts[l].shape)
            if l > 0:
                act = self.activations[l - 1]
                if act.name != "identity" and not relu_then_pool:
                    g = act.backward(zs[l - 1], acts[l], g, scratch(memos[l - 1], "delta", None, None, xp, like=g), xp)
                delta = g

    def _pool_follows(self, l):
        """Whether layer l is a convolution and layer l + 1 a max-pool."""
        return (
            isinstance(self.layers[l], Conv2D)
            and l + 1 < len(self.layers)
            and isinstance(self.layers[l + 1], MaxPool2D)
        )

    def _relu_then_pool(self, l):
        """Whether layer l is a max-pool whose input is a relu's output."""
        return (
            0 < l < len(self.layers)
            and isinstance(self.layers[l], MaxPool2D)
            and self.activations[l - 1].name == "relu"
        )
