"""What every test of the step-through's data holds it to, whatever the network: each number is a fresh
trace's, says where it comes from, and its code lines are tinynet's own.

``fresh`` reads what a part's ``source`` names from a fresh ``net.trace``, and computes what a trace does not
keep (a pool's mask, ∂C/∂Y of a stable network, a regularisation's share) by the tests' own arithmetic, not
by the code under test. Imported by tests/teach/test_stepthrough_*.py and tests/docs/test_*stepthrough.py.
"""

import numpy as np
import pytest
from conftest import ROOT


def check_fresh(net, x, y, data):
    """Every number of ``data`` (a step-through of ``net`` on (x, y)) equals ``fresh``'s; returns their count."""
    assert data["C"] == pytest.approx(net.trace(x, y).C, rel=1e-12)
    count = 0
    for s in data["steps"]:
        for p in s["parts"]:
            np.testing.assert_allclose(
                np.reshape(p["values"], p["shape"]),
                squeeze(fresh(net, x, y, p["source"]), p),
                rtol=1e-10,
                atol=1e-12,
                err_msg=f"{data['name']} {s['id']} {p['name']}",
            )
            count += len(p["values"])
    return count


def check_code_lines(data):
    """Every code line a step shows is the line of tinynet's source it names, as it stands there."""
    for s in data["steps"]:
        assert s["code"], s["id"]
        for line in s["code"]:
            source = (ROOT / line["file"]).read_text(encoding="utf-8").splitlines()
            assert source[line["line"] - 1].strip() == line["text"], (s["id"], line)


def fresh(net, x, y, source):
    """The value ``source`` names, from a fresh ``net.trace`` (and the test's own arithmetic where a trace has none)."""
    t = net.trace(x, y)
    q = source["q"]
    if q == "x":
        return t.x[0]
    if q == "y":
        return t.y[0]
    if q == "C":
        return t.C
    layer = t[source["l"]] if q in ("z", "a", "delta", "grad", "param") else None
    if q in ("z", "a", "delta"):  # a pair's entry k (a Hamiltonian's or leapfrog's state), then the sample
        value = getattr(layer, q)
        return (value[source["k"]] if "k" in source else value)[0]
    if q == "grad":
        return layer.grads[source["key"]]
    if q == "param":
        return layer.params[source["key"]]
    if q == "mask":  # 1 at the first maximum of each pooling block of a^(l-1)
        l, s = source["l"], net.layers[source["l"] - 1].size
        a = t[l - 1].a[0] if l > 1 else t.x[0].reshape(net.input_shape)
        mask = np.zeros_like(a)
        for c, i, j in np.ndindex(a.shape[0], a.shape[1] // s, a.shape[2] // s):
            block = a[c, s * i : s * i + s, s * j : s * j + s]
            u, v = np.unravel_index(np.argmax(block), block.shape)
            mask[c, s * i + u, s * j + v] = 1
        return mask
    if q == "pool_back":  # each block's delta at its arg-max
        mask = fresh(net, x, y, {"q": "mask", "l": source["l"]})
        delta, s = t[source["l"]].delta[0], net.layers[source["l"] - 1].size
        up = np.zeros_like(mask)
        up[:, : delta.shape[1] * s, : delta.shape[2] * s] = delta.repeat(s, axis=1).repeat(s, axis=2)
        return up * mask
    if q == "back":  # ∂C/∂a^(l-1) from a dense layer l (W^T delta) or a convolution (each K[f] times delta, added back)
        layer, delta = t[source["l"]], t[source["l"]].delta[0]
        if "W" in layer.params:
            return layer.params["W"].T @ delta
        K = layer.params["K"]
        k = K.shape[-1]
        g = np.zeros((K.shape[1], delta.shape[1] + k - 1, delta.shape[2] + k - 1))
        for f, i, j in np.ndindex(delta.shape):
            g[:, i : i + k, j : j + k] += K[f] * delta[f, i, j]
        return g
    off = 1 if getattr(net, "opening", False) else 0  # a stable network's opening layer is layer 1
    if q == "Y0":  # x padded with zeros to the width n
        return np.concatenate([t.x[0], np.zeros(net.n - net.inputs)])
    if q == "M":  # the matrix of step j: K_j, or antisymmetric ½(K_j - K_j^T - γI)
        K = t[source["l"]].params["K"]
        return 0.5 * (K - K.T - net.gamma * np.eye(len(K))) if net.kind == "antisymmetric" else K

    if q in ("dY", "dZ"):  # ∂C/∂Y_j (and a Hamiltonian's ∂C/∂Z_(j+½)), from the classifier's W^T delta back
        return stable_errors(net, t, off)[q][source["l"]]
    R = stable_regularisation(net, t, off) if q in ("R", "gradR", "gradE") else None
    if q == "R":
        return R["R"]
    if q == "E":  # the cross-entropy alone: C = E + R
        return -float(t.y[0] @ np.log(t[off + net.N + 1].a[0]))
    if q == "gradR":
        return R[source["key"]][source["l"]]
    if q == "gradE":  # the trace's gradient less the regularisation's share
        return t[source["l"]].grads[source["key"]] - R[source["key"]][source["l"]]
    raise AssertionError(f"unknown source {source}")


def stable_errors(net, t, off):
    """∂C/∂Y_j for j = 0..N (and a Hamiltonian's ∂C/∂Z_(j+½), j = 0..N-1), by the test's own recurrences from a
    trace's deltas and parameters: {"dY": {j: ...}, "dZ": {j: ...}}."""
    N, L = net.N, off + net.N + 1
    dY = {N: t[L].params["W"].T @ t[L].delta[0]}
    dZ, G_Z = {}, np.zeros(net.n)
    for j in range(N - 1, -1, -1):
        layer = t[off + j + 1]
        K = layer.params["K"]
        if net.kind == "hamiltonian":  # ∂C/∂Z_(j+½) = ∂C/∂Z_(j+3/2) + K^T delta_Y;  ∂C/∂Y_j = ∂C/∂Y_(j+1) + K delta_Z
            dZ[j] = G_Z = G_Z + K.T @ layer.delta[1][0]
            dY[j] = dY[j + 1] + K @ layer.delta[0][0]
        elif net.kind == "leapfrog":  # ∂C/∂Y_j = 2 ∂C/∂Y_(j+1) - ∂C/∂Y_(j+2) + K^T delta (Y_0 is also Y_(-1))
            later = dY[j + 2] if j + 2 <= N else 0
            dY[j] = (1 if j == 0 else 2) * dY[j + 1] - later + K.T @ layer.delta[0]
        else:  # ∂C/∂Y_(j+1) + M_j^T delta_j
            M = 0.5 * (K - K.T - net.gamma * np.eye(len(K))) if net.kind == "antisymmetric" else K
            dY[j] = dY[j + 1] + M.T @ layer.delta[0]
    return {"dY": dY, "dZ": dZ}


def stable_regularisation(net, t, off):
    """R and ∂R/∂K_j, ∂R/∂b_j, ∂R/∂W by the test's own arithmetic on a trace's parameters ({key: {layer: ...}})."""
    N, L = net.N, off + net.N + 1
    Ks = [t[off + j + 1].params["K"] for j in range(N)]
    bs = [t[off + j + 1].params["b"] for j in range(N)]
    W = t[L].params["W"]
    smooth = sum(((Ks[j + 1] - Ks[j]) ** 2).sum() + ((bs[j + 1] - bs[j]) ** 2).sum() for j in range(N - 1))
    out = {"R": net.alpha_f / (2 * net.h) * smooth + net.alpha_c / 2 * (W**2).sum(), "W": {L: net.alpha_c * W}}
    for key, theta in (("K", Ks), ("b", bs)):
        out[key] = {}
        for j in range(N):
            before = theta[j] - theta[j - 1] if j > 0 else 0
            after = theta[j + 1] - theta[j] if j < N - 1 else 0
            out[key][off + j + 1] = net.alpha_f / net.h * (before - after)
    return out


def squeeze(value, part):
    """The fresh value in the part's shape (a ConvNet's K^1 of one channel is shown as (F, k, k))."""
    return np.asarray(value, float).reshape(part["shape"])


def check_why(data):
    """Every number of a step-through's data says where it comes from, and says it truly (a failing assert
    names the step, the part and the entry):

    - every part has a ``why`` whose code lines are the step's (a given number, such as a weight, may have none);
    - every operand it names exists (a step, one of its parts, an entry of it) and comes from that step or
      an earlier one;
    - a written-out equation ends with the entry's own value, as the page shows it, and shows each
      operand's value;
    - a rule's operands have the entry's shape (``same``) or the rows and columns of it (``outer``).

    Returns the number of entries checked.
    """
    from tinynet.teach.stepthrough.format import fmt

    order = {s["id"]: i for i, s in enumerate(data["steps"])}
    checked = 0
    for i, st in enumerate(data["steps"]):
        for pi, p in enumerate(st["parts"]):
            where = f"{data['name']}: step {st['id']}, part {pi} ({p['name']})"
            assert "why" in p, f"{where}: no why"
            w = p["why"]
            assert w["code"] or w["rule"] == "given", f"{where}: no code line"
            assert all(0 <= c < len(st["code"]) for c in w["code"]), where

            def operand(ref, k=None, i=i, where=where):
                sid, opi = ref[0], ref[1]
                assert sid in order and order[sid] <= i, f"{where}: operand from step {sid!r}, not before it"
                op = data["steps"][order[sid]]["parts"][opi]
                if k is not None:
                    assert 0 <= k < len(op["values"]), f"{where}: operand {ref} out of range"
                    return op["values"][k]
                return op

            n = len(p["values"])
            if w["rule"] == "each":
                assert len(w["entries"]) == n, f"{where}: {len(w['entries'])} equations for {n} numbers"
                for k, (html, refs) in enumerate(w["entries"]):
                    assert html.rstrip().endswith(fmt(p["values"][k])) or f"= {fmt(p['values'][k])}" in html, (
                        f"{where}, entry {k}: the equation does not end in its value {fmt(p['values'][k])}: {html}"
                    )
                    for ref in refs:
                        v = operand(ref, ref[2])
                        assert fmt(v) in html, f"{where}, entry {k}: operand {ref} = {fmt(v)} not shown in {html}"
                    checked += 1
            elif w["rule"] == "same":
                for ref in w["ops"]:
                    assert len(operand(ref)["values"]) == n, f"{where}: operand {ref} has another size"
                checked += n
            elif w["rule"] == "outer":
                rows, cols = p["shape"][-2], p["shape"][-1]
                assert rows * cols == n, where
                assert len(operand(w["ops"][0])["values"]) == rows, f"{where}: first factor is not a column"
                assert len(operand(w["ops"][1])["values"]) == cols, f"{where}: second factor is not a row"
                checked += n
            else:
                assert w["rule"] == "given", f"{where}: unknown rule {w['rule']}"
                checked += n
            if w["rule"] != "each":
                assert "{=}" in w["eq"] or w["rule"] == "given", f"{where}: the equation does not show its value"
    return checked
