"""Exercise 6: a numerical gradient check, checked against ``tinynet.gradcheck``."""

import numpy as np

from tinynet.gradcheck import gradcheck, numerical_gradient
from tinynet.teach.exercises.grading import NETWORKS, SIGN, Case, Live, Mistake, label, network

NUMBER, TITLE, LESSONS = 6, "a numerical gradient check", (7,)
SIGNATURES = {
    "numerical_gradient": "numerical_gradient(cost, params, eps) -> array",
    "relative_error": "relative_error(exact, numeric) -> float",
}
SHAPE_HINT = "params is a flat array of P numbers: the gradient has one entry per parameter, shape (P,)"

TEMPLATE = '''"""Exercise 6 (lesson 7, gradient checking): central differences and the relative error.

Check it with:  tinynet exercise 6 {file}

Put params back as it was, and leave exact and numeric as they are: the check compares
them after each call.
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

    with ‖v‖ = sqrt(Σ_i v_i²), the Euclidean norm of all the entries; 0.0 when both
    are all zeros (0/0: the two gradients agree). It is 0 for equal gradients and 1
    for gradients of opposite signs or with one of them all zeros.

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


def relative(exact, numeric):
    """The relative error of two gradients as ``tinynet.gradcheck.gradcheck`` computes it for each block."""
    denominator = np.linalg.norm(exact) + np.linalg.norm(numeric)
    return float(np.linalg.norm(exact - numeric) / denominator) if denominator else 0.0


ONE_NORM = "the denominator is the sum of both norms, ‖exact‖ + ‖numeric‖, not one of them alone"


def relative_error_mistakes(exact, numeric):
    """The usual mistakes in relative_error, each computed on this pair of gradients."""
    e, n = np.linalg.norm(exact), np.linalg.norm(numeric)
    diff = np.linalg.norm(exact - numeric)
    with np.errstate(divide="ignore", invalid="ignore"):
        return [
            Mistake("the error must be relative: divide ‖exact - numeric‖ by ‖exact‖ + ‖numeric‖", diff),
            Mistake(ONE_NORM, diff / e),
            Mistake(ONE_NORM, diff / n),
            Mistake(
                "the denominator is the sum of the norms, ‖exact‖ + ‖numeric‖, not the norm of the sum "
                "‖exact + numeric‖ (which is 0 when numeric = -exact)",
                diff / np.linalg.norm(exact + numeric),
            ),
            Mistake(
                "the denominator is ‖exact‖ + ‖numeric‖: twice one of the norms is the same only when both "
                "have the same size",
                diff / (2 * e),
            ),
            Mistake(
                "the denominator is ‖exact‖ + ‖numeric‖: twice one of the norms is the same only when both "
                "have the same size",
                diff / (2 * max(e, n)),
            ),
            Mistake(
                "the norms are square roots of sums of squares: ‖v‖ = sqrt(Σ_i v_i²)",
                diff**2 / (e**2 + n**2),
            ),
            Mistake(
                "one number for the whole gradient: the norms run over all the entries; "
                "your answer is the relative error of each entry",
                np.abs(exact - numeric) / (np.abs(exact) + np.abs(numeric)),
            ),
        ]


# pairs of gradients that really differ: relative_error must tell them apart (the right answer in brackets)
DIFFERENT = [
    ("the numeric gradient of the opposite sign (1)", lambda g: -g),
    ("the numeric gradient twice the exact one (1/3)", lambda g: 2 * g),
    ("the numeric gradient all zeros (1)", lambda g: np.zeros_like(g)),
]


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
                Mistake(
                    "your gradient is all zeros: cost() reads params, the array you were given, so change "
                    "params[i] in place (a copy of params, or params = params + ..., is not what cost() sees)",
                    test=lambda got, P=P: (
                        isinstance(got, np.ndarray) and got.dtype.kind == "f" and got.shape == (P,) and not got.any()
                    ),
                ),
            ]
            saved = Parameters(net, eps)

            def cost_now(net=net, x=x, y=y):  # the cost() the learner calls: C for the current parameters
                return net.cost_of(x, y)

            def before(net=net, saved=saved):
                net.params[...] = saved.saved  # the network as tinynet's numerical_gradient saw it

            out.append(
                Case(
                    f"sizes {sizes}, activations {'/'.join(acts)}, {cost} cost, a batch of m={m}, ε={eps:g}",
                    {"cost": cost_now, "params": Live(net.params), "eps": eps},
                    numeric,
                    mistakes,
                    function="numerical_gradient",
                    before=before,
                    after=saved.after,
                    after_hint="put each parameter back: params[i] = its old value, after computing "
                    "C(p + ε) and C(p - ε)",
                    rtol=1e-6,
                    atol=1e-9,
                )
            )
        # relative_error on gradcheck's own arrays: a rough ε (large errors) and a fine one (tiny errors)
        grad = net.gradient(x, y)  # backprop's ∂C/∂params, laid out like params, as gradcheck takes it
        for eps in (1e-2, 1e-5):
            errors = gradcheck(net, x, y, eps=eps).errors
            offset = 0
            for block, P in net.named_params():
                if block not in ("W1", f"b{len(sizes) - 1}"):
                    offset += P.size
                    continue
                exact = grad[offset : offset + P.size].copy()
                numeric = np.array([numerical_gradient(net, x, y, offset + i, eps) for i in range(P.size)])
                offset += P.size
                assert abs(relative(exact, numeric) - errors[block]) <= 1e-9 * errors[block]
                out.append(
                    Case(
                        f"block {block} of gradcheck(ε={eps:g}), {label(sizes, acts, cost, m)}",
                        {"exact": exact, "numeric": numeric},
                        errors[block],
                        relative_error_mistakes(exact, numeric),
                        function="relative_error",
                        rtol=1e-6,
                    )
                )
        if k in (0, 3):  # pairs that are far apart, on this network's gradient of W1
            exact = grad[: net.weights[0].size].copy()
            for what, make in DIFFERENT:
                numeric = make(exact)
                out.append(
                    Case(
                        f"block W1 of {label(sizes, acts, cost, m)}, {what}",
                        {"exact": exact, "numeric": numeric},
                        relative(exact, numeric),
                        relative_error_mistakes(exact, numeric),
                        function="relative_error",
                        rtol=1e-6,
                    )
                )
    zeros = np.zeros(6)
    out.append(
        Case(
            "both gradients all zeros, 6 entries (0: they agree)",
            {"exact": zeros, "numeric": zeros},
            relative(zeros, zeros),
            [
                Mistake(
                    "both gradients are all zeros here, so ‖exact‖ + ‖numeric‖ = 0 and your quotient is 0/0 = nan: "
                    "return 0.0 when the denominator is 0 (the gradients agree), as gradcheck does",
                    test=lambda got: bool(np.isnan(got)),
                )
            ],
            function="relative_error",
            rtol=1e-6,
        )
    )
    return out
