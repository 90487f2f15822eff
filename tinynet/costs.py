"""Cost functions C(a^L, y) and the output error delta^L they start backprop with.

``value`` is the cost summed over the batch (rows of ``z``, ``a``, ``y``).
``delta`` is the output error  delta^L = ∂C/∂z^L = ∇_a C ⊙ σ'(z^L).
"""

from tinynet.arrays import array_module


class Quadratic:
    """C = ½ Σ_x ‖a^L - y‖²;  ∇_a C = a^L - y,  so  delta^L = (a^L - y) ⊙ σ'(z^L).

    The σ'(z^L) factor is why a saturated sigmoid output learns slowly with
    this cost: σ' is near 0 exactly when the output is most wrong.
    """

    name = "quadratic"

    def check(self, activation):
        """Any output activation works with the quadratic cost."""

    # --8<-- [start:quadratic]
    def value(self, z, a, y, activation):
        return 0.5 * float(((a - y) ** 2).sum())

    def delta(self, z, a, y, activation):
        return activation.backward(z, a, a - y)  # (a^L - y) ⊙ σ'(z^L)

    # --8<-- [end:quadratic]


class CrossEntropy:
    """Cross-entropy, for a softmax or a sigmoid output layer.

    softmax:  C = -Σ_x Σ_j y_j ln a_j
    sigmoid:  C = -Σ_x Σ_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)]

    In both cases the output error simplifies to  delta^L = a^L - y. For a
    sigmoid output, ∂C/∂a_j = (a_j - y_j) / (a_j (1 - a_j)) and σ'(z_j) = a_j (1 - a_j)
    cancel in delta^L = ∇_a C ⊙ σ'(z^L). Softmax is not element-wise (every a_j
    depends on every z_k), so there delta^L = J ᵀ ∇_a C with the Jacobian
    J_jk = ∂a_j/∂z_k = a_j (δ_jk - a_k), and with Σ_j y_j = 1 that product is
    a^L - y as well. Either way no σ' factor is left, so a confidently wrong
    output still learns fast.
    """

    name = "cross_entropy"

    def check(self, activation):
        if activation.name not in ("softmax", "sigmoid"):
            raise ValueError(f"cost: cross_entropy needs a softmax or sigmoid output layer, got {activation.name!r}")

    def value(self, z, a, y, activation):
        xp = array_module(z)
        # ln a is computed from z, not from a, so that it stays finite when a
        # rounds to 0 or 1.
        if activation.name == "softmax":
            shifted = z - z.max(axis=-1, keepdims=True)  # as in softmax: e^z stays finite
            log_a = shifted - xp.log(xp.exp(shifted).sum(axis=-1, keepdims=True))
            return -float((y * log_a).sum())
        # sigmoid: -ln a = softplus(-z), -ln(1 - a) = softplus(z)
        return float((y * xp.logaddexp(0, -z) + (1 - y) * xp.logaddexp(0, z)).sum())

    # --8<-- [start:cross_entropy_delta]
    def delta(self, z, a, y, activation):
        return a - y

    # --8<-- [end:cross_entropy_delta]


COSTS = {cost.name: cost for cost in (Quadratic(), CrossEntropy())}


def get_cost(name):
    """The cost called ``name`` (a cost object passes through)."""
    if hasattr(name, "delta") and hasattr(name, "value") and hasattr(name, "check"):
        return name
    try:
        return COSTS[name]
    except (KeyError, TypeError):
        raise ValueError(f"cost: unknown cost {name!r}; expected one of {', '.join(COSTS)}") from None
