"""The drawing a step lights up: units in columns, edges, heat maps, and the targets a step's arrays go to.

A scene is plain JSON: ``units`` (circles), ``edges`` (lines between units),
``maps`` (heat-map grids) and ``texts``, placed on a canvas of ``width`` by
``height``; ``slots`` names the rows of numbers shown beside each unit.

A layer too wide to draw unit by unit is a ``strip`` (one cell a unit), a
784-wide input is the 28x28 image it is, and a weight matrix too large to
write out is a heat map; a part with ``labels`` (see ``steps.part``) has its
largest entries labelled with their values beside the strip or map.
"""

SLOTS = ["z", "a", "δ", "∂C/∂b", "y"]  # the text rows beside a unit, in order


def new_scene(width, height, slots=SLOTS):
    """An empty drawing of ``width`` by ``height``."""
    return {"width": width, "height": height, "units": [], "edges": [], "maps": [], "texts": [], "slots": slots}


# --- where a step's array is drawn ------------------------------------------------------------------------


def units(ids, slot):
    """On the units ``ids``, in their text row ``slot`` (an index into ``SLOTS``)."""
    return {"type": "units", "ids": ids, "slot": slot}


def edges(ids):
    """On the edges ``ids``, one value each (a weight or its gradient)."""
    return {"type": "edges", "ids": ids}


def maps(ids):
    """On the heat maps ``ids``, one map per channel."""
    return {"type": "maps", "ids": ids}


COST = {"type": "texts", "ids": ["cost"]}  # the C beside the output
NOWHERE = {"type": "none"}  # not drawn (the table and "where a number comes from" show it)


# --- placing units and maps -------------------------------------------------------------------------------


def column(scene, ids, x, top, bottom, label):
    """Units ``ids`` one above the other at x, spread between top and bottom."""
    n = len(ids)
    gap = (bottom - top) / n
    for i, uid in enumerate(ids):
        scene["units"].append(
            {"id": uid, "x": x, "y": round(top + gap * (i + 0.35), 1), "r": 13, "label": str(i)}
        )  # from 0, as in the lessons
    scene["texts"].append({"x": x, "y": top - 14, "text": label, "cls": "st-layer"})


def map_grid(scene, prefix, channels, x, y, rows, cols, cell, label, gap=14, cellh=None):
    """``channels`` heat maps of rows x cols cells, one below the other at (x, y); returns their ids.

    A cell is ``cell`` wide and ``cellh`` (default ``cell``) high.
    """
    cellh = cell if cellh is None else cellh
    ids = []
    for c in range(channels):
        mid = f"{prefix}_{c}"
        spec = {"id": mid, "x": x, "y": y + c * (rows * cellh + gap), "rows": rows, "cols": cols, "cell": cell}
        if cellh != cell:
            spec["cellh"] = cellh
        scene["maps"].append(spec)
        ids.append(mid)
    scene["texts"].append({"x": x, "y": y - 8, "text": label, "cls": "st-layer st-left"})
    return ids


def strip(scene, prefix, n, x, top, bottom, label, width=14):
    """A layer of ``n`` units too many to draw one by one: a column of n cells between top and bottom."""
    cellh = min(14.0, round((bottom - top) / n, 3))
    return map_grid(scene, prefix, 1, x - width / 2, top, n, 1, width, label, cellh=cellh)
