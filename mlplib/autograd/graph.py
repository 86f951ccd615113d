"""Draw a computational graph of :class:`~mlplib.autograd.Value` nodes (matplotlib).

Each value is a box showing its label, its forward value (``data``, top line) and its
gradient (``grad``, bottom line, after :meth:`~mlplib.autograd.Value.backward`); each
operation is a circle between its inputs and its output. Columns follow the depth in the
graph: inputs on the left, the output on the right, so the forward pass reads left to
right and the backward pass right to left. Pure matplotlib, so it renders offline in
the book.
"""

import matplotlib.pyplot as plt
from matplotlib.patches import Circle, FancyBboxPatch

COLUMN = 1.3  # horizontal distance between a value and its operation circle
ROW = 1.2  # vertical distance between neighbouring nodes


def layout(root):
    """Positions ``{id(node): (x, y)}`` of the values and ``{("op", id(node)): (x, y)}``
    of their operations.

    Columns follow depth: a computed value sits one column pair right of its deepest
    input, with its operation circle in between; an input sits just left of the first
    operation that uses it. Rows come from a tidy tree drawn from the output: each value
    is centred on the inputs it is the first to use, so an expression reads like a
    circuit diagram, inputs left and output right.
    """
    order = root.topological_order()
    depth = _depths(order)
    y = _rows(root)
    columns = {}
    for v in order:
        columns.setdefault(depth[id(v)], []).append(v)
    for nodes in columns.values():  # keep the order, push overlapping nodes apart
        nodes.sort(key=lambda v: -y[id(v)])
        for above, below in zip(nodes, nodes[1:]):
            y[id(below)] = min(y[id(below)], y[id(above)] - 1.0)
    pos = {}
    for v in order:
        pos[id(v)] = (2 * COLUMN * depth[id(v)], ROW * y[id(v)])
        if v.children:
            pos[("op", id(v))] = (2 * COLUMN * depth[id(v)] - COLUMN, ROW * y[id(v)])
    return pos


def _depths(order):
    """Column of each value: one more than its deepest input; leaves sit just left of
    the first operation that uses them."""
    depth, parents = {}, {}
    for v in order:
        depth[id(v)] = 1 + max((depth[id(c)] for c in v.children), default=-1)
        for c in v.children:
            parents.setdefault(id(c), []).append(v)
    for v in order:
        if not v.children and id(v) in parents:
            depth[id(v)] = min(depth[id(p)] for p in parents[id(v)]) - 1
    return depth


def _rows(root):
    """Row of each value in a tidy tree drawn from the output: a value belongs to the
    first node (from the output) that uses it and is centred on the values it owns."""
    owned, seen, y = {}, {id(root)}, {}

    def own(v):
        owned[id(v)] = []
        for c in v.children:
            if id(c) not in seen:
                seen.add(id(c))
                owned[id(v)].append(c)
                own(c)

    def place(v, top):  # returns the number of rows used
        rows = 0
        for c in owned[id(v)]:
            rows += place(c, top - rows)
        kids = owned[id(v)]
        y[id(v)] = (y[id(kids[0])] + y[id(kids[-1])]) / 2 if kids else top
        return max(rows, 1)

    own(root)
    place(root, 0.0)
    return y


def _label(v):
    if v.label:
        return v.label
    return "" if v.children else "const"


BOX_W, BOX_H, R = 1.05, 1.0, 0.32  # value box and operation circle sizes
ARROW = dict(arrowstyle="->", color="0.35", lw=1, shrinkA=0, shrinkB=0)
CENTRED = dict(ha="center", va="center", zorder=4)


def draw(root, ax=None, title=None, show_grad=True, precision=4):
    """Draw the graph that computes ``root``: forward value in black, gradient in red
    italics below it."""
    pos = layout(root)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    if ax is None:
        width = min(10.0, 0.62 * (max(xs) - min(xs) + 1.6))
        height = min(4.0, 0.62 * (max(ys) - min(ys) + 1.4))
        _, ax = plt.subplots(figsize=(width, height))
    for v in root.topological_order():
        if v.children:
            _draw_operation(ax, v, pos)
        _draw_value(ax, v, pos[id(v)], show_grad, precision)
    ax.set_xlim(min(xs) - 0.65, max(xs) + 0.65)
    ax.set_ylim(min(ys) - 0.55, max(ys) + 0.55)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def _draw_operation(ax, v, pos):
    """The circle of ``v``'s operation, arrows from its inputs and one to ``v``."""
    (x, y), (ox, oy) = pos[id(v)], pos[("op", id(v))]
    for c in v.children:
        cx, cy = pos[id(c)]
        ax.annotate("", xy=(ox - R, oy), xytext=(cx + BOX_W / 2, cy), arrowprops=ARROW)
    ax.annotate("", xy=(x - BOX_W / 2, y), xytext=(ox + R, oy), arrowprops=ARROW)
    ax.add_patch(Circle((ox, oy), R, facecolor="#fdf2d0", edgecolor="0.3", zorder=3))
    ax.text(ox, oy, v.op, fontsize=8 if len(v.op) < 4 else 7.5, **CENTRED)


def _draw_value(ax, v, xy, show_grad, precision):
    """The box of a value: label and ``data`` on top, ``grad`` in red below."""
    x, y = xy
    corner = (x - BOX_W / 2, y - BOX_H / 2)
    box = FancyBboxPatch(
        corner,
        BOX_W,
        BOX_H,
        boxstyle="round,pad=0.02",
        facecolor="#e8f1fb",
        edgecolor="0.3",
        zorder=3,
    )
    ax.add_patch(box)
    lines = [_label(v), f"{v.data:.{precision}g}"]
    text = "\n".join(line for line in lines if line)
    ax.text(x, y + 0.14, text, fontsize=8, **CENTRED)
    if show_grad:
        grad = f"∇ {v.grad:.{precision}g}"
        ax.text(
            x, y - 0.31, grad, fontsize=8, color="#b2182b", style="italic", **CENTRED
        )
