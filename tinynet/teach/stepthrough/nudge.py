"""The data of "nudge a weight": the cost against one parameter moved by Δw, and the slope backprop gives."""

import numpy as np


def nudge_data(net, x, y, deltas=None):
    """For every weight and bias: C(w + Δw) on a grid of Δw (``cost_of``), and ∂C/∂w (``trace``)."""
    deltas = np.round(np.linspace(-2, 2, 41), 10) if deltas is None else np.asarray(deltas, float)
    t = net.trace(x, y)
    params = []
    for l, layer in enumerate(t.layers, start=1):
        for key, grad in (("W", layer.nabla_w), ("b", layer.nabla_b)):
            for index in np.ndindex(grad.shape):
                sub = "".join(str(i) for i in index)  # units counted from 0, as the arrays index them
                code_name = f"{'weights' if key == 'W' else 'biases'}[{l - 1}][{', '.join(map(str, index))}]"
                costs = []
                for d in deltas:
                    moved = net.copy()
                    block = moved.weights[l - 1] if key == "W" else moved.biases[l - 1]
                    block[index] += d
                    costs.append(float(moved.cost_of(x, y)))
                g = float(grad[index])
                params.append(
                    {
                        "id": f"{key}{l}_{sub}",
                        "tex": rf"{key.lower()}^{{{l}}}_{{{sub}}}",
                        "label": f"{key.lower()}{l}_{sub} ({code_name})",
                        "l": l,
                        "key": key,
                        "index": list(index),
                        "value": float(layer.params[key][index]),
                        "grad": g,
                        "costs": costs,
                        # for display only: C(w + Δw) - C(w), and what the slope predicts, ∂C/∂w · Δw
                        "measured": [c - float(t.C) for c in costs],
                        "predicted": [g * float(d) for d in deltas],
                        "tangent": [
                            [float(deltas[0]), float(t.C) + g * float(deltas[0])],
                            [float(deltas[-1]), float(t.C) + g * float(deltas[-1])],
                        ],
                    }
                )
    return {"C": float(t.C), "deltas": [float(d) for d in deltas], "params": params}
