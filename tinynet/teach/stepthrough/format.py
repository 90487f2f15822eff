"""Numbers as the step-through shows them: plain text, LaTeX vectors and matrices, layer numbers."""

import numpy as np

DIGITS = 4  # the numbers shown: 4 decimals (very small ones in scientific notation, 3 significant digits)


def fmt(v):
    """A number as the page shows it (the JavaScript's ``fmt`` writes the same digits)."""
    v = float(v) + 0.0  # -0.0 is written 0.0000, as JavaScript writes it
    if v == 0 or abs(v) >= 1e-3:
        return f"{v:.{DIGITS}f}"
    mantissa, exponent = f"{v:.2e}".split("e")
    return f"{mantissa}e{int(exponent)}"  # 3.17e-4, as JavaScript's toExponential writes it


def tex_num(v):
    text = fmt(v)
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa}\times 10^{{{int(exponent)}}}"
    return text


def tex_col(v):
    """A column vector."""
    v = np.ravel(v)
    return r"\begin{pmatrix}" + r" \\ ".join(tex_num(e) for e in v) + r"\end{pmatrix}"


def tex_row(v):
    return r"\begin{pmatrix}" + " & ".join(tex_num(e) for e in np.ravel(v)) + r"\end{pmatrix}"


WIDE = 16  # a vector longer than this is written as its length only, and a layer wider drawn as a strip


def tex_vec(v, row=False):
    """A column vector (or, ``row``, its transpose) in LaTeX; longer than ``WIDE``, only its length."""
    v = np.ravel(v)
    if v.size > WIDE:
        return rf"\underset{{{v.size}}}{{[\,\cdots\,]}}" + (r"^{T}" if row else "")
    return tex_row(v) if row else tex_col(v)


def tex_mat(M, most=16):
    """A matrix, or (with more than ``most`` entries) only its shape."""
    M = np.atleast_2d(M)
    if M.size > most:
        return rf"\underset{{{M.shape[0]}\times {M.shape[1]}}}{{[\,\cdots\,]}}"
    return r"\begin{pmatrix}" + r" \\ ".join(" & ".join(tex_num(e) for e in row) for row in M) + r"\end{pmatrix}"


SIGMA_TEX = {
    "sigmoid": r"\sigma",
    "tanh": r"\tanh",
    "relu": r"\mathrm{relu}",
    "softmax": r"\mathrm{softmax}",
    "identity": r"\mathrm{id}",
    "elu": r"\mathrm{elu}",
    "softplus": r"\mathrm{softplus}",
    "lecun_tanh": r"\mathrm{lecun\_tanh}",
}


SIGMA_HTML = {"sigmoid": "σ", "identity": "id"}  # σ in a page's HTML; the other activations by their name


def sigma_html(name):
    """An activation's symbol in HTML: "σ" for the sigmoid, "id" for the identity, else its name ("relu")."""
    return SIGMA_HTML.get(name, name)


def sup(n):
    """A layer number as superscript digits, for the plain-text titles: 12 -> ¹²."""
    return str(n).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))


def sub(n):
    """A layer number as subscript digits: 12 -> ₁₂."""
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
