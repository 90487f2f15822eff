"""A convolution as a matrix product: every k x k window of a batch of maps copied into a column, and back.

``im2col`` lays the windows side by side, so that a convolution layer is the
dense layer's z = W a + b with the windows as its inputs (see
[`tinynet.conv.layers.Conv2D`][tinynet.conv.layers.Conv2D]); ``col2im`` carries the error of each window
back to the pixels it was copied from.
"""

from tinynet.arrays import array_module


def im2col(a, k):
    """Every k x k window of a (m, D, H, V) as a column: shape (D·k·k, m·Ho·Vo), Ho = H-k+1, Vo = V-k+1.

    Column (sample, i, j) is the window a[sample, :, i:i+k, j:j+k], flattened;
    row (c, u, v) holds pixel a[c, i+u, j+v] of every window. The loop runs
    over the k·k offsets (u, v) only: each copies one shifted view of the batch.
    """
    m, D, H, V = a.shape
    Ho, Vo = H - k + 1, V - k + 1
    cols = array_module(a).empty((D, k, k, m, Ho, Vo), a.dtype)
    for u in range(k):
        for v in range(k):
            cols[:, u, v] = a[:, :, u : u + Ho, v : v + Vo].transpose(1, 0, 2, 3)
    return cols.reshape(D * k * k, m * Ho * Vo)


def col2im(g, shape, k):
    """The way back of im2col: each column of g (D·k·k, m·Ho·Vo) added onto the window it came from.

    A pixel lies in up to k·k windows, so ∂C/∂a[c, y, x] is the sum of the
    entries of g that were copies of it: Σ_(u, v) g[(c, u, v), (sample, y-u, x-v)].
    """
    m, D, H, V = shape
    Ho, Vo = H - k + 1, V - k + 1
    g = g.reshape(D, k, k, m, Ho, Vo)
    out = array_module(g).zeros(shape, g.dtype)
    for u in range(k):
        for v in range(k):
            out[:, :, u : u + Ho, v : v + Vo] += g[:, u, v].transpose(1, 0, 2, 3)
    return out
