"""The convolutional network of [`tinynet.conv.net`][tinynet.conv.net], fused for speed: the same numbers, faster.

``FastConvNet`` has the layers, parameters, header and text format of
``ConvNet`` (a saved one loads as the plain ``ConvNet``; ``fast(net)`` turns
one into this); only its forward and backward passes differ. The tests hold
its gradients to those of the plain passes (to 1e-12, relative). What it does
differently, each measured to pay on the CPU (``benchmarks/cnn_speed.py``
prints both):

- memos: each layer writes its large arrays into ones kept between passes
  (``scratch``, one set per batch size) instead of allocating them on every step;
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

The fused layer passes are in [`tinynet.conv.fused`][tinynet.conv.fused]; this module runs
them as a network. Its passes' ``z`` and ``a`` hold these layouts, not the plain maps, and the
gradient it returns lives in those kept arrays (the next pass overwrites it): to look at a pass
layer by layer, trace the plain ``ConvNet``.
"""

import numpy as np

from tinynet.base import Pass
from tinynet.conv.fused import conv_backward, conv_forward, pool_backward, pool_forward, scratch
from tinynet.conv.layers import Conv2D, MaxPool2D
from tinynet.conv.net import ConvNet


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

    slice_size = 100  # samples per pass on the CPU (see backprop)

    def buffers(self, m):
        """What a pass over m samples reuses: each layer's memo, a flat gradient and its views per layer."""
        kept = self.__dict__.setdefault("_kept", {})
        if (m, self.xp) not in kept:
            flat = self.xp.zeros_like(self.params)
            kept[m, self.xp] = [{} for _ in self.layers], flat, self.by_layer(self.views(flat))
        return kept[m, self.xp]

    def backprop(self, x, y):
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
        m = len(x)
        slices = -(-m // self.slice_size) if self.xp is np else 1  # ceil(m / slice_size); a GPU takes it whole
        if slices == 1:
            return self.backward(self.forward(x), y)
        bounds = [m * i // slices for i in range(slices + 1)]
        total = self.xp.zeros_like(self.params)
        for start, stop in zip(bounds, bounds[1:]):
            total += self.backward(self.forward(x[start:stop]), y[start:stop])
        return total

    def forward(self, x):
        return Pass(*self._forward(x, self.xp, self.buffers(len(x))[0]))

    def backward(self, p, y):
        """∂C/∂params as one flat array (kept between passes: the next pass of as many samples overwrites it)."""
        memos, flat, grads = self.buffers(len(y))
        p.delta = self._backward(y, p.z, p.a, self.xp, memos, grads)
        return flat

    def trace(self, x, y):
        """The plain ConvNet's trace, with these parameters: the fused passes keep other layouts."""
        plain = ConvNet(**self.spec()[1], seed=0)
        plain.bind(self.params.copy())
        return plain.trace(x, y)

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
            a = z if act.name == "identity" or relu_pending else act.forward(z)
            zs.append(z)
            acts.append(a)
        return zs, acts

    def _backward(self, y, zs, acts, xp, memos, grads):
        """delta^L from the cost, then layer by layer ∂C/∂params into ``grads`` and delta^(l-1).

        Returns every layer's delta^l, in the fused layouts (kept arrays: the next pass overwrites them).
        """
        deltas = [None] * len(self.layers)
        delta = self.cost.delta(zs[-1], acts[-1], y, self.activations[-1])
        for l in reversed(range(len(self.layers))):
            deltas[l] = delta
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
                W, nabla_w, nabla_b = params[0], *grads[l]
                xp.matmul(delta.T, acts[l], out=nabla_w)
                delta.sum(axis=0, out=nabla_b)
                g = xp.matmul(delta, W, out=scratch(memo, "g", acts[l].shape, W.dtype, xp)) if l > 0 else None
            else:  # flatten
                g = delta.reshape(acts[l].shape)
            if l > 0:
                act = self.activations[l - 1]
                if act.name != "identity" and not relu_then_pool:
                    g = act.backward(zs[l - 1], acts[l], g)
                delta = g
        return deltas

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
