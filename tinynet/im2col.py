"""A convolution as a matrix product: every k x k window of a batch of maps copied into a column, and back.

``im2col`` lays the windows side by side, so that a convolution layer is the
dense layer's z = W a + b with the windows as its inputs (see
[`tinynet.layers.Conv2D`][tinynet.layers.Conv2D]); ``col2im`` carries the error of each window
back to the pixels it was copied from.
"""


def im2col(a, k, xp):
    """Every k x k window of a (m, C, H, W) as a column: shape (C·k·k, m·Ho·Wo), Ho = H-k+1, Wo = W-k+1.

    Column (sample, i, j) is the window a[sample, :, i:i+k, j:j+k], flattened;
    row (c, u, v) holds pixel a[c, i+u, j+v] of every window. The loop runs
    over the k·k offsets (u, v) only: each copies one shifted view of the batch.
    """
    m, C, H, W = a.shape
    Ho, Wo = H - k + 1, W - k + 1
    cols = xp.empty((C, k, k, m, Ho, Wo), a.dtype)
    for u in range(k):
        for v in range(k):
            cols[:, u, v] = a[:, :, u : u + Ho, v : v + Wo].transpose(1, 0, 2, 3)
    return cols.reshape(C * k * k, m * Ho * Wo)


def col2im(g, shape, k, xp):
    """The way back of im2col: each column of g (C·k·k, m·Ho·Wo) added onto the window it came from.

    A pixel lies in up to k·k windows, so ∂C/∂a[c, y, x] is the sum of the
    entries of g that were copies of it: Σ_(u, v) g[(c, u, v), (sample, y-u, x-v)].
    """
    m, C, H, W = shape
    Ho, Wo = H - k + 1, W - k + 1
    g = g.reshape(C, k, k, m, Ho, Wo)
    out = xp.zeros(shape, g.dtype)
    for u in range(k):
        for v in range(k):
            out[:, :, u : u + Ho, v : v + Wo] += g[:, u, v].transpose(1, 0, 2, 3)
    return out
