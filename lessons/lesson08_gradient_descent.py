"""Gradient descent: one step, then mini-batches and the Trainer's early stopping.

A step moves every parameter against its gradient: W → W - (η/m) ∂C/∂W. For
small η the cost must drop. The Trainer repeats that on random batches and
decides when to stop by watching the cost on a fixed cost-estimation batch.
"""

import numpy as np

from tinynet import NeuralNetwork, Trainer, step
from tinynet.teach.lessonkit import Lesson, pyplot


def data(n, seed):
    """Points in the unit square; the class is which side of the circle r = 0.4 around (0.5, 0.5)."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, 2))
    return X, (np.linalg.norm(X - 0.5, axis=1) < 0.4).astype(int)


def main(argv=None):
    lesson = Lesson(8, "gradient descent and early stopping", argv)
    X, labels = data(400, 0)
    Y = np.eye(2)[labels]
    area = np.pi * 0.4**2
    print(f"{len(X)} points; {labels.mean():.1%} of them inside the circle r = 0.4 (its area: π 0.4² = {area:.1%})")
    lesson.check(
        "the data's circle has r = 0.4: it holds about π 0.4² of the square", abs(labels.mean() - np.pi * 0.16) < 0.05
    )

    lesson.stage("One step of gradient descent")
    print("The gradient points where C rises fastest. Moving every parameter p by Δp changes C by about")
    print("ΔC ≈ Σ_p ∂C/∂p Δp. Choosing Δp = -(η/m) ∂C/∂p makes that ΔC ≈ -(η/m) ‖∇C‖² ≤ 0: for a small")
    print("enough η the cost must drop. With C summed over the m samples, (η/m) ∇C is η times the mean gradient.")
    net = NeuralNetwork([2, 8, 2], ["tanh", "softmax"], "cross_entropy", seed=0)
    m = len(X)
    start = net.copy()
    before_params = net.params.copy()
    before = net.cost_of(X, Y) / m
    grad = net.backprop(X, Y)  # (nabla_w, nabla_b): summed over the m samples
    flat = np.concatenate([g.ravel() for pair in zip(*grad) for g in pair])  # in the order of params
    eta = 0.5
    lesson.compute(f"C / m before the step (m = {m})", f"{before:.6f}")
    lesson.compute("‖∇C‖ = ‖∂C/∂params‖ (backprop, summed over the batch)", f"{np.linalg.norm(flat):.6f}")
    step(net, X, Y, learning_step=eta)  # backprop, then params -= (η/m) ∂C/∂params
    lesson.compute(
        f"W^1 → W^1 - (η/m) ∂C/∂W^1  (step, η = {eta}): the change of W^1", net.weights[0] - start.weights[0]
    )
    lesson.check("step moved every parameter by -(η/m) ∂C/∂p", np.allclose(net.params - before_params, -eta / m * flat))
    after = net.cost_of(X, Y) / m
    lesson.compute("C / m after the step", f"{after:.6f}")
    lesson.check("a small step against the gradient lowers the cost", after < before)
    print("How good is ΔC ≈ -(η/m) ‖∇C‖²? It is a first-order estimate: close for small η, and")
    print("further off as η grows and the cost's curvature starts to count.")
    for small in (0.5, 0.05, 0.005):
        probe = start.copy()
        step(probe, X, Y, learning_step=small)
        predicted = -(small / m) * float(flat @ flat) / m
        measured = probe.cost_of(X, Y) / m - before
        lesson.compute(
            f"η = {small}: ΔC / m predicted = -(η/m) ‖∇C‖² / m", f"{predicted:.3e}   measured: {measured:.3e}"
        )
        if small == 0.005:
            lesson.check(
                "for a small η the first-order prediction is within 1% of the measured drop",
                abs(measured - predicted) < 0.01 * abs(predicted),
            )
    print("So the batch's cost drops only for a small enough η. Past the point where the curvature wins,")
    print("a step overshoots the valley and the cost of the very batch it was computed on rises:")
    rises = {}
    for big in (5.0, 50.0):
        probe = start.copy()
        step(probe, X, Y, learning_step=big)
        rises[big] = probe.cost_of(X, Y) / m - before
        lesson.compute(f"η = {big}: measured ΔC / m on the same batch", f"{rises[big]:+.3e}")
    lesson.check("with η = 50 one step raises the cost of the batch it was computed on", rises[50.0] > 0)

    lesson.stage("The algorithm with a mini-batch")
    print("Training repeats, for a batch of m samples picked at random:")
    print("  1. For each sample x of the batch (all at once: one sample per row):")
    print("     a. feedforward: z^l_x = W^l a^(l-1)_x + b^l, a^l_x = σ(z^l_x) for l = 1..L;")
    print("     b. output error: δ^L_x = ∇_a C_x ⊙ σ'(z^L_x);")
    print("     c. backpropagate: δ^l_x = ((W^(l+1))ᵀ δ^(l+1)_x) ⊙ σ'(z^l_x) for l = L-1..1.")
    print("  2. Gradient descent: for l = L..1,")
    print("     W^l → W^l - (η/m) Σ_x δ^l_x (a^(l-1)_x)ᵀ  and  b^l → b^l - (η/m) Σ_x δ^l_x.")
    print("  3. The Trainer repeats 1-2 on the same batch batch_iterations times, then picks a new batch.")
    print("Each batch's gradient is a noisy estimate of the whole data's mean gradient, at a")
    print("fraction of the cost: that is stochastic gradient descent.")
    rng = np.random.default_rng(1)
    pick = rng.choice(m, 10, replace=False)
    Xm, Ym = X[pick], Y[pick]
    nabla_w, nabla_b = net.backprop(Xm, Ym)
    per_sample = sum(net.backprop(Xm[i], Ym[i])[0][1] for i in range(10))
    lesson.compute("Σ_x δ^2_x (a^1_x)ᵀ over a batch of 10 (one backprop of the batch)", nabla_w[1])
    lesson.check("the batch's gradient is the sum of the 10 samples' gradients", np.allclose(nabla_w[1], per_sample))
    old_b2 = net.biases[1].copy()
    step(net, Xm, Ym, learning_step=eta)
    lesson.compute("b^2 → b^2 - (η/m) Σ_x δ^2_x  (m = 10): the change of b^2", net.biases[1] - old_b2)
    lesson.check(
        "the mini-batch step is -(η/m) times the batch's summed gradient",
        np.allclose(net.biases[1] - old_b2, -eta / 10 * nabla_b[1]),
    )

    lesson.stage("Mini-batches with improvement-based early stopping")
    print("Each batch: 10 random samples, batch_iterations = 5 steps on them; then the cost on the")
    print("cost-estimation batch (a fixed sample of the data) decides whether the batch improved things.")
    print("The cost of the batch just trained on drops whenever η is small enough (above), whether or not")
    print("the network got better at the task, so it cannot tell; the fixed sample can.")
    runs, accuracy = {}, {}
    for min_improvement in (0.0, 0.01):
        net = NeuralNetwork([2, 16, 2], ["tanh", "softmax"], "cross_entropy", seed=0)
        h = Trainer().train(
            net,
            (X, labels),
            learning_step=1.0,
            batch_iterations=5,
            batch_size=10,
            min_improvement_per_batch=min_improvement,
            max_batches_without_improvement=30,
            cost_estimator_batch_size=200,
            seed=0,
            progress=False,
        )
        runs[min_improvement] = h
        acc = accuracy[min_improvement] = net.evaluate(*data(1000, 1))
        print(
            f"min_improvement_per_batch = {min_improvement}: {h.batches} batches, {h.stop_reason}, "
            f"final cost {h.costs[-1]:.4f}, test accuracy {acc:.1%}"
        )
    lesson.check("the network learned the circle", runs[0.0].costs[-1] < runs[0.0].costs[0] / 2)
    print("\nmin_improvement_per_batch = 0.01 counts a batch as an improvement only if it lowers the best")
    print("cost by at least 1%: small gains no longer reset the countdown, so training stops sooner.")
    lesson.check("a stricter improvement threshold stops sooner", runs[0.01].batches < runs[0.0].batches)
    print(f"The price: stopped after {runs[0.01].batches} batches instead of {runs[0.0].batches}, the stricter run")
    print(f"reaches {accuracy[0.01]:.1%} on new points against {accuracy[0.0]:.1%}. Early on, each batch lowers")
    print("the cost by well over 1%; later the gains are smaller but keep adding up, and the stricter")
    print("threshold stops counting them. The threshold trades accuracy for time.")
    lesson.check("... and it ends less accurate on new points", accuracy[0.01] < accuracy[0.0])
    h = runs[0.0]
    best, misses, agree = h.costs[0], 0, True
    for cost, improved in zip(h.costs[1:], h.improved):
        agree &= improved == (cost < best)
        best, misses = (cost, 0) if cost < best else (best, misses + 1)
    lesson.check("'improved' means a new lowest cost (min_improvement_per_batch = 0)", agree)
    lesson.check("the run stopped after 30 batches in a row without improvement", misses == 30)

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for mi, h in runs.items():
        ax.plot(h.costs, label=f"min_improvement_per_batch = {mi}")
    ax.set(xlabel="batch", ylabel="cost per sample (estimation batch)", title="Cost curve", yscale="log")
    ax.legend()
    lesson.figure(fig, "cost_curve")
    return lesson.done()


if __name__ == "__main__":
    raise SystemExit(main())
