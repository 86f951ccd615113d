"""The code the book prints is the math; every module and function stays readable.

- The printed functions are derived from the chapters: every ``getsource(...)`` call in
  ``chapters/*.ipynb`` names one, resolved with that notebook's mlplib imports. Each
  holds no check (no ``raise``, ``assert``, ``try`` or validator call), no lint or
  formatter pragma, no timing or progress plumbing (timing lives in
  ``mlplib/perf/timing.py``), and its docstring names the chapter that prints it
  ("Printed in chapters/NN_name").
- No module of ``mlplib/`` imports or calls another module's underscore names.
- No module of ``mlplib/`` is over 250 lines, no function over 40.
- One home per rule: each rule below is written once in ``mlplib/``, no exemptions.
- No word about slides, lectures or issue numbers in library or benchmark text.
"""

import ast
import inspect
import json
import pathlib
import re
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
LIB = ROOT / "mlplib"
MAX_MODULE_LINES = 250
MAX_FUNCTION_LINES = 40
GETSOURCE = re.compile(r"getsource\(\s*([A-Za-z_][\w.]*)\s*\)")
IMPORT = re.compile(r"^\s*(from mlplib[\w.]* import .+|import mlplib[\w.]*.*)$")
VALIDATOR = re.compile(r"^_?(check|checked|require|validate|is_finite)")
PLUMBING = re.compile(r"^(perf_counter|monotonic|time|tqdm|with_progress|print|warn)$")
PRAGMA = re.compile(r"#\s*(noqa|fmt:|type:\s*ignore|pragma|isort|pylint)")


def _cells(notebook):
    cells = json.loads(notebook.read_text())["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


def printed():
    """``(chapter, expression, object or error)`` for every getsource call."""
    found = []
    for nb in sorted((ROOT / "chapters").glob("*.ipynb")):
        sources = _cells(nb)
        imports = [ln for s in sources for ln in s.splitlines() if IMPORT.match(ln)]
        namespace = {}
        for line in imports:  # one by one: a stale import fails only its names
            try:
                exec(line.strip(), namespace)
            except ImportError:
                pass
        for expression in sorted({m for s in sources for m in GETSOURCE.findall(s)}):
            try:
                obj = eval(expression, namespace)
            except Exception as err:  # the chapter names what mlplib does not have
                obj = err
            found.append((nb.stem, expression, obj))
    return found


PRINTED = printed()


def _functions(obj):
    """The function (or, for a printed class, its methods defined in mlplib)."""
    obj = inspect.unwrap(obj)
    if inspect.isclass(obj):
        own = [v for v in vars(obj).values() if inspect.isfunction(v)]
        return [obj, *own]
    return [obj]


def problems(obj, chapter):
    """What makes ``obj``'s printed source more than the math."""
    source = textwrap.dedent(inspect.getsource(obj))
    node = ast.parse(source).body[0]
    body = ast.Module(body=node.body, type_ignores=[])
    found = [
        type(n).__name__
        for n in ast.walk(body)
        if isinstance(n, (ast.Raise, ast.Assert, ast.Try))
    ]
    calls = [_called_name(n) for n in ast.walk(body) if isinstance(n, ast.Call)]
    found += [f"calls {c}" for c in calls if VALIDATOR.match(c)]
    if not inspect.getsourcefile(obj).endswith("perf/timing.py"):
        found += [f"calls {c}" for c in calls if PLUMBING.match(c)]
    found += [f"pragma {m.group(0)!r}" for m in PRAGMA.finditer(source)]
    if f"Printed in chapters/{chapter}" not in (inspect.getdoc(obj) or ""):
        found.append(f"no back-link 'Printed in chapters/{chapter}' in its docstring")
    return found


def _called_name(call):
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def test_chapters_print_something():
    assert len(PRINTED) >= 20, PRINTED


@pytest.mark.parametrize("chapter, expression, obj", PRINTED, ids=lambda v: str(v)[:40])
def test_printed_function_is_the_math(chapter, expression, obj):
    assert not isinstance(obj, Exception), f"{chapter} prints {expression}: {obj!r}"
    for f in _functions(obj):
        if f is not obj and f.__name__.startswith("__"):
            continue  # a printed class: its dunder methods are plumbing by nature
        bad = problems(f, chapter)
        if f is not obj:  # a printed class's method: the back-link is the class's
            bad = [p for p in bad if not p.startswith("no back-link")]
        assert not bad, f"{chapter} prints {expression}: {bad}"


def test_the_test_catches_a_check_a_pragma_and_plumbing():
    def with_check(x):
        """Printed in chapters/01_perceptron."""
        if x < 0:
            raise ValueError("x must be >= 0")
        return x  # noqa: RET504

    def with_timer(f):
        """Printed in chapters/01_perceptron."""
        start = time.perf_counter()  # noqa: F821
        return f(), start

    found = problems(with_check, "01_perceptron")
    assert "Raise" in found and any("pragma" in p for p in found), found
    assert problems(with_timer, "01_perceptron") == [
        "calls perf_counter",
        "pragma '# noqa'",
    ]
    assert problems(with_timer, "02_mlp_forward")[-1].startswith("no back-link")


def _modules():
    return sorted(LIB.rglob("*.py"))


def _name(path):
    return path.relative_to(LIB).as_posix()


def underscore_uses(source):
    """Underscore names a module takes from elsewhere: imported, or read as an
    attribute that the module itself does not define."""
    tree = ast.parse(source)
    own = {
        n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))
    }
    own |= {
        t.attr
        for n in ast.walk(tree)
        if isinstance(n, (ast.Assign, ast.AnnAssign, ast.AugAssign))
        for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
        if isinstance(t, ast.Attribute)
    }
    private = re.compile(r"^_[A-Za-z0-9]\w*$")  # not dunders
    bad = [
        f"imports {a.name}"
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom)
        for a in n.names
        if private.match(a.name)
    ]
    bad += [
        f"uses .{n.attr}"
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute) and private.match(n.attr) and n.attr not in own
    ]
    return bad


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_no_module_uses_another_modules_underscore_names(path):
    assert not underscore_uses(path.read_text()), _name(path)


def test_the_underscore_test_catches_a_call_and_an_import():
    source = (
        "from .model import _helper\n\ndef f(model):\n    return model._forward(1)\n"
    )
    assert underscore_uses(source) == ["imports _helper", "uses ._forward"]
    own = "class A:\n    def _g(self):\n        return self._x\n    def f(self):\n"
    assert (
        underscore_uses(own + "        self._x = 1\n        return self._g()\n") == []
    )


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_module_and_function_sizes(path):
    source = path.read_text()
    n = len(source.splitlines())
    assert n <= MAX_MODULE_LINES, (
        f"{_name(path)} has {n} lines (at most {MAX_MODULE_LINES})"
    )
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines, line {node.lineno})"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"{_name(path)}: functions over {MAX_FUNCTION_LINES} lines: {long}"


def _occurrences(pattern, paths):
    regex = re.compile(pattern)
    return [
        f"{p.relative_to(ROOT).as_posix()}:{i}"
        for p in paths
        for i, line in enumerate(p.read_text().splitlines(), 1)
        if regex.search(line)
    ]


@pytest.mark.parametrize(
    "rule, pattern, expected",
    [
        (
            "the fused softmax + cross-entropy gradient",
            r"softmax\(Z\) - T",
            ["losses.py"],
        ),
        ("one-hot encoding", r"\[\s*np\.arange\(.*\),\s*\w+\]\s*=\s*1", ["data.py"]),
        (
            "the bool policy (bool is not a number)",
            r"isinstance\(\w+, bool\)",
            ["errors.py"],
        ),
        (
            "the gradient-descent update",
            r"w -= self\.lr \* g$",
            ["optim/gradient_descent.py"],
        ),
        (
            "an integer type check",
            r"isinstance\(\w+, \(int, np\.integer\)\)",
            ["errors.py"],
        ),
        ("finite-number checks", r"isfinite\(", ["errors.py"]),
        ("the ✔/✘ verdict format", r"[✔✘]", []),
        ("messages raised as KeyError (printed in quotes)", r"raise KeyError", []),
        ("slicing a function's source text", r"getsource\(", []),
    ],
)
def test_one_home_per_rule(rule, pattern, expected):
    found = _occurrences(pattern, _modules())
    files = sorted({hit.split(":")[0].removeprefix("mlplib/") for hit in found})
    assert files == expected, f"{rule}: written in {found}"
    if rule.startswith(("the fused", "one-hot")):
        assert len(found) == 1, f"{rule}: written {len(found)} times: {found}"


def test_no_slides_lectures_or_issue_numbers_in_library_or_benchmark_text():
    paths = _modules() + sorted((ROOT / "benchmarks").glob("*.py"))
    hits = _occurrences(r"(?i)\b(slides?|lectures?|issue\s*#?\d+)\b", paths)
    assert not hits, hits
