"""The fused passes of FastConvNet's layers: a convolution (with the max-pool after it), max-pooling.

Each function computes what a layer of [`tinynet.conv.layers`][tinynet.conv.layers] computes, in
the layouts and with the tricks [`tinynet.conv.fast`][tinynet.conv.fast] describes: the
windows with a row of ones (the bias as a weight), a convolution that gives
the following pool's candidates directly (``pool_kernels``), the pool's
maximum as a knockout tournament (``_knockout``) and its way back
(``_route``), and every large array kept between passes (``scratch``).
"""


def scratch(memo, key, shape, dtype, xp, like=None):
    """An array for ``key`` kept in ``memo`` between passes (made on the first, or when its shape changes).

    A pass over a batch of 200 digits makes about 100 MB of large arrays;
    allocated afresh on every step, the allocator hands them back to the
    operating system and page-faults them in again on the next, which costs as
    much as the arithmetic. With no memo a new array is made each time.
    ``like``: an array whose shape and memory layout to copy (e.g. a transposed view).
    """
    arr = memo.get(key) if memo is not None else None
    if like is not None:
        if arr is None or arr.shape != like.shape or arr.strides != like.strides or arr.dtype != like.dtype:
            arr = xp.empty_like(like)
    elif arr is None or arr.shape != tuple(shape) or arr.dtype != dtype:
        arr = xp.empty(shape, dtype)
    if memo is not None:
        memo[key] = arr
    return arr


def im2col(a, k, xp, out, stride=1):
    """Every k x k window of a (m, C, H, W), ``stride`` apart, as a column of ``out`` (C·k·k, m·Ho·Wo)."""
    m, C, H, W = a.shape
    Ho, Wo = (H - k) // stride + 1, (W - k) // stride + 1
    cols = out.reshape(C, k, k, m, Ho, Wo)
    for u in range(k):
        for v in range(k):
            cols[:, u, v] = a[
                :, :, u : u + stride * (Ho - 1) + 1 : stride, v : v + stride * (Wo - 1) + 1 : stride
            ].transpose(1, 0, 2, 3)
    return out


def windows(a, k, xp, memo, pool=1):
    """im2col's windows with a last row of ones, ``[cols; 1]``: (C·k·k + 1, m·Ho·Wo).

    A bias is a weight on an input that is always 1: with the row of ones,
    ``z = [K b] [cols; 1]`` and ``[∂C/∂K ∂C/∂b] = delta [cols; 1]ᵀ`` are one product each.
    With ``pool`` = s > 1 the windows are the pool's (k+s-1) x (k+s-1)
    patches, s apart, one per pooled value (see ``pool_kernels``).
    """
    m, C, H, W = a.shape
    kp, s = k + pool - 1, pool
    shape = (C * kp * kp + 1, m * ((H - k + 1) // s) * ((W - k + 1) // s))
    cols = memo.get("cols") if memo is not None else None
    if cols is None or cols.shape != shape or cols.dtype != a.dtype:
        cols = xp.empty(shape, a.dtype)
        cols[-1] = 1  # kept between passes: only the windows above it are rewritten
        if memo is not None:
            memo["cols"] = cols
    im2col(a, kp, xp, cols[:-1], stride=s)
    return cols


def pool_kernels(K, b, s, xp, memo=None):
    """[K b] for a patch of an s x s pool: the s·s copies of K, shape (F·s·s, C·(k+s-1)² + 1).

    Candidate (p, q) of pooled value (i, j) is z at (s·i + p, s·j + q): the
    k x k window at offset (p, q) of the patch at (s·i, s·j). So row (f, p, q)
    holds K[f] at offset (p, q) of the patch, zeros elsewhere, then b[f].
    """
    F, C, k, _ = K.shape
    Kp = scratch(memo, "Kp", (F, s, s, C * (k + s - 1) ** 2 + 1), K.dtype, xp)
    grid = Kp[..., :-1].reshape(F, s, s, C, k + s - 1, k + s - 1)
    grid[...] = 0
    for p in range(s):
        for q in range(s):
            grid[:, p, q, :, p : p + k, q : q + k] = K
    Kp[..., -1] = b[:, None, None]
    return Kp.reshape(F * s * s, -1)


def conv_forward(a, K, b, xp, memo, pool=1):
    """z = K * a + b: (m, F, Ho, Wo), or with ``pool`` = s > 1 the pool's candidates (F, s·s, m, Ho/s, Wo/s)."""
    m, _, H, W = a.shape
    F, k = K.shape[0], K.shape[2]
    cols = windows(a, k, xp, memo, pool)  # kept in the memo: backward needs the same windows
    if pool > 1:
        Kb = pool_kernels(K, b, pool, xp, memo)
    else:
        Kb = scratch(memo, "Kb", (F, cols.shape[0]), a.dtype, xp)
        Kb[:, :-1] = K.reshape(F, -1)
        Kb[:, -1] = b
    z = xp.matmul(Kb, cols, out=scratch(memo, "z", (Kb.shape[0], cols.shape[1]), a.dtype, xp))
    if pool > 1:
        return z.reshape(F, pool * pool, m, (H - k + 1) // pool, (W - k + 1) // pool)
    return z.reshape(F, m, H - k + 1, W - k + 1).transpose(1, 0, 2, 3)


def conv_backward(a, delta, K, nabla_k, nabla_b, xp, memo, need_input_grad):
    """∂C/∂K, ∂C/∂b into nabla_k, nabla_b; returns ∂C/∂a (delta, padded by k-1, correlated with K flipped)."""
    F, k = K.shape[0], K.shape[2]
    s = int(round(delta.shape[1] ** 0.5)) if delta.ndim == 5 else 1  # the pool that follows
    d = delta.reshape(F * s * s, -1) if s > 1 else delta.transpose(1, 0, 2, 3).reshape(F, -1)
    cols = memo["cols"]  # the forward pass's windows
    # [∂C/∂K ∂C/∂b]ᵀ = [cols; 1] deltaᵀ: in this order (the long sum inside) OpenBLAS runs it faster
    nabla_kb_t = xp.matmul(cols, d.T, out=scratch(memo, "nabla_kb_t", (cols.shape[0], d.shape[0]), d.dtype, xp))
    if s == 1:
        nabla_k.reshape(F, -1)[...] = nabla_kb_t[:-1].T
        nabla_b[...] = nabla_kb_t[-1]
    else:  # the gradient of each of K's s·s copies (see pool_kernels), added up
        grid = nabla_kb_t[:-1].T.reshape(F, s, s, -1, k + s - 1, k + s - 1)
        nabla_k[...] = grid[:, 0, 0, :, :k, :k]
        for p in range(s):
            for q in range(s):
                if p or q:
                    nabla_k += grid[:, p, q, :, p : p + k, q : q + k]
        nabla_b[...] = nabla_kb_t[-1].reshape(F, s * s).sum(axis=1)
    if not need_input_grad:
        return None
    m, _, H, W = a.shape
    Ho, Wo = H - k + 1, W - k + 1
    shape = (m, F, Ho + 2 * (k - 1), Wo + 2 * (k - 1))
    padded = memo.get("padded")
    if padded is None or padded.shape != shape:
        padded = memo["padded"] = xp.zeros(shape, delta.dtype)  # the border stays 0; each pass writes the middle
    if s > 1:  # the pool's candidates (F, s·s, m, Ho/s, Wo/s) back to their places
        H2, W2 = delta.shape[3:]
        middle = padded[:, :, k - 1 : k - 1 + s * H2, k - 1 : k - 1 + s * W2]  # what the pool cuts stays 0
        middle.reshape(m, F, H2, s, W2, s)[...] = delta.reshape(F, s, s, m, H2, W2).transpose(3, 0, 4, 1, 5, 2)
    else:
        padded[:, :, k - 1 : k - 1 + Ho, k - 1 : k - 1 + Wo] = delta
    flipped = K[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)  # (C, F, k, k)
    return conv_forward(padded, flipped, xp.zeros(flipped.shape[0], delta.dtype), xp, memo.setdefault("input_grad", {}))


def _places(a, s):
    """The views of the maps a (m, C, H, W) where candidate (p, q) of every s x s window lies, as (C, m, H/s, W/s)."""
    H2, W2 = a.shape[2] // s, a.shape[3] // s
    return [a[:, :, p : s * H2 : s, q : s * W2 : s].transpose(1, 0, 2, 3) for p in range(s) for q in range(s)]


def pool_forward(a, s, xp, memo):
    """The pooled maps (m, C, H/s, W/s), from maps a or from a convolution's candidates (5 axes)."""
    if a.ndim == 5:
        cand = a
    else:
        m, C, H, W = a.shape
        cand = scratch(memo, "candidates", (C, s * s, m, H // s, W // s), a.dtype, xp)
        for i, place in enumerate(_places(a, s)):
            cand[:, i] = place
    best, memo["rounds"] = _knockout([cand[:, i] for i in range(cand.shape[1])], xp, memo)
    return best.transpose(1, 0, 2, 3)  # lying channel by channel in memory, as the blocks do


def pool_backward(a, delta, s, xp, memo):
    """∂C/∂a: each window's error to its arg-max; in the candidates' layout when a convolution gave them."""
    shape = a.shape if a.ndim == 5 else (a.shape[1], s * s, a.shape[0], a.shape[2] // s, a.shape[3] // s)
    g = scratch(memo, "g candidates", shape, delta.dtype, xp)
    delta = delta.transpose(1, 0, 2, 3)  # (C, m, H/s, W/s), as the blocks
    _route(delta, memo["rounds"], [g[:, i] for i in range(s * s)], xp, scratch(memo, "mask", delta.shape, xp.bool_, xp))
    if a.ndim == 5:
        return g  # to the convolution, in its own layout
    out = scratch(memo, "g", a.shape, delta.dtype, xp)  # each block back to its places
    if a.shape[2] % s or a.shape[3] % s:
        out[...] = 0  # the cut-off rows and columns get no error
    for i, place in enumerate(_places(out, s)):
        place[...] = g[:, i]
    return out


def _knockout(players, xp, memo):
    """The element-wise maximum of equally shaped arrays, played as a knockout tournament.

    Round after round, player 0 meets player 1, 2 meets 3, ... (an odd one out
    goes through). A match is one ``xp.maximum``; whether the second player won
    (strictly greater: on a tie the first wins) is kept for the way back.
    Returns the champion and, per round, the matches' results.
    """
    rounds = []
    while len(players) > 1:
        winners, results = [], []
        for i in range(0, len(players) - 1, 2):
            first, second = players[i], players[i + 1]
            key = f"round {len(rounds)} match {i // 2}"
            results.append(xp.greater(second, first, out=scratch(memo, key + " won", first.shape, xp.bool_, xp)))
            winners.append(xp.maximum(first, second, out=scratch(memo, key, first.shape, first.dtype, xp)))
        winners += players[len(players) - len(players) % 2 :]  # the odd one out
        rounds.append(results)
        players = winners
    return players[0], rounds


def _route(delta, rounds, out, xp, mask):
    """The tournament played back: a player's error is delta where it won every match it played, else 0.

    ``out``: one array per player of the first round, written in place; ``mask``:
    a bool array of delta's shape to work in. Exactly one player of each window,
    the arg-max, gets the error.
    """
    for player in range(len(out)):
        path, i = None, player  # path: where this player won every match so far; i: its place in the round
        for matches in rounds:
            match, second = divmod(i, 2)
            if match == len(matches):  # the odd one out: no match this round
                i = match
                continue
            won = matches[match]
            if path is None:
                path = won if second else xp.logical_not(won, out=mask)
            elif second:
                path = xp.logical_and(path, won, out=mask)
            else:
                path = xp.greater(path, won, out=mask)  # path and not won
            i = match
        if path is None:  # a single player: no matches
            xp.copyto(out[player], delta)
        else:
            xp.multiply(delta, path, out=out[player])
