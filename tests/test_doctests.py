"""Every docstring example in mlplib runs as a doctest (``>>>`` lines), and every
example is written that way: no code block in a docstring escapes this test."""

import doctest
import importlib
import pathlib
import re

import pytest

LIB = pathlib.Path(__file__).resolve().parents[1] / "mlplib"


def _dotted(path):
    """``layers.py`` -> ``"layers"``, ``distributed/__init__.py`` -> the package."""
    parts = path.relative_to(LIB).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = sorted(filter(None, (_dotted(p) for p in LIB.rglob("*.py"))))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(f"mlplib.{name}")
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(module, optionflags=flags, verbose=False)
    assert result.failed == 0, (
        f"mlplib.{name}: {result.failed} docstring example(s) fail"
    )


def test_the_library_has_examples():
    """The modules a reader meets first show themselves in use."""
    for name in ("layers", "model", "losses", "optim", "training", "data"):
        module = importlib.import_module(f"mlplib.{name}")
        assert doctest.DocTestFinder().find(module)[0].examples, name


@pytest.mark.parametrize("name", MODULES)
def test_no_code_block_outside_doctests(name):
    """A ``::`` literal block in a docstring is an example no test runs: write it as
    ``>>>`` lines instead (``.. math::`` blocks are formulas, not code)."""
    path = pathlib.Path(importlib.import_module(f"mlplib.{name}").__file__)
    source = path.read_text()
    untested = [
        source[m.start() : m.start() + 100]
        for m in re.finditer(r"(?<!\.\. math)::\n\n", source)
    ]
    where = path.relative_to(LIB).as_posix()
    assert not untested, f"mlplib/{where}: untested example(s): {untested}"
