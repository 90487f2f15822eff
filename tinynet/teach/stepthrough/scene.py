"""The drawing a step lights up: units in columns, edges, heat maps, and the targets a step's arrays go to.

A scene is plain JSON: ``units`` (circles), ``edges`` (lines between units),
``maps`` (heat-map grids) and ``texts``, placed on a canvas of ``width`` by
``height``; ``slots`` names the rows of numbers shown beside each unit.
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


def map_grid(scene, prefix, channels, x, y, rows, cols, cell, label, gap=14):
    """``channels`` heat maps of rows x cols cells, one below the other at (x, y); returns their ids."""
    ids = []
    for c in range(channels):
        mid = f"{prefix}_{c}"
        scene["maps"].append(
            {"id": mid, "x": x, "y": y + c * (rows * cell + gap), "rows": rows, "cols": cols, "cell": cell}
        )
        ids.append(mid)
    scene["texts"].append({"x": x, "y": y - 8, "text": label, "cls": "st-layer st-left"})
    return ids
