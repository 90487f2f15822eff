"""Activation functions: a = sigma(z), and how an error passes back through them.

Each layer turns its weighted input ``z`` into its activation ``a = sigma(z)``.
Backpropagation needs the other direction: given ``g = dC/da`` it wants
``dC/dz``. For an element-wise sigma that is ``g * sigma'(z)`` (the ``⊙ σ'(z)``
of the backprop equations). Softmax is not element-wise: every output depends
on every input, so its ``backward`` multiplies ``g`` by the transposed Jacobian
instead, ``a ⊙ (g - Σ_k g_k a_k)``.

Every function works on a batch: ``z`` has one row per sample. ``out`` is the
array the result is written into (the trainers reuse buffers so that large
temporaries are not allocated on every step); ``xp`` is the array module
(``numpy`` or ``cupy``), so the same code runs on the CPU and the GPU.
"""

import numpy as np


class Activation:
    """sigma(z) and its backward step. Subclasses define ``forward`` and ``backward``."""

    name = ""

    def forward(self, z, out, xp=np):
        """Write a = sigma(z) into ``out`` and return it."""
        raise NotImplementedError

    def backward(self, z, a, g, out, xp=np):
        """Write dC/dz into ``out`` given g = dC/da (``out`` must be another array than ``g``)."""
        raise NotImplementedError

    def __call__(self, z, xp=np):
        """sigma(z) in a new array (for plots and lessons)."""
        return self.forward(z, xp.empty_like(z), xp)

    def derivative(self, z, xp=np):
        """sigma'(z), element by element (for plots and lessons)."""
        a = self(z, xp)
        return self.backward(z, a, xp.ones_like(z), xp.empty_like(z), xp)

    def __repr__(self):
        return f"<activation {self.name}>"


class Sigmoid(Activation):
    """sigma(z) = 1 / (1 + e^-z);  sigma'(z) = a (1 - a)."""

    name = "sigmoid"

    # --8<-- [start:sigmoid_forward]
    def forward(self, z, out, xp=np):
        # 1/(1+e^-z) written as (1 + tanh(z/2)) / 2: the same number, but no
        # overflow warning from e^-z when z is very negative.
        xp.multiply(z, 0.5, out=out)
        xp.tanh(out, out=out)
        out += 1.0
        out *= 0.5
        return out

    # --8<-- [end:sigmoid_forward]

    # --8<-- [start:sigmoid_backward]
    def backward(self, z, a, g, out, xp=np):
        xp.multiply(a, a, out=out)
        xp.subtract(a, out, out=out)  # a - a^2 = a (1 - a)
        out *= g
        return out

    # --8<-- [end:sigmoid_backward]


class Tanh(Activation):
    """sigma(z) = tanh(z);  sigma'(z) = 1 - a^2."""

    name = "tanh"

    def forward(self, z, out, xp=np):
        return xp.tanh(z, out=out)

    def backward(self, z, a, g, out, xp=np):
        xp.multiply(a, a, out=out)
        xp.subtract(1.0, out, out=out)  # 1 - a^2
        out *= g
        return out


class LecunTanh(Activation):
    """sigma(z) = 1.7159 tanh(2z/3);  sigma'(z) = (2/3) (1.7159 - a^2 / 1.7159).

    LeCun's scaled tanh: sigma(±1) ≈ ±1, and its slope is largest where
    normalised inputs fall.
    """

    name = "lecun_tanh"
    A = 1.7159

    def forward(self, z, out, xp=np):
        xp.multiply(z, 2.0 / 3.0, out=out)
        xp.tanh(out, out=out)
        out *= self.A
        return out

    def backward(self, z, a, g, out, xp=np):
        # (2/3)(A - a^2/A) = (2/(3A)) (A^2 - a^2)
        xp.multiply(a, a, out=out)
        xp.subtract(self.A * self.A, out, out=out)
        out *= g
        out *= 2.0 / (3.0 * self.A)
        return out


class ReLU(Activation):
    """sigma(z) = max(0, z);  sigma'(z) = 1 if z > 0 else 0."""

    name = "relu"

    def forward(self, z, out, xp=np):
        return xp.maximum(z, 0, out=out)

    def backward(self, z, a, g, out, xp=np):
        return xp.multiply(g, z > 0, out=out)


class ELU(Activation):
    """sigma(z) = z if z > 0 else e^z - 1;  sigma'(z) = 1 if z > 0 else a + 1."""

    name = "elu"

    def forward(self, z, out, xp=np):
        # expm1 of min(z, 0): no overflow for large positive z we throw away anyway.
        e = xp.expm1(xp.minimum(z, 0))
        out[...] = xp.where(z > 0, z, e)
        return out

    def backward(self, z, a, g, out, xp=np):
        out[...] = g * xp.where(z > 0, 1.0, a + 1.0)
        return out


class Softplus(Activation):
    """sigma(z) = ln(1 + e^z);  sigma'(z) = 1 / (1 + e^-z), the sigmoid."""

    name = "softplus"

    def forward(self, z, out, xp=np):
        return xp.logaddexp(0, z, out=out)  # ln(e^0 + e^z) without overflow

    def backward(self, z, a, g, out, xp=np):
        _SIGMOID.forward(z, out, xp)
        out *= g
        return out


class Identity(Activation):
    """sigma(z) = z;  sigma'(z) = 1."""

    name = "identity"

    def forward(self, z, out, xp=np):
        out[...] = z
        return out

    def backward(self, z, a, g, out, xp=np):
        out[...] = g
        return out


class Softmax(Activation):
    """a_j = e^{z_j} / Σ_k e^{z_k}, over the units of one sample (one row).

    Not element-wise: da_j/dz_i = a_j (δ_ij - a_i), so the backward step is the
    Jacobian product  dC/dz = a ⊙ (g - Σ_k g_k a_k).
    """

    name = "softmax"

    def forward(self, z, out, xp=np):
        # Subtracting the row maximum changes nothing mathematically and keeps e^z finite.
        xp.subtract(z, z.max(axis=-1, keepdims=True), out=out)
        xp.exp(out, out=out)
        # Each row's sum Σ_k e^{z_k} as a product with a column of ones: one BLAS
        # call, faster than NumPy's sum over a short last axis.
        out /= out @ xp.ones((out.shape[-1], 1), out.dtype)
        return out

    # --8<-- [start:softmax_backward]
    def backward(self, z, a, g, out, xp=np):
        s = (g * a).sum(axis=-1, keepdims=True)
        xp.subtract(g, s, out=out)
        out *= a
        return out

    # --8<-- [end:softmax_backward]

    def derivative(self, z, xp=np):
        raise ValueError("softmax has no element-wise derivative: use backward() with dC/da")


_SIGMOID = Sigmoid()

ACTIVATIONS = {
    act.name: act for act in (Sigmoid(), Tanh(), LecunTanh(), ReLU(), ELU(), Softplus(), Softmax(), Identity())
}


def get_activation(name):
    """The activation called ``name`` (an [`Activation`][tinynet.activations.Activation] passes through)."""
    if isinstance(name, Activation):
        return name
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"activations: unknown activation {name!r}; expected one of {', '.join(ACTIVATIONS)}"
        ) from None
