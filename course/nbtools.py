"""Reading notebooks: cell tags, MyST directives, exercise labels and check calls."""

import ast
import re

LABEL = r"ch\d+-ex\d+"
CHECK_CALL = re.compile(r"""\bcheck\(\s*["'](""" + LABEL + r""")["']""")


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def find_directive(text, name):
    """Locate the first MyST directive ``{name}`` in markdown ``text``.

    Returns ``(start, end, argument)``: the span of the whole block, opening fence (```
    or :::, any length) to its closing fence, and the directive's argument; or None. A
    block that is never closed runs to the end of the text, as in MyST.
    """
    fence_re = r"^[ \t]*(`{3,}|:{3,})\{" + re.escape(name) + r"\}[ \t]*(.*)$"
    match = re.compile(fence_re, re.M).search(text)
    if match is None:
        return None
    fence = match.group(1)
    close_re = r"^[ \t]*" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*$"
    close = re.compile(close_re, re.M).search(text, match.end())
    end = len(text) if close is None else close.end()
    return match.start(), end, match.group(2).strip()


def exercise_label(text):
    """The ``:label:`` of the ``{exercise}`` (or ``{exercise-start}``) in ``text``."""
    for name in ("exercise", "exercise-start"):
        found = find_directive(text, name)
        if found is not None:
            block = text[found[0] : found[1]]
            label = re.search(r"^[ \t]*:label:[ \t]*(\S+)", block, re.M)
            if label:
                return label.group(1)
    return None


def _check_nodes(tree):
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        first = node.args[0] if node.args else None
        if name == "check" and isinstance(first, ast.Constant):
            if isinstance(first.value, str):
                yield first.value, node


def check_arguments(source):
    """``[(label, {keyword: expression source})]`` of each ``check(...)`` call."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return [(label, {}) for label in CHECK_CALL.findall(source)]
    calls = []
    for label, node in _check_nodes(tree):
        kwargs = {
            kw.arg: ast.get_source_segment(source, kw.value) for kw in node.keywords
        }
        calls.append((label, {k: v for k, v in kwargs.items() if k}))
    calls.sort(key=lambda call: source.find(call[0]))
    return calls


def check_calls(source):
    """``[(label, [variable names])]`` for each ``check("chNN-exK", ...)`` call.

    The names are those passed as plain names (``n3=n3`` gives ``n3``, ``check(label,
    W)`` gives ``W``); an expression (``model.W``) names nothing. Cells that are not
    plain Python (magics) fall back to the labels alone.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return [(label, []) for label in CHECK_CALL.findall(source)]
    calls = []
    for label, node in _check_nodes(tree):
        values = list(node.args[1:]) + [kw.value for kw in node.keywords]
        calls.append((label, [v.id for v in values if isinstance(v, ast.Name)]))
    calls.sort(key=lambda call: source.find(call[0]))
    return calls
