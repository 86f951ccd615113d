"""Stored outputs that any machine reproduces: no rounding residue, no float32 noise.

nbval compares every stored output of a chapter with a fresh run. An output that holds
only on one CPU, BLAS kernel or thread count fails elsewhere. This scan reads the stored
outputs of every chapter, outside the cells tagged ``nbval-ignore-output``, and rejects:

- a number below 1e-10 printed with its digits (``1.7e-16``): rounding-level agreement
  is shown as a bound (``below 1e-15``, ``agree to 1e-12: True``), and a power of ten
  is a bound, so ``1e-15`` passes;
- more than three significant digits of a float32 training result, in a cell that calls
  ``fit(`` and does not say ``float64``;
- timings and throughputs (``ms``, ``GFLOP/s``, ``GB/s``, ``it/s``);
- a masked cell with no assertion: what the comparison skips is checked by a range.
"""

import pathlib
import re

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
MASKED = {"nbval-ignore-output", "nbval-skip"}
TINY = re.compile(r"(?<![\w.])(\d+(?:\.\d*)?)[eE]-(\d+)\b")
DECIMAL = re.compile(r"(?<![\w.])-?(\d+\.\d+)(?![\d.]*[eE])")
TIMING = re.compile(r"\d\s?(ns|µs|μs|ms|GFLOP/s|TFLOP/s|GB/s|MB/s|it/s)\b")
TRAINING = re.compile(r"\bfit\(")


def ids(paths):
    return [p.stem for p in paths]


def output_text(cell):
    """The text of a cell's stored outputs, as nbval compares them."""
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        for mime in ("text/plain", "text/markdown", "text/html", "text/latex"):
            value = out.get("data", {}).get(mime)
            if value:
                parts.append(value if isinstance(value, str) else "".join(value))
        if out.get("output_type") == "error":
            parts.append("\n".join(out.get("traceback", [])))
    return "\n".join(parts)


def compared_cells(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and not MASKED & set(cell.metadata.get("tags", [])):
            yield i, cell


def residue(text):
    """Numbers below 1e-10 printed with digits beyond a leading 1 (rounding noise)."""
    found = []
    for m in TINY.finditer(text):
        mantissa, exponent = m.group(1), int(m.group(2))
        if (
            exponent >= 10
            and float(mantissa) != 0
            and not re.fullmatch(r"1(\.0*)?", mantissa)
        ):
            found.append(m.group(0))
    return found


def significant_digits(number):
    return len(number.replace(".", "").lstrip("0")) or 1


def float32_noise(text):
    return [
        m.group(1) for m in DECIMAL.finditer(text) if significant_digits(m.group(1)) > 3
    ]


def test_the_scan_catches_residue_and_passes_bounds():
    assert residue("max |mlplib - PyTorch| = 1.7e-16") == ["1.7e-16"]
    assert residue("agree to 1e-12: True; max difference below 1e-15") == []
    assert residue("lr = 1e-3, eps = 1.5e-7, 3.0e-05") == []
    assert float32_noise("test accuracy 0.9443, loss 0.21") == ["0.9443"]
    assert float32_noise("accuracy 94.4 %, epoch 5, 1.00e-3") == []
    assert TIMING.search("took 12.3 ms") and not TIMING.search(
        "5 epochs of 60000 images"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_no_rounding_residue_in_compared_outputs(path):
    found = [
        (i, r) for i, cell in compared_cells(path) for r in residue(output_text(cell))
    ]
    assert not found, (
        f"numbers below 1e-10 printed with their digits (cell, number): {found}; "
        "print a bound instead (e.g. 'agree to 1e-12: True')"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_float32_training_results_are_not_printed_to_the_last_digit(path):
    found = [
        (i, n)
        for i, cell in compared_cells(path)
        if TRAINING.search(cell.source) and "float64" not in cell.source
        for n in float32_noise(output_text(cell))
    ]
    assert not found, (
        f"float32 training results with more than 3 significant digits (cell, number): "
        f"{found}; train in float64, round, or mask the cell and assert a range"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_no_timings_in_compared_outputs(path):
    found = [
        (i, m.group(0))
        for i, cell in compared_cells(path)
        for m in TIMING.finditer(output_text(cell))
    ]
    assert not found, f"timings in compared outputs (cell, text): {found}; mask them"


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_every_masked_cell_asserts_what_it_hides(path):
    nb = nbformat.read(path, as_version=4)
    unchecked = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        and "nbval-ignore-output" in cell.metadata.get("tags", [])
        and cell.get("outputs")
        and not re.search(r"\bassert\b|\brequire\w*\(|\bcheck_range\(", cell.source)
    ]
    assert not unchecked, (
        f"cells {unchecked} are masked from the comparison but assert nothing: "
        "assert the range any correct run falls into"
    )
