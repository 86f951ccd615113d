"""Helpers for the tests of the exercise checks (tests/test_checks_chNN.py).

Each chapter's test feeds every exercise the right answer (rounded to four significant
figures), each named mistake of its table (:func:`assert_rule_hints`,
:func:`assert_code_hints`: the verdict is wrong, the hint is that mistake's, no message
shows an expected value) and one wrong answer that no mistake explains (the general
hint, naming no mistake).
"""

import copy
import re

import numpy as np

from course.checks import evaluate, use_variant
from course.checks.kit import parts
from course.exercise import find, variant_rng

VARIANTS = [None, "s1", "s2", "s3", "s4"]
NUMBER = re.compile(
    r"(?<![\w.])[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?"
)


def message(label, **answers):
    """The feedback text a check gives for ``answers`` (None when they are right)."""
    feedback = evaluate(label, answers)
    return None if feedback is None else feedback.text()


def inputs(label, variant=None):
    """The exercise's inputs: the book's, or those of ``variant``."""
    return find(label).inputs(variant)


def significant(token):
    """How many significant digits a printed number ``token`` shows."""
    mantissa = re.split("[eE]", token.lstrip("+-").replace(",", ""))[0]
    return len(mantissa.replace(".", "").lstrip("0")) or 1


def shows(text, value, digits=3):
    """True when ``text`` prints ``value`` with at least ``digits`` significant digits
    (rounded or cut at the digits printed, with or without thousands separators)."""
    value = float(value)
    for token in NUMBER.findall(text):
        if significant(token) < digits:
            continue
        printed = float(token.replace(",", ""))
        decimals = len(token.split(".")[1]) if "." in token and "e" not in token else 0
        unit = 10.0**-decimals if "e" not in token.lower() else abs(printed) * 1e-3
        if abs(printed - value) <= unit * (1 + 1e-9):  # rounded or truncated
            return True
    return False


def leaked(text, expected, digits=3):
    """The expected values (any structure) that ``text`` prints, as a list."""
    values = []
    for part in parts(expected).values():
        try:
            values += [float(v) for v in np.ravel(np.asarray(part, dtype=float))]
        except (TypeError, ValueError):
            continue
    return [v for v in values if v not in (0.0, 1.0, -1.0) and shows(text, v, digits)]


def four_figures(value):
    """``value`` (a number or an array) rounded to four significant figures."""
    arr = np.asarray(value, dtype=float)
    rounded = np.vectorize(lambda v: float(f"{v:.4g}"))(arr) if arr.size else arr
    return float(rounded) if arr.ndim == 0 else rounded


def assert_rule_hints(label, variants=VARIANTS, unexplained=1.37):
    """A numeric exercise made with ``kit.rule``: right answers pass; every mistake of
    its table gets its own hint and no other (or none, where another mistake gives the
    same answers), and its own on some variant; an answer no mistake explains gets no
    mistake's hint; odd answers (a string, a dict, ragged lists, an object) get
    feedback, never "could not be checked"; no message leaks an expected value."""
    ex = find(label)
    table, fired = ex.check.mistakes, set()
    for variant in variants:
        use_variant(variant)
        try:
            d = ex.inputs(variant)
            expected = ex.check.answer(d)
            rounded = {
                k: v if k in ex.check.exact else four_figures(v)
                for k, v in expected.items()
            }
            assert message(label, **rounded) is None, (label, variant)
            assert message(label, **expected) is None
            none = message(label, **dict.fromkeys(expected))
            assert none == "not answered yet", none
            for name, hint in table.hints.items():
                with np.errstate(all="ignore"):
                    wrong = expected | table.compute(d, name)
                if not all(
                    np.all(np.isfinite(np.asarray(v, float))) for v in wrong.values()
                ):
                    continue
                text = message(label, **wrong)
                if text is None:
                    continue  # this mistake changes nothing on these inputs
                assert not leaked(text, expected), (label, variant, name, text)
                named = {h for h in table.hints.values() if h in text}
                assert named <= {hint}, (label, variant, name, text)
                fired |= {name} if named else set()  # else: another mistake agrees
            for odd in ("0.5", {"a": 1}, [[1.0], [2.0, 3.0]], object(), [], True):
                text = message(label, **dict.fromkeys(expected, odd))
                assert text and "could not be checked" not in text, (label, odd, text)
            first = next(iter(expected))
            off = expected | {first: np.asarray(expected[first], float) * unexplained}
            text = message(label, **off)
            assert text and not any(h in text for h in table.hints.values()), text
            assert not leaked(text, expected), text
        finally:
            use_variant(None)
    assert fired == set(table.hints), (label, set(table.hints) - fired)


def with_parts(output, changed):
    """``output`` with the items of ``changed`` (a dict part -> value) replaced; None
    (a mistake that cannot happen on this case) leaves ``output``."""
    if changed is None:
        return output
    if not isinstance(changed, dict):
        return changed
    if not isinstance(output, tuple):
        return changed.get("", output)
    items = list(output)
    for k, v in changed.items():
        items[k] = v
    return tuple(items)


def assert_code_hints(label, unexplained=1.37, rare=(), cases=20):
    """A code exercise made with ``kit.code_diagnosis``: the reference passes, each
    mistake of its table gets its own hint, an output no mistake explains gets none.
    On ``cases`` more random inputs no mistake is ever given another mistake's hint.
    ``rare`` mistakes, possible only on some shapes, are left to a test of their own."""
    ex = find(label)
    table = ex.diagnose.mistakes
    assert message(label, **{ex.name: ex.reference}) is None
    for name, hint in table.hints.items():
        if name in rare:
            continue  # a mistake possible only on some shapes: a test of its own

        def wrong(name=name, **case):
            return with_parts(ex.reference(**case), table.compute(case, name))

        with np.errstate(all="ignore"):
            text = message(label, **{ex.name: wrong})
        assert text is not None and hint in text, (label, name, text)
        assert {h for h in table.hints.values() if h in text} == {hint}, text

    for seed in range(cases):  # hidden inputs: never another mistake's hint
        case = ex.cases(np.random.default_rng(seed))
        expected = ex.reference(**copy.deepcopy(case))
        for name, hint in table.hints.items():
            if name in rare:
                continue
            with np.errstate(all="ignore"):
                got = with_parts(expected, table.compute(copy.deepcopy(case), name))
                said = ex.diagnose(got, expected, case)
            others = set(table.hints.values()) - {hint}
            assert said not in others, (label, seed, name, said)

    def off(**case):
        out = ex.reference(**case)
        if isinstance(out, tuple):
            return (np.asarray(out[0], float) * unexplained, *out[1:])
        return np.asarray(out, float) * unexplained

    text = message(label, **{ex.name: off})
    assert text and not any(h in text for h in table.hints.values()), text


def assert_variants_differ(labels, n=8):
    for label in labels:
        ex = find(label)
        variants = [repr(ex.data(variant_rng(f"s{i}", label))) for i in range(n)]
        assert any(v != repr(inputs(label)) for v in variants), label


def solution_free_outputs(notebook):
    """``[(cell index, text)]``: the text of every stored output of ``notebook`` (a
    path), outside the solutions (cells tagged ``solution`` and everything between a
    ``solution-start`` and its ``solution-end``)."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    inside, out = False, []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            inside = ("{solution-start}" in cell.source or inside) and (
                "{solution-end}" not in cell.source
            )
            continue
        if inside or "solution" in cell.metadata.get("tags", []):
            continue
        for output in cell.get("outputs", []):
            texts = [output.get("text", "")]
            for mime, value in output.get("data", {}).items():
                if mime.startswith("text/") and mime != "text/html":
                    texts.append(value if isinstance(value, str) else "".join(value))
            out.append(
                (i, "".join(t if isinstance(t, str) else "".join(t) for t in texts))
            )
    return out


def printed_defaults(chapter, notebook, digits=4):
    """``[(label, answer, value, cell)]``: each default answer of ``chapter`` (computed
    by its checks module) that a stored output of ``notebook`` prints: a float with at
    least ``digits`` significant digits agreeing to the digits printed, or an integer
    answer of three digits or more printed exactly (one that equals an input number of
    the exercise, such as a shape, leaks nothing and is not counted; nor are the
    entries of an answer of more than 16 numbers, such as an image)."""
    from course.checks.kit import default_answers

    outputs = solution_free_outputs(notebook)
    hits = []
    for label, answers in default_answers(chapter).items():
        given = set(numbers(inputs(label)))  # an answer equal to an input leaks nothing
        for name, value in answers.items():
            try:
                values = np.ravel(np.asarray(value, dtype=float))
            except (TypeError, ValueError):
                continue
            if values.size > 16:
                continue  # an image's 784 grey levels: any table shares a few of them
            for v in values:
                whole = float(v).is_integer()
                if v in (0.0, 1.0, -1.0) or (whole and abs(v) < 100) or v in given:
                    continue  # small whole numbers are everywhere (layer 10, epoch 21)
                need = 3 if whole else digits
                for cell, text in outputs:
                    if shows(text, v, need) and (not whole or exact_token(text, v)):
                        hits.append((label, name, float(v), cell))
    return hits


def exact_token(text, value):
    """True when ``text`` prints the integer ``value`` as a whole number."""
    return any(
        float(t.replace(",", "")) == value and "." not in t and "e" not in t.lower()
        for t in NUMBER.findall(text)
    )


def numbers(value):
    """Every number in ``value`` (nested dicts, lists, arrays), as floats."""
    if isinstance(value, dict):
        return [x for v in value.values() for x in numbers(v)]
    if isinstance(value, str):
        return []
    try:
        return [float(x) for x in np.ravel(np.asarray(value, dtype=float))]
    except (TypeError, ValueError):
        return [x for v in value for x in numbers(v)]


def assert_no_default_answer_printed(chapter):
    """The chapter's notebook prints none of its exercises' default answers."""
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[1]
    (notebook,) = root.glob(f"chapters/{chapter[2:]}_*.ipynb")
    hits = printed_defaults(chapter, notebook)
    assert not hits, "default answers printed (label, answer, value, cell): " + repr(
        hits
    )
