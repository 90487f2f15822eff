"""A matplotlib figure as the PNG bytes an ``ipywidgets.Image`` shows: what every widget draws with."""

import io


def figure_png(fig):
    """A matplotlib figure as PNG bytes (for an ``ipywidgets.Image``); the figure is closed."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()
