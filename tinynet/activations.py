"""Activation functions: a = σ(z), and how an error passes back through them.

Each layer turns its weighted input ``z`` into its activation ``a = σ(z)``
(``forward``). Backpropagation needs the other direction: given
``g = ∂C/∂a`` it wants ``∂C/∂z`` (``backward``). For an element-wise σ that
is ``g ⊙ σ'(z)``, the ``⊙ σ'(z)`` of the backprop equations. Softmax is not
element-wise: every output depends on every input, so its ``backward``
multiplies ``g`` by the transposed Jacobian instead, ``a ⊙ (g - Σ_k g_k a_k)``.

Every function works on a batch: ``z`` has one row per sample. Where a
function needs more than operators (``exp``, ``tanh``, ``maximum``), it takes
it from the array module ``z`` lives in (``numpy``, or ``cupy`` on a GPU), so
the same code runs on the CPU and the GPU.
"""

import numpy as np

from tinynet.arrays import array_module


class Activation:
    """σ(z) and its backward step. Subclasses define ``forward`` and ``backward``."""

    name = ""

    def forward(self, z):
        """a = σ(z)."""
        raise NotImplementedError

    def backward(self, z, a, g):
        """∂C/∂z, given z, a = σ(z) and g = ∂C/∂a."""
        raise NotImplementedError

    def __call__(self, z):
        """σ(z) (the same as ``forward``)."""
        return self.forward(z)

    def derivative(self, z):
        """σ'(z), element by element (for plots and lessons): ``backward`` with g = 1."""
        return self.backward(z, self.forward(z), array_module(z).ones_like(z))

    def __repr__(self):
        return f"<activation {self.name}>"


class Sigmoid(Activation):
    """σ(z) = 1 / (1 + e^-z);  σ'(z) = σ(z) (1 - σ(z)) = a (1 - a)."""

    name = "sigmoid"

    # --8<-- [start:sigmoid_forward]
    def forward(self, z):
        # For z below about -709, e^-z overflows to inf and 1/(1 + inf) = 0, the
        # right value: only NumPy's overflow warning is silenced. (Written through
        # tanh, (1 + tanh(z/2))/2, it never overflows, but tanh costs 1.5-2x exp here.)
        with np.errstate(over="ignore"):
            return 1 / (1 + array_module(z).exp(-z))

    # --8<-- [end:sigmoid_forward]

    # --8<-- [start:sigmoid_backward]
    def backward(self, z, a, g):
        return g * a * (1 - a)  # g ⊙ σ'(z), σ'(z) = a (1 - a)

    # --8<-- [end:sigmoid_backward]


class Tanh(Activation):
    """σ(z) = tanh(z);  σ'(z) = 1 - a²."""

    name = "tanh"

    def forward(self, z):
        return array_module(z).tanh(z)

    def backward(self, z, a, g):
        return g * (1 - a * a)


class LecunTanh(Activation):
    """σ(z) = A tanh(2z/3) with A = 1.7159;  σ'(z) = (2/3) (A - a²/A).

    LeCun's scaled tanh: σ(±1) ≈ ±1, and its slope is largest where
    normalised inputs fall.
    """

    name = "lecun_tanh"
    A = 1.7159

    def forward(self, z):
        return self.A * array_module(z).tanh(2 / 3 * z)

    def backward(self, z, a, g):
        return g * (2 / 3) * (self.A - a * a / self.A)


class ReLU(Activation):
    """σ(z) = max(0, z);  σ'(z) = 1 if z > 0 else 0."""

    name = "relu"

    def forward(self, z):
        return array_module(z).maximum(z, 0)

    def backward(self, z, a, g):
        return g * (z > 0)


class ELU(Activation):
    """σ(z) = z if z > 0 else e^z - 1;  σ'(z) = 1 if z > 0 else a + 1."""

    name = "elu"

    def forward(self, z):
        xp = array_module(z)
        # e^z - 1 of min(z, 0): no overflow for the large positive z that are thrown away anyway
        return xp.where(z > 0, z, xp.expm1(xp.minimum(z, 0)))

    def backward(self, z, a, g):
        return g * array_module(z).where(z > 0, 1.0, a + 1.0)


class Softplus(Activation):
    """σ(z) = ln(1 + e^z);  σ'(z) = 1 / (1 + e^-z), the sigmoid."""

    name = "softplus"

    def forward(self, z):
        return array_module(z).logaddexp(0, z)  # ln(e^0 + e^z), without overflow

    def backward(self, z, a, g):
        return g * SIGMOID.forward(z)


class Identity(Activation):
    """σ(z) = z;  σ'(z) = 1."""

    name = "identity"

    def forward(self, z):
        return z

    def backward(self, z, a, g):
        return g


class Softmax(Activation):
    """a_j = e^(z_j) / Σ_k e^(z_k), over the units of one sample (one row).

    Not element-wise: ∂a_j/∂z_i = a_j (δ_ij - a_i), so the backward step is the
    Jacobian product  ∂C/∂z = a ⊙ (g - Σ_k g_k a_k).
    """

    name = "softmax"

    def forward(self, z):
        # Subtracting each row's maximum changes nothing mathematically and keeps e^z finite.
        e = array_module(z).exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    # --8<-- [start:softmax_backward]
    def backward(self, z, a, g):
        return a * (g - (g * a).sum(axis=-1, keepdims=True))

    # --8<-- [end:softmax_backward]

    def derivative(self, z):
        raise ValueError("softmax has no element-wise derivative: use backward() with dC/da")


SIGMOID = Sigmoid()

ACTIVATIONS = {
    act.name: act for act in (SIGMOID, Tanh(), LecunTanh(), ReLU(), ELU(), Softplus(), Softmax(), Identity())
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
