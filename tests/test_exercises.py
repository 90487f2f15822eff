"""The exercises: each reference solution (here, never in tinynet) passes; each usual mistake is caught with its hint.

The reference solutions and their deliberately wrong variants are plain functions of this file. A
reference is written to a file and checked through the command line (``tinynet exercise N FILE``); a
wrong variant is graded directly under the name the exercise asks for.
"""

import inspect
import textwrap

import numpy as np
import pytest

from tinynet.cli import main as tinynet
from tinynet.exercises import exercises, get
from tinynet.exercises.grading import grade, wrap

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


# --- 5. one gradient-descent step -------------------------------------------------------------------------


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
    return np.linalg.norm(exact - numeric) / (np.linalg.norm(exact) + np.linalg.norm(numeric))


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


# --- 7. a convolution's backward pass ---------------------------------------------------------------------


def conv_backward(a_prev, K, delta):
    F, C, k, _ = K.shape
    m, _, Ho, Wo = delta.shape
    dK, da = np.zeros_like(K), np.zeros_like(a_prev)
    for u in range(k):
        for v in range(k):
            window = a_prev[:, :, u : u + Ho, v : v + Wo]  # a_prev[s, c, i+u, j+v] for every (s, c, i, j)
            dK[:, :, u, v] = np.einsum("sfij,scij->fc", delta, window)
            da[:, :, u : u + Ho, v : v + Wo] += np.einsum("sfij,fc->scij", delta, K[:, :, u, v])
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


# --- the table: exercise, reference(s), and each mistake with a phrase of its hint -----------------------

REFERENCES = {
    1: [feedforward],
    2: [output_error],
    3: [backpropagate],
    4: [gradients],
    5: [gradient_descent_step],
    6: [numerical_gradient, relative_error],
    7: [conv_backward],
}

MISTAKES = [
    (1, feedforward_no_bias, "forgetting the bias"),
    (1, feedforward_minus_bias, "a sign error"),
    (1, feedforward_transposed, "a transposed W"),
    (1, feedforward_reversed, "the layers in the wrong order"),
    (1, feedforward_no_input, "start with a^0 = x"),
    (1, feedforward_no_sigma, "σ is missing"),
    (2, output_error_no_sigma_prime, "a missing σ' factor"),
    (2, output_error_sigma_prime_with_cross_entropy, "σ' cancels out"),
    (2, output_error_softmax_elementwise, "softmax is not element-wise"),
    (2, output_error_sigma_prime_of_a, "σ' is taken at z^L"),
    (2, output_error_sign, "a sign error"),
    (2, output_error_mean, "off by a factor m"),
    (3, backpropagate_no_sigma_prime, "a missing σ' factor"),
    (3, backpropagate_transposed, "a transposed W"),
    (3, backpropagate_sign, "a sign error"),
    (3, backpropagate_mean, "off by a factor m"),
    (3, backpropagate_only_sigma_prime, "σ' multiplies the error"),
    (4, gradients_mean, "off by a factor m"),
    (4, gradients_transposed, "a transposed gradient"),
    (4, gradients_reversed, "the layers in the wrong order"),
    (4, gradients_swapped, "weights first"),
    (4, gradients_wrong_layer, "delta^l goes with a^(l-1)"),
    (4, gradients_bias_not_summed, "summed over the samples"),
    (4, gradients_sign, "a sign error"),
    (5, gradient_descent_step_eta, "η instead of η/m"),
    (5, gradient_descent_step_sign, "a sign error"),
    (5, gradient_descent_step_no_bias, "forgetting the bias"),
    (5, gradient_descent_step_unchanged, "did not change"),
    (6, numerical_gradient_over_eps, "off by a factor 2"),
    (6, numerical_gradient_one_sided, "one-sided difference"),
    (6, numerical_gradient_sign, "a sign error"),
    (6, numerical_gradient_not_put_back, "put each parameter back"),
    (6, relative_error_absolute, "must be relative"),
    (6, relative_error_one_norm, "sum of both norms"),
    (6, relative_error_squares, "square roots"),
    (7, conv_backward_mean, "off by a factor m"),
    (7, conv_backward_sign, "a sign error"),
    (7, conv_backward_flipped, "a flipped kernel"),
    (7, conv_backward_bias_per_position, "every position"),
    (7, conv_backward_first_sample, "every sample of the batch"),
]


def solution_file(path, functions):
    """Write ``functions`` (by their source, renamed to what the exercise asks for) to ``path``."""
    parts = ["import numpy as np\n"]
    for f in functions:
        parts.append(textwrap.dedent(inspect.getsource(f)))
    path.write_text("\n\n".join(parts))
    return path


def graded(number, **functions):
    """Grade the given functions for exercise ``number`` (the reference for each one not given)."""
    ex = get(number)
    given = {f.__name__: f for f in REFERENCES[number]} | functions
    return grade(ex, {name: wrap(f, name) for name, f in given.items()}, "solution.py")


def run(capsys, *argv):
    status = tinynet(["exercise", *argv])
    out = capsys.readouterr()
    return status, out.out, out.err


# --- the tests ------------------------------------------------------------------------------------------------


def test_there_are_seven_exercises_each_with_its_references():
    assert sorted(exercises()) == sorted(REFERENCES) == list(range(1, 8))
    for number, ex in exercises().items():
        assert set(ex.SIGNATURES) == {f.__name__ for f in REFERENCES[number]}


@pytest.mark.parametrize("number", sorted(REFERENCES))
def test_the_reference_solution_passes(capsys, tmp_path, number):
    path = solution_file(tmp_path / f"solution_{number}.py", REFERENCES[number])
    status, out, err = run(capsys, str(number), str(path))
    assert status == 0, out + err
    cases = len(get(number).cases())
    assert out.strip() == f"exercise {number} ({get(number).TITLE}): all {cases} cases pass"
    assert cases >= 6


@pytest.mark.parametrize("number,function,hint", MISTAKES, ids=[f.__name__ for _, f, _ in MISTAKES])
def test_a_usual_mistake_is_caught_with_its_hint(number, function, hint):
    name = next(f.__name__ for f in REFERENCES[number] if function.__name__.startswith(f.__name__))
    passed, lines = graded(number, **{name: function})
    assert not passed
    report = "\n".join(lines)
    assert lines[0].startswith(f"exercise {number} (") and "cases fail" in lines[0]
    assert lines[1].startswith("case ")
    hints = [line for line in lines if line.startswith("hint: ")]
    assert any(hint in h for h in hints), report


def test_the_report_names_the_case_the_array_the_entry_expected_and_got():
    passed, lines = graded(3, backpropagate=backpropagate_no_sigma_prime)
    assert (
        lines[1] == "case 1: sizes [3, 4, 2], activations sigmoid/sigmoid, quadratic cost, a batch of m=1; "
        "layer l=1 (sigmoid)"
    )
    assert lines[2].startswith("  delta (the return value), entry [0, 0]: expected ")
    assert ", got " in lines[2] and "entries differ" in lines[2]
    assert lines[3] == "hint: a missing σ' factor: delta^l = ((W^(l+1))ᵀ delta^(l+1)) ⊙ σ'(z^l)"
    passed, lines = graded(1, feedforward=feedforward_no_input)
    assert lines[2] == "  activations: expected a list of 3, got a list of 2"


def test_a_wrong_file_exits_with_status_1_and_the_report(capsys, tmp_path):
    path = solution_file(tmp_path / "mine.py", [backpropagate_mean])
    path.write_text(path.read_text().replace("def backpropagate_mean(", "def backpropagate("))
    status, out, err = run(capsys, "3", str(path))
    assert status == 1 and err == ""
    assert out.startswith("exercise 3 (backpropagating one layer): 9 of 12 cases fail\n")  # the 3 with m = 1 pass
    assert "hint: off by a factor m" in out


def test_list(capsys):
    status, out, _ = run(capsys, "--list")
    assert status == 0
    lines = out.splitlines()[1:]
    assert len(lines) == 7
    assert lines[0].split()[:2] == ["1", "feedforward"] and "lesson  2" in lines[0]
    assert "conv_backward" in lines[6] and "lesson 13" in lines[6]


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
def test_the_unfinished_template_is_not_written_yet(capsys, tmp_path, number):
    run(capsys, str(number), "--start")
    status, out, err = run(capsys, str(number), f"exercise_{number}.py")
    first = REFERENCES[number][0].__name__
    assert (status, out) == (2, "")
    assert err == f"tinynet: exercise_{number}.py: {first} is not written yet (it raises NotImplementedError)\n"


def test_a_syntax_error_is_one_line(capsys, tmp_path):
    (tmp_path / "bad.py").write_text("import numpy as np\n\ndef feedforward(x, weights, biases, sigmas)\n    pass\n")
    status, out, err = run(capsys, "1", "bad.py")
    assert status == 2 and out == ""
    assert err == "tinynet: bad.py line 3: expected ':' (a syntax error: Python cannot read the file)\n"


def test_a_missing_function_is_one_line(capsys, tmp_path):
    solution_file(tmp_path / "half.py", [numerical_gradient])
    status, out, err = run(capsys, "6", "half.py")
    assert status == 2 and out == ""
    assert err == (
        "tinynet: half.py: no function relative_error; exercise 6 asks for relative_error(exact, numeric) -> float\n"
    )


def test_a_file_that_fails_to_import_or_is_missing_is_one_line(capsys, tmp_path):
    (tmp_path / "boom.py").write_text("import numpy as np\nx = 1 / 0\n")
    status, _, err = run(capsys, "3", "boom.py")
    assert status == 2
    assert err == (
        "tinynet: boom.py: running the file raised ZeroDivisionError: division by zero (at boom.py line 2: x = 1 / 0)\n"
    )
    status, _, err = run(capsys, "3", "nowhere.py")
    assert (status, err) == (2, "tinynet: nowhere.py does not exist ('tinynet exercise 3 --start' writes a template)\n")
    status, _, err = run(capsys, "9", "nowhere.py")
    assert (status, err) == (2, "tinynet: no exercise '9'; 'tinynet exercise --list' lists them (1 to 7)\n")


def test_an_exception_in_the_learners_code_is_a_failing_case_with_its_line(capsys, tmp_path):
    solution_file(tmp_path / "t.py", [backpropagate_transposed])
    (tmp_path / "t.py").write_text((tmp_path / "t.py").read_text().replace("_transposed(", "("))
    status, out, _ = run(capsys, "3", "t.py")
    assert status == 1
    assert "your code raised ValueError: matmul" in out and "(at t.py line 5: return (delta_next @ W_next.T)" in out
    assert "hint: mind the shapes" in out and "hint: a transposed W" in out


def test_the_templates_hold_no_solution():
    for ex in exercises().values():
        namespace = {}
        exec(compile(ex.TEMPLATE, "template", "exec"), namespace)
        for name in ex.SIGNATURES:
            with pytest.raises(NotImplementedError):
                namespace[name](*[None] * namespace[name].__code__.co_argcount)


def test_the_docs_show_what_the_grader_prints():
    from pathlib import Path

    docs = Path(__file__).resolve().parents[1] / "docs" / "exercises"
    index = (docs / "index.md").read_text()
    shown = index.split("```text\nexercise 3 (")[1].split("```")[0]
    assert "exercise 3 (" + shown == "\n".join(graded(3, backpropagate=backpropagate_mean)[1]) + "\n"
    for ex in exercises().values():  # a page per exercise, linking its lesson
        page = next(docs.glob(f"{ex.NUMBER:02d}-*.md")).read_text()
        assert f"../lessons/{ex.LESSON:02d}-" in page and f"tinynet exercise {ex.NUMBER} --start" in page
        assert all(f"`{name}(" in page for name in ex.SIGNATURES)
