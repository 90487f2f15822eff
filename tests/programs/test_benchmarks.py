"""The benchmarks' loops compute what tinynet computes (else their timings would compare unlike work)."""

import sys

import numpy as np
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import epoch_speed  # noqa: E402

N = 1000  # samples: enough batches for the weights to move, few enough to stay quick


@pytest.mark.parametrize("sizes, dtype, m", epoch_speed.CASES)
def test_the_plain_numpy_step_takes_the_same_steps_as_tinynets_step(sizes, dtype, m):
    X, Y = epoch_speed.data(N, sizes, dtype)
    epoch_batches = epoch_speed.batches(X, Y, m)
    assert len(epoch_batches) == N // m and all(len(x) == m for x, _ in epoch_batches)
    net, start = epoch_speed.network(sizes, dtype), epoch_speed.network(sizes, dtype)
    weights, biases = [W.copy() for W in start.weights], [b.copy() for b in start.biases]
    epoch_speed.step_epoch(net, epoch_batches)
    epoch_speed.plain_epoch(weights, biases, epoch_batches)
    assert np.abs(net.params - start.params).max() > 1e-3  # the epoch moved the weights
    atol = 1e-12 if dtype == "float64" else 1e-5
    for W, b, W_net, b_net in zip(weights, biases, net.weights, net.biases):
        assert W.dtype == W_net.dtype == np.dtype(dtype)
        np.testing.assert_allclose(W, W_net, rtol=0, atol=atol)
        np.testing.assert_allclose(b, b_net, rtol=0, atol=atol)


def test_a_train_epoch_takes_one_step_per_batch_of_the_epoch():
    sizes, dtype, m = epoch_speed.CASES[0]
    X, Y = epoch_speed.data(N, sizes, dtype)
    net, start = epoch_speed.network(sizes, dtype), epoch_speed.network(sizes, dtype)
    history = epoch_speed.train_epoch(net, X, Y, m)
    assert history.batches == N // m  # never stopped early
    assert history.stop_reason == f"reached max_batches={N // m}"
    assert np.abs(net.params - start.params).max() > 1e-3


def test_the_torch_loop_takes_the_same_steps_as_tinynets_step():
    torch = pytest.importorskip("torch")
    sizes, dtype, m = [784, 20, 10], "float64", 50
    X, Y = epoch_speed.data(N, sizes, dtype)
    epoch_batches = epoch_speed.batches(X, Y, m)
    net, model = epoch_speed.network(sizes, dtype), epoch_speed.torch_model(sizes, dtype)
    linears = [layer for layer in model if isinstance(layer, torch.nn.Linear)]
    with torch.no_grad():
        for layer, W, b in zip(linears, net.weights, net.biases):
            layer.weight.copy_(torch.from_numpy(W))
            layer.bias.copy_(torch.from_numpy(b))
    epoch_speed.step_epoch(net, epoch_batches)
    epoch_speed.torch_loop(model, epoch_batches)(0, len(epoch_batches))
    for layer, W, b in zip(linears, net.weights, net.biases):
        np.testing.assert_allclose(layer.weight.detach().numpy(), W, rtol=0, atol=1e-10)
        np.testing.assert_allclose(layer.bias.detach().numpy(), b, rtol=0, atol=1e-10)


def test_a_round_runs_every_loop_over_every_batch_once_taking_turns_in_a_rotating_order():
    calls = []
    loops = {name: (lambda i, j, name=name: calls.append((name, i, j))) for name in "abc"}
    n_batches = 25  # chunks of 3 batches: the last chunk is shorter
    seconds = epoch_speed.time_round(loops, n_batches, r=1)
    assert set(seconds) == set("abc") and all(t >= 0 for t in seconds.values())
    for name in "abc":
        covered = [k for loop, i, j in calls if loop == name for k in range(i, j)]
        assert covered == list(range(n_batches))
    assert [loop for loop, _, _ in calls[:6]] == list("bcacab")  # round 1 starts with b, the next chunk with c


def test_a_case_times_each_loop_and_train_once_per_round():
    counts = {"step": 0, "train": 0}

    def loop(i, j):
        counts["step"] += j - i

    def train():
        counts["train"] += 1

    medians = epoch_speed.time_case({"step": loop}, 20, train, repeats=3)
    assert counts == {"step": 60, "train": 3} and set(medians) == {"step", "train"}
