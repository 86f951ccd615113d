"""Every docstring example in mlplib runs as a doctest (``>>>`` lines), and every
example is written that way: no code block in a docstring escapes this test."""

import doctest
import importlib
import pathlib
import re

import pytest

LIB = pathlib.Path(__file__).resolve().parents[1] / "mlplib"
MODULES = sorted(p.stem for p in LIB.glob("*.py") if p.stem != "__init__")


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
    for name in ("layers", "model", "losses", "optim", "train", "data", "checkpoint"):
        module = importlib.import_module(f"mlplib.{name}")
        assert doctest.DocTestFinder().find(module)[0].examples, name


# Modules another part of the project owns whose examples are not doctests yet (delete
# the entry once they are).
PENDING = {
    "distributed": "mlplib/distributed.py (Chapter 7, issue 20) has a :: example"
}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            n, marks=[pytest.mark.xfail(reason=PENDING[n])] if n in PENDING else []
        )
        for n in MODULES
    ],
)
def test_no_code_block_outside_doctests(name):
    """A ``::`` literal block in a docstring is an example no test runs: write it as
    ``>>>`` lines instead (``.. math::`` blocks are formulas, not code)."""
    source = (LIB / f"{name}.py").read_text()
    untested = [
        source[m.start() : m.start() + 100]
        for m in re.finditer(r"(?<!\.\. math)::\n\n", source)
    ]
    assert not untested, f"mlplib/{name}.py: untested example(s): {untested}"
