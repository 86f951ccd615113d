"""The cells the exercises depend on, derived from the code (no tags to keep).

A chapter's measurements and long trainings need not re-run for every student. The
grader keeps: the first ``HEAD`` code cells (the setup and the imports and seeds),
every code cell from the first exercise on (data cells, answers, checks, the
grader's export cells), every cell the student wrote, and, walking back from those,
each earlier cell that binds a name a kept cell reads (an assignment, a ``def``, an
import), transitively. A cell that cannot be parsed is kept. Names are over-counted
(every name a cell mentions counts as read), so a cell is dropped only when no kept
cell can refer to anything it defines.
"""

import ast
import builtins

from IPython.core.inputtransformer2 import TransformerManager

HEAD = 2
TO_PYTHON = TransformerManager()
BUILTINS = set(dir(builtins))


def bound_and_read(source):
    """``(names the cell binds, names it reads)``, or None when it does not parse."""
    try:
        tree = ast.parse(TO_PYTHON.transform_cell(source))
    except (SyntaxError, ValueError):
        return None
    bound, read = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (bound if isinstance(node.ctx, ast.Store) else read).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.Attribute):
            read.add(node.attr)  # over-count: an attribute may name a global
    return bound, read - BUILTINS


def needed_cells(sources, start, always=()):
    """Indices (into ``sources``, the code cells in order) to run: the head, every
    cell from ``start`` on, the cells in ``always``, and what they read."""
    keep = set(range(min(HEAD, len(sources)))) | set(range(start, len(sources)))
    keep |= set(always)
    parsed = [bound_and_read(s) for s in sources]
    wanted = set()
    for i in sorted(keep):
        wanted |= parsed[i][1] if parsed[i] else set()
    for i in range(len(sources) - 1, -1, -1):
        if parsed[i] is None and i < start:
            keep.add(i)
        if i in keep or parsed[i] is None:
            continue
        bound, read = parsed[i]
        if bound & wanted:
            keep.add(i)
            wanted |= read
    return sorted(keep)
