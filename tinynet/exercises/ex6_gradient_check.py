"""Exercise 6: a numerical gradient check, checked against ``tinynet.gradcheck``."""

import numpy as np

from ..gradcheck import gradcheck, numerical_gradient
from .grading import NETWORKS, SIGN, Case, Mistake, label, network

NUMBER, TITLE, LESSON = 6, "a numerical gradient check", 7
SIGNATURES = {
    "numerical_gradient": "numerical_gradient(cost, params, eps) -> array",
    "relative_error": "relative_error(exact, numeric) -> float",
}
SHAPE_HINT = "params is a flat array of P numbers: the gradient has one entry per parameter, shape (P,)"

TEMPLATE = '''"""Exercise 6 (lesson 7, gradient checking): central differences and the relative error.

Check it with:  tinynet exercise 6 {file}
"""

import numpy as np


def numerical_gradient(cost, params, eps):
    """∂C/∂p for every parameter p, by central differences.

        ∂C/∂p_i ≈ (C(p_i + ε) - C(p_i - ε)) / (2ε)

    (the other parameters unchanged), with an error of order ε².

    Args:
        cost: a function of no arguments: cost() returns C (a number) for the current
            values in params.
        params: the parameters, a flat float64 array of P numbers. Change params[i] in
            place, call cost(), and put params[i] back to its value before going on.
        eps: ε, a small positive number.

    Returns:
        an array of shape (P,): the i-th entry approximates ∂C/∂params[i].
        params holds its original values again when the function returns.
    """
    raise NotImplementedError


def relative_error(exact, numeric):
    """How far two gradients are apart, relative to their size:

        ‖exact - numeric‖ / (‖exact‖ + ‖numeric‖)

    with ‖v‖ = sqrt(Σ_i v_i²), the Euclidean norm of all the entries.

    Args:
        exact: the gradient backprop computed, an array of P numbers.
        numeric: the gradient by central differences, the same shape.

    Returns:
        a number (a float).
    """
    raise NotImplementedError
'''


def name(path):
    return "the return value"


class Parameters:
    """The parameters of ``net`` as they were: ``after()`` says which one the learner's call left changed."""

    def __init__(self, net, eps):
        self.net, self.saved, self.eps = net, net.params.copy(), eps

    def after(self):
        params = self.net.params
        moved = np.flatnonzero(np.abs(params - self.saved) > self.eps / 100)
        message = None
        if len(moved):
            i = moved[0]
            message = (
                f"params[{i}] was {self.saved[i]:.10g} before your numerical_gradient and "
                f"{params[i]:.10g} after it ({len(moved)} of {params.size} parameters changed)"
            )
        params[...] = self.saved  # the next case starts from the network as it was
        return message


def cases():
    out = []
    for k, (sizes, acts, cost, m) in enumerate(NETWORKS[:4]):
        net, x, y = network(k, sizes, acts, cost, m)
        for eps in (1e-3, 1e-4) if k < 2 else (1e-3,):
            P = net.params.size
            numeric = np.array([numerical_gradient(net, x, y, i, eps) for i in range(P)])
            C = net.cost_of(x, y)
            forward = []  # (C(p + ε) - C(p)) / ε: a one-sided difference
            for i in range(P):
                old = net.params[i]
                net.params[i] = old + eps
                forward.append((net.cost_of(x, y) - C) / eps)
                net.params[i] = old
            mistakes = [
                Mistake(
                    "off by a factor 2: central differences divide by 2ε, the distance between p - ε and p + ε",
                    2 * numeric,
                ),
                Mistake(
                    "a one-sided difference (C(p + ε) - C(p)) / ε; the central one, "
                    "(C(p + ε) - C(p - ε)) / (2ε), is exact to order ε²",
                    np.array(forward),
                ),
                Mistake(SIGN + ": C(p + ε) - C(p - ε), the upper cost first", -numeric),
            ]
            saved = Parameters(net, eps)

            def call(f, net=net, x=x, y=y, eps=eps, saved=saved):
                net.params[...] = saved.saved  # the network as tinynet's numerical_gradient saw it

                def cost_now():  # the cost() the learner calls: C for the current parameters
                    return net.cost_of(x, y)

                return f["numerical_gradient"](cost_now, net.params, eps)

            out.append(
                Case(
                    f"numerical_gradient, {label(sizes, acts, cost, m)}, ε={eps:g}",
                    call,
                    numeric,
                    mistakes,
                    after=saved.after,
                    after_hint="put each parameter back: params[i] = its old value, after computing "
                    "C(p + ε) and C(p - ε)",
                    rtol=1e-6,
                    atol=1e-9,
                )
            )
        # relative_error on gradcheck's own arrays: a rough ε (large errors) and a fine one (tiny errors)
        ws = net.workspace(m)
        net.backprop(x, y, ws=ws)
        for eps in (1e-2, 1e-5):
            errors = gradcheck(net, x, y, eps=eps).errors
            offset = 0
            for block, P in net.named_params():
                if block not in ("W1", f"b{len(sizes) - 1}"):
                    offset += P.size
                    continue
                exact = ws.grad[offset : offset + P.size].copy()
                numeric = np.array([numerical_gradient(net, x, y, offset + i, eps) for i in range(P.size)])
                offset += P.size
                diff = np.linalg.norm(exact - numeric)
                mistakes = [
                    Mistake("the error must be relative: divide ‖exact - numeric‖ by ‖exact‖ + ‖numeric‖", diff),
                    Mistake(
                        "the denominator is the sum of both norms, ‖exact‖ + ‖numeric‖", diff / np.linalg.norm(exact)
                    ),
                    Mistake(
                        "the denominator is the sum of both norms, ‖exact‖ + ‖numeric‖", diff / np.linalg.norm(numeric)
                    ),
                    Mistake(
                        "the norms are square roots of sums of squares: ‖v‖ = sqrt(Σ_i v_i²)",
                        diff**2 / (np.linalg.norm(exact) ** 2 + np.linalg.norm(numeric) ** 2),
                    ),
                ]

                def call(f, exact=exact, numeric=numeric):
                    return f["relative_error"](exact.copy(), numeric.copy())

                out.append(
                    Case(
                        f"relative_error of block {block} of gradcheck(ε={eps:g}), {label(sizes, acts, cost, m)}",
                        call,
                        errors[block],
                        mistakes,
                        rtol=1e-6,
                    )
                )
    return out
