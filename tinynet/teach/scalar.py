"""Automatic differentiation of single numbers, for teaching: a ``Value`` and its gradient.

A [`Value`][tinynet.teach.scalar.Value] holds one number, ``data``, and after ``backward`` its
gradient ``grad``: how much the final result C moves per unit move of this number, ∂C/∂(it).
Each operation makes a new Value that remembers its inputs and the local derivative of its
result with respect to each one: the edges of a graph, ``(input, ∂out/∂input)``.
``backward`` applies the chain rule from the end: every node, once all the nodes that use it
are done, adds ``grad × local derivative`` to each of its inputs. A node used by several
others receives one term per use, and the terms add up.

A plain Python number in an operation is a constant: it makes no node and gets no gradient.

Lesson 19 builds the [2, 3, 2] network of lessons 2-6 out of Values (see
[`tinynet.teach.scalargraph`][tinynet.teach.scalargraph]) and checks every gradient against
``network.trace``. Nothing else in tinynet uses this module: the networks are written with matrices.
"""

import itertools
import math
from collections import deque

_serial = itertools.count()  # every Value gets the next number: the order they were made in


def _number(v):
    return v.data if isinstance(v, Value) else float(v)


def _edge(v, local):
    """The edge to ``v`` with its local derivative, or none when ``v`` is a constant."""
    return [(v, local)] if isinstance(v, Value) else []


def _op(symbol, other):
    return symbol if isinstance(other, Value) else f"{symbol} {other:g}"


class Value:
    """One number of a computation, and ``grad`` = ∂C/∂(it) once ``backward`` has run.

    ``inputs`` lists ``(Value, local derivative)`` pairs: what the number was computed from,
    and how much it moves per unit move of each. ``op`` names the operation, ``label`` the
    number ("z²₀"); ``serial`` counts the Values in the order they were made.
    """

    def __init__(self, data, inputs=(), op="", label=""):
        self.data = float(data)
        self.grad = 0.0
        self.inputs = tuple(inputs)
        self.op, self.label = op, label
        self.serial = next(_serial)

    def __repr__(self):
        return f"Value({self.label or self.op} = {self.data:.6g}, grad = {self.grad:.6g})"

    def __add__(self, other):  # u + v:   ∂/∂u = 1,  ∂/∂v = 1
        return Value(self.data + _number(other), [(self, 1.0)] + _edge(other, 1.0), _op("+", other))

    __radd__ = __add__

    def __sub__(self, other):  # u - v:   ∂/∂u = 1,  ∂/∂v = -1
        return Value(self.data - _number(other), [(self, 1.0)] + _edge(other, -1.0), _op("−", other))

    def __rsub__(self, other):  # c - u:   ∂/∂u = -1
        return Value(other - self.data, [(self, -1.0)], f"{other:g} −")

    def __neg__(self):  # -u:   ∂/∂u = -1
        return Value(-self.data, [(self, -1.0)], "−")

    def __mul__(self, other):  # u v:   ∂/∂u = v,  ∂/∂v = u
        v = _number(other)
        return Value(self.data * v, [(self, v)] + _edge(other, self.data), _op("×", other))

    __rmul__ = __mul__

    def __truediv__(self, other):  # u / v:   ∂/∂u = 1/v,  ∂/∂v = -u/v²
        v = _number(other)
        return Value(self.data / v, [(self, 1 / v)] + _edge(other, -self.data / v**2), _op("/", other))

    def __rtruediv__(self, other):  # c / u:   ∂/∂u = -c/u²
        return Value(other / self.data, [(self, -other / self.data**2)], f"{other:g} /")

    def __pow__(self, n):  # u^n (n a constant):   ∂/∂u = n u^(n-1)
        return Value(self.data**n, [(self, n * self.data ** (n - 1))], f"^{n:g}")

    def exp(self):  # e^u:   ∂/∂u = e^u
        out = math.exp(self.data)
        return Value(out, [(self, out)], "exp")

    def log(self):  # ln u:   ∂/∂u = 1/u
        return Value(math.log(self.data), [(self, 1 / self.data)], "log")

    def tanh(self):  # tanh u:   ∂/∂u = 1 - tanh² u
        out = math.tanh(self.data)
        return Value(out, [(self, 1 - out * out)], "tanh")

    def sigmoid(self):  # σ(u) = 1 / (1 + e^-u):   ∂/∂u = σ(u) (1 - σ(u))
        out = 1 / (1 + math.exp(-self.data))
        return Value(out, [(self, out * (1 - out))], "σ")

    # --8<-- [start:backward]
    def propagate(self):
        """One step of the chain rule: each input gets ``grad × ∂self/∂input`` ADDED to its gradient."""
        for node, local in self.inputs:
            node.grad += self.grad * local

    def backward(self, order=None):
        """Fill in ∂self/∂v in every Value v that ``self`` was computed from.

        ``self.grad`` is set to 1 (∂self/∂self), then every node of ``order`` propagates. The
        default order, [`backward_order`][tinynet.teach.scalar.backward_order], is the right one;
        lesson 19 measures what others give. Gradients are ADDED to what the Values hold:
        [`zero_grad`][tinynet.teach.scalar.zero_grad] first, unless adding is what is wanted.
        """
        self.grad = 1.0
        for node in backward_order(self) if order is None else order:
            node.propagate()

    # --8<-- [end:backward]


def total(values):
    """Σ u_i as one node:   ∂/∂u_i = 1 for every i."""
    values = list(values)
    return Value(sum(_number(v) for v in values), [e for v in values for e in _edge(v, 1.0)], "Σ")


def graph(root):
    """Every Value ``root`` was computed from, ``root`` included, in the order they were made."""
    seen, todo = {root}, [root]
    while todo:
        for node, _ in todo.pop().inputs:
            if node not in seen:
                seen.add(node)
                todo.append(node)
    return sorted(seen, key=lambda v: v.serial)


# --8<-- [start:backward_order]
def backward_order(root):
    """The nodes in reverse topological order: each one after every node that uses it.

    A node is ready when all its users are done (each use is one edge); ``root`` has none.
    Then its gradient is complete, and it can pass it on.
    """
    users = {node: 0 for node in graph(root)}
    for node in users:
        for parent, _ in node.inputs:
            users[parent] += 1
    order, ready = [], deque([root])
    while ready:
        node = ready.popleft()
        order.append(node)
        for parent, _ in node.inputs:
            users[parent] -= 1
            if users[parent] == 0:
                ready.append(parent)
    return order


# --8<-- [end:backward_order]


def zero_grad(values):
    """Set every gradient to 0 (before a new backward pass whose gradients must not add to the old)."""
    for v in values:
        v.grad = 0.0
