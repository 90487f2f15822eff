"""The exercises: each reference solution (here, never in tinynet) passes; each usual mistake is caught with its hint.

The reference solutions and their deliberately wrong variants are plain functions of this file. A
reference is written to a file and checked through the command line (``tinynet exercise N FILE``), which
runs it in a child process; a wrong variant is graded directly (in this process) under the name the
exercise asks for. The tests at the end write a learner's file to tmp_path for what only a real check
shows: a loop that never ends, sys.exit, os._exit, print, float32, arguments changed in place.
"""

import functools
import inspect
import re
import textwrap
import time
import types

import numpy as np
import pytest
from conftest import ROOT

from tinynet.cli import main as tinynet
from tinynet.teach.exercises import exercises, get
from tinynet.teach.exercises.grading import NO_HINT, ExerciseError, Exited, grade, load, wrap
from tinynet.teach.exercises.isolate import TIME_LIMIT

# --- 1. feedforward ---------------------------------------------------------------------------------------


def feedforward(x, weights, biases, sigmas):
    zs, activations = [], [x]
    for W, b, sigma in zip(weights, biases, sigmas):
        z = activations[-1] @ W.T + b
        zs.append(z)
        activations.append(sigma(z))
    return zs, activations


def feedforward_no_bias(x, weights, biases, sigmas):
    return feedforward(x, weights, [0 * b for b in biases], sigmas)


def feedforward_minus_bias(x, weights, biases, sigmas):
    return feedforward(x, weights, [-b for b in biases], sigmas)


def feedforward_transposed(x, weights, biases, sigmas):
    zs, activations = [], [x]
    for W, b, sigma in zip(weights, biases, sigmas):
        z = activations[-1] @ W + b
        zs.append(z)
        activations.append(sigma(z))
    return zs, activations


def feedforward_reversed(x, weights, biases, sigmas):
    zs, activations = feedforward(x, weights, biases, sigmas)
    return zs[::-1], activations[::-1]


def feedforward_no_input(x, weights, biases, sigmas):
    zs, activations = feedforward(x, weights, biases, sigmas)
    return zs, activations[1:]


def feedforward_no_sigma(x, weights, biases, sigmas):
    return feedforward(x, weights, biases, [lambda z: z for _ in sigmas])


def feedforward_zs_with_x(x, weights, biases, sigmas):
    zs, activations = feedforward(x, weights, biases, sigmas)
    return [x] + zs, activations


def feedforward_sigmas_reversed(x, weights, biases, sigmas):
    return feedforward(x, weights, biases, sigmas[::-1])


def feedforward_every_layer_x(x, weights, biases, sigmas):
    zs, activations = [], [x]
    for W, b, sigma in zip(weights, biases, sigmas):
        z = x @ W.T + b
        zs.append(z)
        activations.append(sigma(z))
    return zs, activations


def feedforward_float32(x, weights, biases, sigmas):
    zs, activations = [], [x.astype(np.float32)]
    for W, b, sigma in zip(weights, biases, sigmas):
        z = activations[-1] @ W.T.astype(np.float32) + b.astype(np.float32)
        zs.append(z)
        activations.append(sigma(z))
    return zs, activations


def feedforward_in_place(x, weights, biases, sigmas):
    zs, activations = feedforward(x, weights, biases, sigmas)
    for b in biases:
        b[...] = 0.0  # "done with the biases"
    return zs, activations


# --- 2. the output error ----------------------------------------------------------------------------------


def output_error(z, a, y, cost, activation):
    g = a - y  # ∇_a C of the quadratic cost
    if cost == "cross_entropy" or activation == "identity":
        return g
    if activation == "sigmoid":
        return g * a * (1 - a)
    return a * (g - (g * a).sum(axis=1, keepdims=True))  # softmax: the Jacobian product


def output_error_no_sigma_prime(z, a, y, cost, activation):
    return a - y


def output_error_sigma_prime_with_cross_entropy(z, a, y, cost, activation):
    return output_error(z, a, y, "quadratic", activation)


def output_error_softmax_elementwise(z, a, y, cost, activation):
    if cost == "quadratic" and activation == "softmax":
        return (a - y) * a * (1 - a)
    return output_error(z, a, y, cost, activation)


def output_error_sigma_prime_of_a(z, a, y, cost, activation):
    if cost == "quadratic" and activation == "sigmoid":
        s = 1 / (1 + np.exp(-a))
        return (a - y) * s * (1 - s)
    return output_error(z, a, y, cost, activation)


def output_error_sign(z, a, y, cost, activation):
    return -output_error(z, a, y, cost, activation)


def output_error_mean(z, a, y, cost, activation):
    return output_error(z, a, y, cost, activation) / len(z)


def output_error_softmax_axis0(z, a, y, cost, activation):
    if cost == "quadratic" and activation == "softmax":
        g = a - y
        return a * (g - (g * a).sum(axis=0, keepdims=True))
    return output_error(z, a, y, cost, activation)


def output_error_softmax_no_keepdims(z, a, y, cost, activation):
    if cost == "quadratic" and activation == "softmax":
        g = a - y
        return a * (g - (g * a).sum(axis=1))
    return output_error(z, a, y, cost, activation)


def output_error_sigma_prime_with_z(z, a, y, cost, activation):
    if cost == "quadratic" and activation == "sigmoid":
        return (a - y) * z * (1 - z)
    return output_error(z, a, y, cost, activation)


def output_error_in_place(z, a, y, cost, activation):
    y -= a  # y is now y - a
    g = -y
    if cost == "cross_entropy" or activation == "identity":
        return g
    if activation == "sigmoid":
        return g * a * (1 - a)
    return a * (g - (g * a).sum(axis=1, keepdims=True))


# --- 3. backpropagating one layer -------------------------------------------------------------------------


def backpropagate(delta_next, W_next, z, sigma_prime):
    return (delta_next @ W_next) * sigma_prime(z)


def backpropagate_no_sigma_prime(delta_next, W_next, z, sigma_prime):
    return delta_next @ W_next


def backpropagate_transposed(delta_next, W_next, z, sigma_prime):
    return (delta_next @ W_next.T) * sigma_prime(z)


def backpropagate_sign(delta_next, W_next, z, sigma_prime):
    return -(delta_next @ W_next) * sigma_prime(z)


def backpropagate_mean(delta_next, W_next, z, sigma_prime):
    return (delta_next @ W_next) * sigma_prime(z) / len(z)


def backpropagate_only_sigma_prime(delta_next, W_next, z, sigma_prime):
    return sigma_prime(z)


def backpropagate_sigma_prime_of_product(delta_next, W_next, z, sigma_prime):
    g = delta_next @ W_next
    return g * sigma_prime(g)


def backpropagate_added(delta_next, W_next, z, sigma_prime):
    return delta_next @ W_next + sigma_prime(z)


def backpropagate_columns(delta_next, W_next, z, sigma_prime):
    return W_next.T @ delta_next.T * sigma_prime(z).T


def backpropagate_in_place(delta_next, W_next, z, sigma_prime):
    z[...] = sigma_prime(z)  # z is not needed any more
    return (delta_next @ W_next) * z


# --- 4. the gradients -------------------------------------------------------------------------------------


def gradients(deltas, activations):
    nabla_w = [delta.T @ a for delta, a in zip(deltas, activations[:-1])]
    nabla_b = [delta.sum(axis=0) for delta in deltas]
    return nabla_w, nabla_b


def gradients_mean(deltas, activations):
    m = len(deltas[0])
    nabla_w, nabla_b = gradients(deltas, activations)
    return [g / m for g in nabla_w], [g / m for g in nabla_b]


def gradients_transposed(deltas, activations):
    nabla_w, nabla_b = gradients(deltas, activations)
    return [a.T @ delta for delta, a in zip(deltas, activations[:-1])], nabla_b


def gradients_reversed(deltas, activations):
    nabla_w, nabla_b = gradients(deltas, activations)
    return nabla_w[::-1], nabla_b[::-1]


def gradients_swapped(deltas, activations):
    nabla_w, nabla_b = gradients(deltas, activations)
    return nabla_b, nabla_w


def gradients_wrong_layer(deltas, activations):
    nabla_w, nabla_b = gradients(deltas, activations)
    return [delta.T @ a for delta, a in zip(deltas, activations[1:])], nabla_b


def gradients_bias_not_summed(deltas, activations):
    nabla_w, _ = gradients(deltas, activations)
    return nabla_w, list(deltas)


def gradients_sign(deltas, activations):
    nabla_w, nabla_b = gradients(deltas, activations)
    return [-g for g in nabla_w], [-g for g in nabla_b]


def gradients_bias_axis1(deltas, activations):
    nabla_w, _ = gradients(deltas, activations)
    return nabla_w, [delta.sum(axis=1) for delta in deltas]


def gradients_bias_all(deltas, activations):
    nabla_w, _ = gradients(deltas, activations)
    return nabla_w, [delta.sum() for delta in deltas]


def gradients_first_sample(deltas, activations):
    nabla_w = [np.outer(delta[0], a[0]) for delta, a in zip(deltas, activations[:-1])]
    return nabla_w, [delta[0] for delta in deltas]


def gradients_in_place(deltas, activations):
    deltas.reverse()  # from the output down, as in backprop
    nabla_w = [delta.T @ a for delta, a in zip(deltas[::-1], activations[:-1])]
    return nabla_w, [delta.sum(axis=0) for delta in deltas[::-1]]


# --- 5. the whole backward pass ---------------------------------------------------------------------------


def backward_pass(zs, activations, weights, sigma_primes, grad_a):
    L = len(weights)
    deltas = [None] * L
    deltas[-1] = grad_a * sigma_primes[-1](zs[-1])  # the output layer's own rule
    for l in range(L - 2, -1, -1):  # deltas[l] is delta^(l+1)
        deltas[l] = (deltas[l + 1] @ weights[l + 1]) * sigma_primes[l](zs[l])
    nabla_w = [delta.T @ a for delta, a in zip(deltas, activations[:-1])]
    nabla_b = [delta.sum(axis=0) for delta in deltas]
    return nabla_w, nabla_b


def backward_pass_reversed(zs, activations, weights, sigma_primes, grad_a):
    nabla_w, nabla_b, delta = [], [], grad_a * sigma_primes[-1](zs[-1])
    for l in range(len(weights) - 1, -1, -1):
        nabla_w.append(delta.T @ activations[l])
        nabla_b.append(delta.sum(axis=0))
        if l > 0:
            delta = (delta @ weights[l]) * sigma_primes[l - 1](zs[l - 1])
    return nabla_w, nabla_b


def backward_pass_output_no_sigma_prime(zs, activations, weights, sigma_primes, grad_a):
    L = len(weights)
    deltas = [None] * L
    deltas[-1] = grad_a
    for l in range(L - 2, -1, -1):
        deltas[l] = (deltas[l + 1] @ weights[l + 1]) * sigma_primes[l](zs[l])
    return [d.T @ a for d, a in zip(deltas, activations[:-1])], [d.sum(axis=0) for d in deltas]


def backward_pass_output_twice(zs, activations, weights, sigma_primes, grad_a):
    nabla_w, nabla_b = [None] * len(weights), [None] * len(weights)
    delta = grad_a * sigma_primes[-1](zs[-1])
    for l in reversed(range(len(weights))):
        delta = delta * sigma_primes[l](zs[l])  # σ' at the top of every step: the output's twice
        nabla_w[l], nabla_b[l] = delta.T @ activations[l], delta.sum(axis=0)
        delta = delta @ weights[l]
    return nabla_w, nabla_b


def backward_pass_no_sigma_prime(zs, activations, weights, sigma_primes, grad_a):
    L = len(weights)
    deltas = [None] * L
    deltas[-1] = grad_a * sigma_primes[-1](zs[-1])
    for l in range(L - 2, -1, -1):
        deltas[l] = deltas[l + 1] @ weights[l + 1]
    return [d.T @ a for d, a in zip(deltas, activations[:-1])], [d.sum(axis=0) for d in deltas]


def backward_pass_transposed(zs, activations, weights, sigma_primes, grad_a):
    L = len(weights)
    deltas = [None] * L
    deltas[-1] = grad_a * sigma_primes[-1](zs[-1])
    for l in range(L - 2, -1, -1):
        deltas[l] = (deltas[l + 1] @ weights[l + 1].T) * sigma_primes[l](zs[l])
    return [d.T @ a for d, a in zip(deltas, activations[:-1])], [d.sum(axis=0) for d in deltas]


def backward_pass_wrong_weights(zs, activations, weights, sigma_primes, grad_a):
    L = len(weights)
    deltas = [None] * L
    deltas[-1] = grad_a * sigma_primes[-1](zs[-1])
    for l in range(L - 2, -1, -1):
        deltas[l] = (deltas[l + 1] @ weights[l]) * sigma_primes[l](zs[l])  # W^(l+1) is weights[l + 1]
    return [d.T @ a for d, a in zip(deltas, activations[:-1])], [d.sum(axis=0) for d in deltas]


def backward_pass_sigma_prime_above(zs, activations, weights, sigma_primes, grad_a):
    L = len(weights)
    deltas = [None] * L
    deltas[-1] = grad_a * sigma_primes[-1](zs[-1])
    for l in range(L - 2, -1, -1):
        deltas[l] = (deltas[l + 1] @ weights[l + 1]) * sigma_primes[l + 1](zs[l + 1])
    return [d.T @ a for d, a in zip(deltas, activations[:-1])], [d.sum(axis=0) for d in deltas]


def backward_pass_stops_early(zs, activations, weights, sigma_primes, grad_a):
    delta = grad_a * sigma_primes[-1](zs[-1])
    nabla_w, nabla_b = [delta.T @ activations[-2]], [delta.sum(axis=0)]
    for l in range(len(weights) - 2, 0, -1):  # should run down to 0
        delta = (delta @ weights[l + 1]) * sigma_primes[l](zs[l])
        nabla_w.insert(0, delta.T @ activations[l])
        nabla_b.insert(0, delta.sum(axis=0))
    return nabla_w, nabla_b


def backward_pass_none_left(zs, activations, weights, sigma_primes, grad_a):
    L = len(weights)
    deltas = [None] * L
    deltas[-1] = grad_a * sigma_primes[-1](zs[-1])
    for l in range(L - 2, 0, -1):  # should run down to 0: deltas[0] stays None
        deltas[l] = (deltas[l + 1] @ weights[l + 1]) * sigma_primes[l](zs[l])
    return [d.T @ a for d, a in zip(deltas, activations[:-1])], [d.sum(axis=0) for d in deltas]


def backward_pass_next_activation(zs, activations, weights, sigma_primes, grad_a):
    nabla_w, nabla_b = backward_pass(zs, activations, weights, sigma_primes, grad_a)
    L = len(weights)
    deltas = [None] * L
    deltas[-1] = grad_a * sigma_primes[-1](zs[-1])
    for l in range(L - 2, -1, -1):
        deltas[l] = (deltas[l + 1] @ weights[l + 1]) * sigma_primes[l](zs[l])
    return [d.T @ a for d, a in zip(deltas, activations[1:])], nabla_b


def backward_pass_mean(zs, activations, weights, sigma_primes, grad_a):
    nabla_w, nabla_b = backward_pass(zs, activations, weights, sigma_primes, grad_a)
    m = len(grad_a)
    return [g / m for g in nabla_w], [g / m for g in nabla_b]


def backward_pass_in_place(zs, activations, weights, sigma_primes, grad_a):
    L = len(weights)
    deltas = [None] * L
    grad_a *= sigma_primes[-1](zs[-1])  # grad_a becomes delta^L
    deltas[-1] = grad_a
    for l in range(L - 2, -1, -1):
        deltas[l] = (deltas[l + 1] @ weights[l + 1]) * sigma_primes[l](zs[l])
    return [d.T @ a for d, a in zip(deltas, activations[:-1])], [d.sum(axis=0) for d in deltas]


# --- 6. a numerical gradient check ------------------------------------------------------------------------


def numerical_gradient(cost, params, eps):
    grad = np.zeros(params.size)
    for i in range(params.size):
        old = params[i]
        params[i] = old + eps
        plus = cost()
        params[i] = old - eps
        minus = cost()
        params[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad


def relative_error(exact, numeric):
    size = np.linalg.norm(exact) + np.linalg.norm(numeric)
    return np.linalg.norm(exact - numeric) / size if size else 0.0  # 0/0: both all zeros, they agree


def numerical_gradient_over_eps(cost, params, eps):
    return 2 * numerical_gradient(cost, params, eps)


def numerical_gradient_one_sided(cost, params, eps):
    grad, c = np.zeros(params.size), cost()
    for i in range(params.size):
        old = params[i]
        params[i] = old + eps
        grad[i] = (cost() - c) / eps
        params[i] = old
    return grad


def numerical_gradient_sign(cost, params, eps):
    return -numerical_gradient(cost, params, eps)


def numerical_gradient_not_put_back(cost, params, eps):
    grad = np.zeros(params.size)
    for i in range(params.size):
        old = params[i]
        params[i] = old + eps
        plus = cost()
        params[i] = old - eps
        minus = cost()
        grad[i] = (plus - minus) / (2 * eps)
    return grad


def relative_error_absolute(exact, numeric):
    return np.linalg.norm(exact - numeric)


def relative_error_one_norm(exact, numeric):
    return np.linalg.norm(exact - numeric) / np.linalg.norm(exact)


def relative_error_squares(exact, numeric):
    return np.sum((exact - numeric) ** 2) / (np.sum(exact**2) + np.sum(numeric**2))


def numerical_gradient_on_a_copy(cost, params, eps):
    grad, p = np.zeros(params.size), params.copy()
    for i in range(p.size):
        old = p[i]
        p[i] = old + eps
        plus = cost()
        p[i] = old - eps
        minus = cost()
        p[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad


def numerical_gradient_int(cost, params, eps):
    grad = np.zeros(params.size, dtype=int)
    grad[:] = numerical_gradient(cost, params, eps)
    return grad


def relative_error_norm_of_sum(exact, numeric):
    return np.linalg.norm(exact - numeric) / np.linalg.norm(exact + numeric)


def relative_error_twice_exact(exact, numeric):
    return np.linalg.norm(exact - numeric) / (2 * np.linalg.norm(exact))


def relative_error_nan(exact, numeric):
    with np.errstate(invalid="ignore"):
        return np.linalg.norm(exact - numeric) / (np.linalg.norm(exact) + np.linalg.norm(numeric))


def relative_error_entrywise(exact, numeric):
    return np.abs(exact - numeric) / (np.abs(exact) + np.abs(numeric))


def relative_error_in_place(exact, numeric):
    size = np.linalg.norm(exact) + np.linalg.norm(numeric)
    exact -= numeric  # the difference, without a new array
    return np.linalg.norm(exact) / size if size else 0.0


# --- 7. one gradient-descent step -------------------------------------------------------------------------


def gradient_descent_step(weights, biases, nabla_w, nabla_b, eta, m):
    weights = [W - eta / m * nw for W, nw in zip(weights, nabla_w)]
    biases = [b - eta / m * nb for b, nb in zip(biases, nabla_b)]
    return weights, biases


def gradient_descent_step_eta(weights, biases, nabla_w, nabla_b, eta, m):
    return gradient_descent_step(weights, biases, nabla_w, nabla_b, eta, 1)


def gradient_descent_step_sign(weights, biases, nabla_w, nabla_b, eta, m):
    return gradient_descent_step(weights, biases, nabla_w, nabla_b, -eta, m)


def gradient_descent_step_no_bias(weights, biases, nabla_w, nabla_b, eta, m):
    new_weights, _ = gradient_descent_step(weights, biases, nabla_w, nabla_b, eta, m)
    return new_weights, biases


def gradient_descent_step_unchanged(weights, biases, nabla_w, nabla_b, eta, m):
    return weights, biases


def gradient_descent_step_floor(weights, biases, nabla_w, nabla_b, eta, m):
    weights = [W - eta // m * nw for W, nw in zip(weights, nabla_w)]
    biases = [b - eta // m * nb for b, nb in zip(biases, nabla_b)]
    return weights, biases


def gradient_descent_step_eta_times_m(weights, biases, nabla_w, nabla_b, eta, m):
    return gradient_descent_step(weights, biases, nabla_w, nabla_b, eta * m * m, m)


def gradient_descent_step_m_twice(weights, biases, nabla_w, nabla_b, eta, m):
    return gradient_descent_step(weights, biases, nabla_w, nabla_b, eta / m, m)


def gradient_descent_step_in_place(weights, biases, nabla_w, nabla_b, eta, m):
    for W, b, nw, nb in zip(weights, biases, nabla_w, nabla_b):
        nw *= eta / m  # the step, without a new array
        nb *= eta / m
        W -= nw
        b -= nb
    return weights, biases


# --- 8. a convolution's backward pass ---------------------------------------------------------------------


def conv_backward(a_prev, K, delta):
    F, D, k, _ = K.shape
    m, _, oh, ow = delta.shape
    dK, da = np.zeros_like(K), np.zeros_like(a_prev)
    for u in range(k):
        for v in range(k):
            window = a_prev[:, :, u : u + oh, v : v + ow]  # a_prev[:, c, i+u, j+v] for every c, i, j
            dK[:, :, u, v] = np.einsum("sfij,scij->fc", delta, window)
            da[:, :, u : u + oh, v : v + ow] += np.einsum("sfij,fc->scij", delta, K[:, :, u, v])
    return dK, delta.sum(axis=(0, 2, 3)), da


def conv_backward_mean(a_prev, K, delta):
    dK, db, da = conv_backward(a_prev, K, delta)
    return dK / len(delta), db / len(delta), da


def conv_backward_sign(a_prev, K, delta):
    dK, db, da = conv_backward(a_prev, K, delta)
    return -dK, -db, -da


def conv_backward_flipped(a_prev, K, delta):
    dK, db, _ = conv_backward(a_prev, K, delta)
    return dK, db, conv_backward(a_prev, K[:, :, ::-1, ::-1], delta)[2]


def conv_backward_bias_per_position(a_prev, K, delta):
    dK, _, da = conv_backward(a_prev, K, delta)
    return dK, delta.sum(axis=0), da


def conv_backward_first_sample(a_prev, K, delta):
    dK, db, _ = conv_backward(a_prev[:1], K, delta[:1])
    return dK, db, conv_backward(a_prev, K, delta)[2]


def conv_backward_kernel_axes_swapped(a_prev, K, delta):
    dK, db, da = conv_backward(a_prev, K, delta)
    return dK.transpose(0, 1, 3, 2), db, da


def conv_backward_first_kernel(a_prev, K, delta):
    dK, db, _ = conv_backward(a_prev, K, delta)
    return dK, db, conv_backward(a_prev, K[:1], delta[:, :1])[2]


def conv_backward_in_place(a_prev, K, delta):
    a_prev -= a_prev.mean()  # centred, as inputs should be
    return conv_backward(a_prev, K, delta)


# --- the table: exercise, reference(s), and each mistake with a phrase of its hint -----------------------

REFERENCES = {
    1: [feedforward],
    2: [output_error],
    3: [backpropagate],
    4: [gradients],
    5: [backward_pass],
    6: [numerical_gradient, relative_error],
    7: [gradient_descent_step],
    8: [conv_backward],
}

# (exercise, wrong variant, a phrase of the hint it must get); the ones after "new" in each exercise got
# no hint, or no true one, before the hints were derived from the case shown
MISTAKES = [
    (1, feedforward_no_bias, "forgetting the bias"),
    (1, feedforward_minus_bias, "the bias subtracted"),
    (1, feedforward_transposed, "a transposed W"),
    (1, feedforward_reversed, "the layers in the wrong order"),
    (1, feedforward_no_input, "start with a^0 = x"),
    (1, feedforward_no_sigma, "σ is missing"),
    (1, feedforward_zs_with_x, "zs holds L arrays"),  # new
    (1, feedforward_sigmas_reversed, "the activations in the wrong order"),
    (1, feedforward_every_layer_x, "every layer was fed x"),
    (1, feedforward_float32, "keep float64"),
    (1, feedforward_in_place, "must not change the arrays it is given"),
    (2, output_error_no_sigma_prime, "a missing σ' factor"),
    (2, output_error_sigma_prime_with_cross_entropy, "σ' cancels out"),
    (2, output_error_softmax_elementwise, "softmax is not element-wise"),
    (2, output_error_sigma_prime_of_a, "σ' is taken at z^L"),
    (2, output_error_sign, "a sign error"),
    (2, output_error_mean, "off by a factor m"),
    (2, output_error_softmax_axis0, "that runs over the batch"),  # new
    (2, output_error_softmax_no_keepdims, "keepdims=True"),
    (2, output_error_sigma_prime_with_z, "not z (1 - z)"),
    (2, output_error_in_place, "must not change the arrays it is given"),
    (3, backpropagate_no_sigma_prime, "a missing σ' factor"),
    (3, backpropagate_transposed, "a transposed W"),
    (3, backpropagate_sign, "a sign error"),
    (3, backpropagate_mean, "off by a factor m"),
    (3, backpropagate_only_sigma_prime, "σ' multiplies the error"),
    (3, backpropagate_sigma_prime_of_product, "not at the backpropagated error"),  # new
    (3, backpropagate_added, "do not add it"),
    (3, backpropagate_columns, "one sample per ROW"),
    (3, backpropagate_in_place, "must not change the arrays it is given"),
    (4, gradients_mean, "off by a factor m"),
    (4, gradients_transposed, "a transposed gradient"),
    (4, gradients_reversed, "the layers in the wrong order"),
    (4, gradients_swapped, "weights first"),
    (4, gradients_wrong_layer, "delta^l goes with a^(l-1)"),
    (4, gradients_bias_not_summed, "summed over the samples"),
    (4, gradients_sign, "a sign error"),
    (4, gradients_bias_axis1, "axis=1 sums over the units"),  # new
    (4, gradients_bias_all, "not over every entry"),
    (4, gradients_first_sample, "not the first sample's"),
    (4, gradients_in_place, "must not change the arrays it is given"),
    (5, backward_pass_reversed, "the layers in the wrong order"),
    (5, backward_pass_output_no_sigma_prime, "the output layer's own rule"),
    (5, backward_pass_output_twice, "σ'^L was applied twice"),
    (5, backward_pass_no_sigma_prime, "a missing σ' factor in the hidden layers"),
    (5, backward_pass_transposed, "a transposed W"),
    (5, backward_pass_wrong_weights, "delta^(l+1) goes with W^(l+1)"),
    (5, backward_pass_sigma_prime_above, "σ' belongs to the layer whose error it is"),
    (5, backward_pass_stops_early, "the loop stops one layer early"),
    (5, backward_pass_none_left, "used None where it needed an array"),
    (5, backward_pass_next_activation, "delta^l goes with a^(l-1)"),
    (5, backward_pass_mean, "off by a factor m"),
    (5, backward_pass_in_place, "must not change the arrays it is given"),
    (6, numerical_gradient_over_eps, "off by a factor 2"),
    (6, numerical_gradient_one_sided, "one-sided difference"),
    (6, numerical_gradient_sign, "a sign error"),
    (6, numerical_gradient_not_put_back, "put each parameter back"),
    (6, relative_error_absolute, "must be relative"),
    (6, relative_error_one_norm, "sum of both norms"),
    (6, relative_error_squares, "square roots"),
    (6, numerical_gradient_on_a_copy, "your gradient is all zeros"),  # new
    (6, numerical_gradient_int, "has an integer dtype"),
    (6, relative_error_norm_of_sum, "not the norm of the sum"),
    (6, relative_error_twice_exact, "twice one of the norms"),
    (6, relative_error_nan, "0/0 = nan"),
    (6, relative_error_entrywise, "one number for the whole gradient"),
    (6, relative_error_in_place, "must not change the arrays it is given"),
    (7, gradient_descent_step_eta, "η instead of η/m"),
    (7, gradient_descent_step_sign, "a sign error"),
    (7, gradient_descent_step_no_bias, "forgetting the bias"),
    (7, gradient_descent_step_unchanged, "no step was taken"),
    (7, gradient_descent_step_floor, "// is floor division"),  # new
    (7, gradient_descent_step_eta_times_m, "η·m instead of η/m"),
    (7, gradient_descent_step_m_twice, "divided by m twice"),
    (7, gradient_descent_step_in_place, "must not change the arrays it is given"),
    (8, conv_backward_mean, "off by a factor m"),
    (8, conv_backward_sign, "a sign error"),
    (8, conv_backward_flipped, "a flipped kernel"),
    (8, conv_backward_bias_per_position, "every position"),
    (8, conv_backward_first_sample, "every sample of the batch"),
    (8, conv_backward_kernel_axes_swapped, "the kernel's two axes swapped"),  # new
    (8, conv_backward_first_kernel, "sums over every kernel f"),
    (8, conv_backward_in_place, "must not change the arrays it is given"),
]


# the wrong variants divide by zero where the right answer does not: NumPy's warnings are theirs
QUIET = pytest.mark.filterwarnings(
    "ignore:divide by zero encountered:RuntimeWarning", "ignore:invalid value encountered:RuntimeWarning"
)


def asked(number, function):
    """The name exercise ``number`` asks for that the variant ``function`` stands in for."""
    return next(f.__name__ for f in REFERENCES[number] if function.__name__.startswith(f.__name__))


def solution_file(path, functions):
    """Write ``functions`` (by their source, under their own names) to ``path``."""
    parts = ["import numpy as np\n"]
    for f in functions:
        parts.append(textwrap.dedent(inspect.getsource(f)))
    path.write_text("\n\n".join(parts))
    return path


def learner_file(path, number, *variants, extra=""):
    """A learner's file for exercise ``number``: the references, each ``variant`` under the name it stands in for.

    A variant that calls the reference it varies calls it as ``reference_NAME`` (written to the file too);
    ``extra`` is added at the top (imports, code that runs on import).
    """
    names = [f.__name__ for f in REFERENCES[number]]
    given = {asked(number, f): f for f in variants}
    parts = ["import os\nimport sys\n\nimport numpy as np\n" + extra]
    for f in REFERENCES[number]:
        parts.append(
            textwrap.dedent(inspect.getsource(f)).replace(f"def {f.__name__}(", f"def reference_{f.__name__}(", 1)
        )
    for name in names:
        source = textwrap.dedent(inspect.getsource(given.get(name, dict(zip(names, REFERENCES[number]))[name])))
        first, rest = source.split("\n", 1)
        for other in names:
            rest = re.sub(rf"\b{other}\(", f"reference_{other}(", rest)
        parts.append(f"def {name}(" + first.split("(", 1)[1] + "\n" + rest)
    path.write_text("\n\n".join(parts))
    return path


@functools.cache
def exercise(number):
    """Exercise ``number`` with its cases made once for all the tests (a case hands out copies only)."""
    ex = get(number)
    cases = ex.cases()
    return types.SimpleNamespace(
        **{k: v for k, v in vars(ex).items() if not k.startswith("__")} | {"cases": lambda: cases}
    )


def graded(number, **functions):
    """Grade the given functions for exercise ``number`` in this process (the reference for each one not given)."""
    given = {f.__name__: f for f in REFERENCES[number]} | functions
    return grade(exercise(number), {name: wrap(f, name) for name, f in given.items()}, "solution.py")


def checked(number, path):
    """Grade the learner's file ``path`` in this process, as the child process of a check does: (passed, lines)."""
    ex = get(number)
    return grade(ex, load(path, ex.SIGNATURES, number), path)


def run(capsys, *argv):
    status = tinynet(["exercise", *argv])
    out = capsys.readouterr()
    return status, out.out, out.err


def hints_of_shown_cases(lines):
    """{case line: [its hint lines]} for each case the report shows."""
    shown, at = {}, None
    for line in lines:
        if re.match(r"^(\w+ )?case \d+: ", line):
            at = line
            shown[at] = []
        elif line.startswith("hint: ") and at:
            shown[at].append(line[len("hint: ") :])
    return shown


# --- the tests: every exercise -------------------------------------------------------------------------------


def test_there_are_eight_exercises_in_the_order_of_the_lessons():
    assert sorted(exercises()) == sorted(REFERENCES) == list(range(1, 9))
    lessons = [ex.LESSONS for ex in exercises().values()]
    assert lessons == [(2,), (4,), (5,), (6,), (5, 6), (7,), (8,), (13,)]
    assert [max(n) for n in lessons] == sorted(max(n) for n in lessons)  # the numbers follow the lessons
    for number, ex in exercises().items():
        assert set(ex.SIGNATURES) == {f.__name__ for f in REFERENCES[number]}
        assert ex.__name__.split(".")[-1].startswith(f"ex{number}_")


@pytest.mark.parametrize("number", sorted(REFERENCES))
def test_the_reference_solution_passes(number):
    passed, lines = graded(number)
    cases = len(get(number).cases())
    assert passed, lines
    assert lines == [f"exercise {number} ({get(number).TITLE}): all {cases} cases pass"]
    assert cases >= 6


@pytest.mark.slow
@pytest.mark.parametrize("number", sorted(REFERENCES))
def test_the_reference_solution_file_passes_the_command(capsys, tmp_path, number):
    path = solution_file(tmp_path / f"solution_{number}.py", REFERENCES[number])
    status, out, err = run(capsys, str(number), str(path))
    assert status == 0, out + err
    assert out.strip() == f"exercise {number} ({get(number).TITLE}): all {len(get(number).cases())} cases pass"


def test_a_reference_file_passes_the_command_in_a_child_process(capsys, tmp_path):
    path = solution_file(tmp_path / "solution_5.py", REFERENCES[5])
    started = time.perf_counter()
    status, out, err = run(capsys, "5", str(path))
    assert (status, err) == (0, "")
    assert out == f"exercise 5 (the whole backward pass): all {len(get(5).cases())} cases pass\n"
    assert time.perf_counter() - started < 10  # one child for the whole check, not one per case


@QUIET
@pytest.mark.parametrize("number,function,hint", MISTAKES, ids=[f.__name__ for _, f, _ in MISTAKES])
def test_a_usual_mistake_is_caught_with_its_hint(number, function, hint):
    passed, lines = graded(number, **{asked(number, function): function})
    assert not passed
    report = "\n".join(lines)
    assert lines[0].startswith(f"exercise {number} (") and "cases fail" in lines[0]
    assert re.match(r"^(\w+ )?case \d+: ", lines[1]), report
    shown = hints_of_shown_cases(lines)
    assert any(hint in h for hints in shown.values() for h in hints), report


def test_the_report_names_the_case_the_array_the_entry_expected_and_got():
    passed, lines = graded(3, backpropagate=backpropagate_no_sigma_prime)
    assert (
        lines[1] == "case 1: sizes [3, 4, 2], activations sigmoid/sigmoid, quadratic cost, a batch of m=1; "
        "layer l=1 (sigmoid)"
    )
    assert lines[2].startswith("  delta (the return value), entry [0, 0]: expected ")
    assert ", got " in lines[2] and "entries differ" in lines[2]
    assert lines[3] == "hint: a missing σ' factor: delta^l = ((W^(l+1))ᵀ delta^(l+1)) ⊙ σ'(z^l)"
    assert lines[4].startswith("also failing: cases 2, 3, ")
    passed, lines = graded(1, feedforward=feedforward_no_input)
    assert lines[2] == "  activations: expected a list of 3, got a list of 2"


def test_a_wrong_file_exits_with_status_1_and_the_report(capsys, tmp_path):
    path = learner_file(tmp_path / "mine.py", 3, backpropagate_mean)
    status, out, err = run(capsys, "3", str(path))
    assert status == 1 and err == ""
    assert out.startswith("exercise 3 (backpropagating one layer): 9 of 12 cases fail\n")  # the 3 with m = 1 pass
    assert "hint: off by a factor m" in out


def test_list(capsys):
    status, out, _ = run(capsys, "--list")
    assert status == 0
    lines = out.splitlines()[1:]
    assert len(lines) == 8
    assert lines[0].split()[:2] == ["1", "feedforward"] and "lesson 2 " in lines[0]
    assert lines[4].split()[:2] == ["5", "the"] and "lessons 5, 6" in lines[4] and "backward_pass" in lines[4]
    assert "gradient_descent_step" in lines[6] and "lesson 8 " in lines[6]
    assert "conv_backward" in lines[7] and "lesson 13" in lines[7]


def test_start_writes_the_template_and_does_not_overwrite(capsys, tmp_path):
    status, out, _ = run(capsys, "6", "--start")
    assert status == 0 and "exercise_6.py" in out
    text = (tmp_path / "exercise_6.py").read_text()
    assert "def numerical_gradient(cost, params, eps):" in text and "def relative_error(exact, numeric):" in text
    assert text.count("raise NotImplementedError") == 2
    assert "tinynet exercise 6 exercise_6.py" in text
    (tmp_path / "exercise_6.py").write_text("# my work")
    status, _, err = run(capsys, "6", "--start")
    assert status == 2
    assert err == "tinynet: exercise_6.py already exists; it is kept (--force overwrites it, or give another name)\n"
    assert (tmp_path / "exercise_6.py").read_text() == "# my work"
    assert run(capsys, "6", "--start", "--force")[0] == 0
    assert (tmp_path / "exercise_6.py").read_text() == text
    assert run(capsys, "2", "--start", "mine.py")[0] == 0
    assert "def output_error(z, a, y, cost, activation):" in (tmp_path / "mine.py").read_text()


@pytest.mark.parametrize("number", sorted(REFERENCES))
def test_the_unfinished_template_is_not_written_yet(tmp_path, number):
    from tinynet.teach.exercises import start
    from tinynet.teach.exercises.grading import ExerciseError, load

    path = start(number)
    ex = get(number)
    with pytest.raises(ExerciseError) as e:
        grade(ex, load(path, ex.SIGNATURES, number), path)
    first = REFERENCES[number][0].__name__
    assert str(e.value) == f"exercise_{number}.py: {first} is not written yet (it raises NotImplementedError)"


@pytest.mark.slow  # a child process; the quick loop grades every template here
def test_the_unfinished_template_is_one_line_through_the_command(capsys, tmp_path):
    run(capsys, "8", "--start")
    status, out, err = run(capsys, "8", "exercise_8.py")
    assert (status, out) == (2, "")
    assert err == "tinynet: exercise_8.py: conv_backward is not written yet (it raises NotImplementedError)\n"


def test_a_syntax_error_is_one_line(capsys, tmp_path):
    (tmp_path / "bad.py").write_text("import numpy as np\n\ndef feedforward(x, weights, biases, sigmas)\n    pass\n")
    status, out, err = run(capsys, "1", "bad.py")
    assert status == 2 and out == ""
    assert err == "tinynet: bad.py line 3: expected ':' (a syntax error: Python cannot read the file)\n"


def test_a_missing_function_is_one_line(tmp_path):
    solution_file(tmp_path / "half.py", [numerical_gradient])
    with pytest.raises(ExerciseError) as e:
        checked(6, "half.py")
    assert str(e.value) == (
        "half.py: no function relative_error; exercise 6 asks for relative_error(exact, numeric) -> float"
    )


def test_a_file_that_fails_to_import_or_is_missing_is_one_line(capsys, tmp_path):
    (tmp_path / "boom.py").write_text("import numpy as np\nx = 1 / 0\n")
    with pytest.raises(ExerciseError) as e:
        checked(3, "boom.py")
    assert str(e.value) == (
        "boom.py: running the file raised ZeroDivisionError: division by zero (at boom.py line 2: x = 1 / 0)"
    )
    status, _, err = run(capsys, "3", "nowhere.py")  # said before any child process starts
    assert (status, err) == (2, "tinynet: nowhere.py does not exist ('tinynet exercise 3 --start' writes a template)\n")
    status, _, err = run(capsys, "9", "nowhere.py")
    assert (status, err) == (2, "tinynet: no exercise '9'; 'tinynet exercise --list' lists them (1 to 8)\n")


def test_an_exception_in_the_learners_code_is_a_failing_case_with_its_line(tmp_path):
    path = learner_file(tmp_path / "t.py", 3, backpropagate_transposed)
    passed, lines = checked(3, path)
    out = "\n".join(lines)
    assert not passed
    assert "your code raised ValueError: matmul" in out and "(at t.py line 12: return (delta_next @ W_next.T)" in out
    assert "hint: mind the shapes" in out and "hint: a transposed W" in out


def test_the_templates_hold_no_solution():
    for ex in exercises().values():
        namespace = {}
        exec(compile(ex.TEMPLATE, "template", "exec"), namespace)
        for name in ex.SIGNATURES:
            with pytest.raises(NotImplementedError):
                namespace[name](*[None] * namespace[name].__code__.co_argcount)


# --- 1. a time limit on each call; the learner's prints stay visible -----------------------------------------

LOOP = """
def backpropagate(delta_next, W_next, z, sigma_prime):
    print("looking at", delta_next.shape)
    while True:
        pass
"""


def test_a_loop_that_never_ends_fails_the_case_at_the_time_limit(capfd, tmp_path):
    (tmp_path / "loop.py").write_text(LOOP)
    started = time.perf_counter()
    status = tinynet(["exercise", "3", "loop.py", "--time-limit", "0.5"])
    took = time.perf_counter() - started
    out, err = capfd.readouterr()
    assert status == 1 and err == ""
    assert out == (
        "looking at (1, 2)\n"  # the learner's print, before the verdict
        "exercise 3 (backpropagating one layer): case 1 (sizes [3, 4, 2], activations sigmoid/sigmoid, "
        "quadratic cost, a batch of m=1; layer l=1 (sigmoid)): your function did not return within 0.5 s "
        "(a loop that never ends?); --time-limit SECONDS allows more\n"
    )
    assert took < 8
    assert 2 <= TIME_LIMIT <= 10


@pytest.mark.slow  # a child process; the quick loop has the loop in a function
def test_the_time_limit_counts_running_the_file(capfd, tmp_path):
    (tmp_path / "top.py").write_text("while True:\n    pass\n")
    assert tinynet(["exercise", "1", "top.py", "--time-limit", "0.3"]) == 2
    assert capfd.readouterr().err == (
        "tinynet: top.py: running the file took longer than 0.3 s (a loop that never ends?); "
        "--time-limit SECONDS allows more\n"
    )


@pytest.mark.slow
def test_the_time_limit_is_for_each_call_not_the_whole_check(capfd, tmp_path):
    path = learner_file(tmp_path / "slow.py", 3, extra="import time\n")
    head = "def backpropagate(delta_next, W_next, z, sigma_prime):\n"
    path.write_text(path.read_text().replace(head, head + "    time.sleep(0.06)\n"))
    assert tinynet(["exercise", "3", "slow.py", "--time-limit", "0.4"]) == 0  # 12 calls of 0.06 s: 0.72 s in all


def test_the_time_limit_option_wants_seconds(capsys, tmp_path):
    with pytest.raises(SystemExit) as e:
        tinynet(["exercise", "3", "x.py", "--time-limit", "-1"])
    assert e.value.code == 2
    assert "--time-limit: expected a number of seconds > 0, got '-1'" in capsys.readouterr().err


def test_os_exit_and_a_crash_in_the_function_are_a_failing_case(capfd, tmp_path):
    (tmp_path / "gone.py").write_text("import os\n\ndef gradients(deltas, activations):\n    os._exit(3)\n")
    assert tinynet(["exercise", "4", "gone.py"]) == 1
    out = capfd.readouterr().out
    assert out.startswith("exercise 4 (the gradients): case 1 (sizes [3, 4, 2], ")
    assert out.endswith(": your code ended the process (exit status 3) instead of returning (os._exit? a crash?)\n")


# --- 2. sys.exit -----------------------------------------------------------------------------------------------


def test_sys_exit_in_the_function_is_a_failure_of_one_line(capsys, tmp_path):
    (tmp_path / "quit.py").write_text(
        "import sys\n\ndef output_error(z, a, y, cost, activation):\n    print(a - y)\n    sys.exit()\n"
    )
    status, out, err = run(capsys, "2", "quit.py")
    assert (status, err) == (1, "")
    assert out.splitlines()[-1] == (
        "exercise 2 (the output error delta^L): case 1 (quadratic cost, sigmoid output, a batch of m=1): "
        "your code called sys.exit() (at quit.py line 5: sys.exit()); output_error must return its answer"
    )
    with pytest.raises(Exited, match=r"^your code called sys.exit\(0\); output_error must return its answer$"):
        graded(2, output_error=lambda *args: exit(0))  # in this process: the child turns Exited into the line


@pytest.mark.slow  # a child process; the quick loop has sys.exit in a function
def test_sys_exit_on_import_is_one_line_and_not_a_pass(capsys, tmp_path):
    learner_file(tmp_path / "top.py", 2, extra="sys.exit(0)\n")
    status, out, err = run(capsys, "2", "top.py")
    assert (status, out) == (2, "")
    assert err == (
        "tinynet: top.py: running the file called sys.exit(0) (at top.py line 5: sys.exit(0)); "
        "a solution file defines its functions, it does not end the program\n"
    )


# --- 3. arguments changed in place ------------------------------------------------------------------------------

IN_PLACE = [
    (1, feedforward_in_place, "biases[0]"),
    (2, output_error_in_place, "y"),
    (3, backpropagate_in_place, "z"),
    (4, gradients_in_place, "deltas (the list)"),
    (5, backward_pass_in_place, "grad_a"),
    (6, relative_error_in_place, "exact"),
    (7, gradient_descent_step_in_place, "nabla_w[0]"),
    (8, conv_backward_in_place, "a_prev"),
]


@QUIET
@pytest.mark.parametrize("number,function,argument", IN_PLACE, ids=[f.__name__ for _, f, _ in IN_PLACE])
def test_an_argument_changed_in_place_fails_in_every_exercise(number, function, argument):
    passed, lines = graded(number, **{asked(number, function): function})
    assert not passed
    problem = next(line for line in lines if line.startswith("  "))
    assert problem.startswith(f"  your function changed its argument {argument} in place"), lines
    assert any("the next layer or the next step would see the changed values" in line for line in lines)


def test_an_argument_changed_in_place_fails_through_the_command(capsys, tmp_path):
    path = learner_file(tmp_path / "step.py", 7, gradient_descent_step_in_place)
    status, out, _ = run(capsys, "7", str(path))
    assert status == 1
    assert "  your function changed its argument nabla_w[0] in place, entry [0, 0]: it was " in out

    # the weights and biases may be changed in place: the template says so, and a trainer does it
    def in_place(weights, biases, nabla_w, nabla_b, eta, m):
        for W, b, nw, nb in zip(weights, biases, nabla_w, nabla_b):
            W -= eta / m * nw
            b -= eta / m * nb
        return weights, biases

    assert graded(7, gradient_descent_step=in_place)[0]


# --- 4. the gradient check tells right from almost right -------------------------------------------------------


DIFFER = ("of the opposite sign (1)", "twice the exact one (1/3)", "all zeros (1)", "(0: they agree)")


@QUIET
def test_a_relative_error_with_the_wrong_denominator_fails():
    cases = [c for c in get(6).cases() if c.function == "relative_error"]
    failing = []
    for case in cases:
        with np.errstate(divide="ignore", invalid="ignore"):
            got = relative_error_norm_of_sum(case.args["exact"].copy(), case.args["numeric"].copy())
        if not np.isclose(got, case.expected, rtol=1e-6, atol=0):
            failing.append(case.label)
    # ‖exact - numeric‖ / ‖exact + numeric‖ passes every pair of nearly equal gradients (gradcheck's own, the
    # only cases before): only the pairs that really differ catch it
    assert failing and all(label.endswith(DIFFER) for label in failing)
    assert any(not c.label.endswith(DIFFER) for c in cases)
    passed, lines = graded(6, relative_error=relative_error_norm_of_sum)
    assert not passed and "; relative_error: " in lines[0] and lines[0].endswith("cases fail")
    assert "hint: the denominator is the sum of the norms, ‖exact‖ + ‖numeric‖, not the norm of the sum" in "\n".join(
        lines
    )


def test_a_wrong_denominator_in_a_file_fails_the_check(capsys, tmp_path):
    path = learner_file(tmp_path / "check.py", 6, relative_error_norm_of_sum)
    status, out, _ = run(capsys, "6", str(path))
    assert status == 1  # it passed before: every pair was nearly equal
    assert "; relative_error: 3 of " in out.splitlines()[0]
    assert "the numeric gradient of the opposite sign (1)" in out and "expected 1, got inf" in out


def test_the_pairs_that_differ_have_the_right_answers():
    cases = [c for c in get(6).cases() if c.function == "relative_error" and c.label.endswith(DIFFER)]
    answers = {end: 1 / 3 if "1/3" in end else 0.0 if "agree" in end else 1.0 for end in DIFFER}
    assert len(cases) == 7
    for case in cases:
        end = next(end for end in DIFFER if case.label.endswith(end))
        assert case.expected == pytest.approx(answers[end], abs=1e-15), case.label
        assert relative_error(case.args["exact"], case.args["numeric"]) == pytest.approx(answers[end], abs=1e-15)


# --- 5. hints: from the case shown, true of it ---------------------------------------------------------------


def test_each_case_shown_has_its_own_hints():
    # case 1 raises (a matmul of the wrong shapes): only the shapes' advice; the first square case shows the
    # transposed W by its values, with that hint under it
    passed, lines = graded(3, backpropagate=backpropagate_transposed)
    shown = hints_of_shown_cases(lines)
    (first, first_hints), (second, second_hints) = shown.items()
    assert first.startswith("case 1: ") and len(first_hints) == 1 and first_hints[0].startswith("mind the shapes")
    assert "[4, 5, 3, 3]" in second and "layer l=2" in second  # W^3 is 3 x 3
    assert any(h.startswith("a transposed W") for h in second_hints)
    assert not any("transposed" in h for h in first_hints)


def test_a_hint_claims_only_what_is_true_of_the_case():
    passed, lines = graded(1, feedforward=feedforward_minus_bias)
    assert not any("every sign flipped" in line for line in lines)  # the bias, not every sign
    assert "hint: the bias subtracted: z^l = W^l a^(l-1) + b^l adds it" in lines
    passed, lines = graded(7, gradient_descent_step=gradient_descent_step_floor)
    hints = [line for line in lines if line.startswith("hint: ")]
    assert (
        hints[0] == "hint: if you wrote η // m: // is floor division, and here η // m = 0.5 // 1 = 0, while η / m = 0.5"
    )


def test_a_floor_division_in_a_file_gets_its_own_hint(capsys, tmp_path):
    path = learner_file(tmp_path / "step.py", 7, gradient_descent_step_floor)
    status, out, _ = run(capsys, "7", str(path))
    lines = out.splitlines()
    assert status == 1 and lines[1].startswith("case 1: ")
    assert (
        lines[3] == "hint: if you wrote η // m: // is floor division, and here η // m = 0.5 // 1 = 0, while η / m = 0.5"
    )
    assert "did not change: return the new weights" not in out  # the old hint, and not what happened


def test_a_wrong_answer_no_usual_mistake_fits_says_so():
    def strange(delta_next, W_next, z, sigma_prime):
        return (delta_next @ W_next) * sigma_prime(z) + 1.0

    passed, lines = graded(3, backpropagate=strange)
    assert lines[3] == f"hint: {NO_HINT}"


# (variants whose report has no hint, variants): before, the grader of the seven old exercises on the 71
# variants of them here (8 of which it passed: the in-place ones, two relative_error ones), hints pooled
# across the failing cases; after, every variant here, with the hints of the case shown only
HINT_COUNTS = {"before": (28, 71), "after": (0, 83)}


@QUIET
@pytest.mark.slow  # every variant graded again (test_a_usual_mistake_is_caught_with_its_hint has each one)
def test_the_hint_coverage_is_measured():
    without = 0
    for number, function, _ in MISTAKES:
        passed, lines = graded(number, **{asked(number, function): function})
        shown = hints_of_shown_cases(lines)
        if not any(h != NO_HINT for hints in shown.values() for h in hints):
            without += 1
    assert (without, len(MISTAKES)) == HINT_COUNTS["after"]


# --- 6. float32 --------------------------------------------------------------------------------------------------


def test_a_right_answer_in_float32_is_told_to_use_float64(capsys, tmp_path):
    path = learner_file(tmp_path / "f32.py", 1, feedforward_float32)
    status, out, _ = run(capsys, "1", str(path))
    assert status == 1
    lines = out.splitlines()
    assert lines[2].startswith("  your arrays are float32; the check needs float64")
    assert lines[3].startswith("hint: keep float64")
    assert "none of the usual mistakes" not in out and "σ is missing" not in out


# --- 7. no exercise 99; two functions, two verdicts ------------------------------------------------------------


def test_no_exercise_99_comes_before_the_file(capsys):
    for argv in (["99"], ["99", "--start"], ["99", "nowhere.py"], ["0"], ["two"]):
        status, out, err = run(capsys, *argv)
        assert status == 2 and out == ""
        assert err == f"tinynet: no exercise {argv[0]!r}; 'tinynet exercise --list' lists them (1 to 8)\n"
    status, _, err = run(capsys, "3")
    assert status == 2 and err.startswith("tinynet: which file?")


@QUIET
def test_the_gradient_check_grades_its_two_functions_apart(capsys, tmp_path):
    n_numerical = sum(c.function == "numerical_gradient" for c in get(6).cases())
    n_relative = sum(c.function == "relative_error" for c in get(6).cases())
    passed, lines = graded(6, relative_error=relative_error_absolute)
    assert lines[0] == (
        f"exercise 6 (a numerical gradient check): numerical_gradient: all {n_numerical} cases pass; "
        f"relative_error: {n_relative - 1} of {n_relative} cases fail"  # the two all-zero gradients: 0 either way
    )
    assert lines[1].startswith("relative_error case 1: ")
    assert lines[-1].startswith("also failing: relative_error cases 2, 3")
    passed, lines = graded(6, numerical_gradient=numerical_gradient_sign)
    assert lines[0].endswith(
        f"numerical_gradient: {n_numerical} of {n_numerical} cases fail; relative_error: all {n_relative} cases pass"
    )
    # one written, the other not yet: the written one is graded, and the check fails
    path = learner_file(tmp_path / "half.py", 6)
    text = path.read_text().replace(
        "def relative_error(exact, numeric):\n", "def relative_error(exact, numeric):\n    raise NotImplementedError\n"
    )
    path.write_text(text)
    status, out, _ = run(capsys, "6", str(path))
    assert status == 1
    assert out == (
        f"exercise 6 (a numerical gradient check): numerical_gradient: all {n_numerical} cases pass; "
        "relative_error is not written yet (it raises NotImplementedError)\n"
    )


# --- 8. the whole backward pass -----------------------------------------------------------------------------


def test_the_backward_pass_is_graded_on_depths_1_to_4():
    cases = get(5).cases()
    depths = [len(case.args["weights"]) for case in cases]
    assert sorted(set(depths)) == [1, 2, 3, 4]
    assert any(len(set(case.args["zs"][i].shape[1] for i in range(d))) > 1 for case, d in zip(cases, depths))


def test_the_backward_pass_says_which_layers_are_right():
    passed, lines = graded(5, backward_pass=backward_pass_no_sigma_prime)
    assert any(
        re.match(r"^  the gradients of layers? [\d, ]+ (is|are) right; those of layers? [\d, ]+ (is|are) wrong$", l)
        for l in lines
    ) or any("are right; those of layer" in l for l in lines), lines


# --- 9. the docs follow the numbers ------------------------------------------------------------------------


def test_the_numbers_follow_the_lessons_in_the_command(capsys, tmp_path):
    # exercise 7 is gradient descent (lesson 8) now, exercise 8 the convolution; before, 5 and 7
    path = solution_file(tmp_path / "step.py", [gradient_descent_step])
    status, out, _ = run(capsys, "7", str(path))
    assert (status, out) == (0, "exercise 7 (one gradient-descent step): all 7 cases pass\n")
    assert run(capsys, "8", "--start")[0] == 0
    assert "def conv_backward(a_prev, K, delta):" in (tmp_path / "exercise_8.py").read_text()


def test_the_docs_show_what_the_grader_prints():
    docs = ROOT / "docs" / "exercises"
    index = (docs / "index.md").read_text()
    shown = index.split("```text\nexercise 3 (")[1].split("```")[0]
    assert "exercise 3 (" + shown == "\n".join(graded(3, backpropagate=backpropagate_mean)[1]) + "\n"
    for ex in exercises().values():  # a page per exercise, linking its lesson(s)
        page = next(docs.glob(f"{ex.NUMBER:02d}-*.md")).read_text()
        assert page.startswith(f"# Exercise {ex.NUMBER}: ")
        assert all(f"../lessons/{n:02d}-" in page for n in ex.LESSONS)
        assert f"tinynet exercise {ex.NUMBER} --start" in page
        assert all(f"`{name}(" in page for name in ex.SIGNATURES)
        assert f"exercises/{ex.NUMBER:02d}-" in (ROOT / "mkdocs.yml").read_text()
    assert len(list(docs.glob("0*.md"))) == 8


def test_each_core_lesson_ends_with_a_link_to_its_exercises():
    pages = {p.name[:2]: p for p in (ROOT / "docs" / "lessons").glob("0*.md")}
    links = {"02": [1], "04": [2], "05": [3, 5], "06": [4, 5], "07": [6], "08": [7]}
    for lesson, numbers in links.items():
        last = pages[lesson].read_text().rstrip().split("\n## ")[-1]
        assert last.startswith("Exercise"), (lesson, last)
        for n in numbers:
            page = next((ROOT / "docs" / "exercises").glob(f"{n:02d}-*.md")).name
            assert f"(../exercises/{page})" in last, (lesson, n)


# --- 10. the convolution's names ----------------------------------------------------------------------------


def test_the_convolution_exercise_names_each_thing_once(capsys, tmp_path):
    page = next((ROOT / "docs" / "exercises").glob("08-*.md")).read_text()
    assert run(capsys, "8", "--start", "conv.py")[0] == 0
    template = (tmp_path / "conv.py").read_text()
    for text in (page, template):
        assert "K.reshape(F, -1)" in text
        assert "(m, D, n_h, n_w)" in text and "(F, D, k, k)" in text
        assert not re.search(r"\bblock", text)  # a window is the convolution's; a block would be the pool's
        assert "window" in text
        assert not re.search(r"\(m, C, H, W\)|\bC channels|H x W", text)
