"""Test configuration: TensorFlow stays quiet, and Keras/torch compare in float64.

When Chromium is missing, the browser tests skip; the run then ends with one line saying
how
many page tests did not run and how to install what they need.
"""

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# else TF 2.21 prints a oneDNN notice to stderr
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

CHROMIUM_HINT = (
    "install Chromium (Debian/Ubuntu: `sudo apt-get install chromium`, "
    "which puts it at /usr/bin/chromium) and run `make test` again"
)


def pytest_terminal_summary(terminalreporter):
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if "test_browser.py" in report.nodeid
        and "Chromium not found" in str(report.longrepr)
    ]
    if skipped:
        terminalreporter.write_line(
            f"BROWSER TESTS NOT RUN: {len(skipped)} page tests skipped because "
            f"Chromium is missing; {CHROMIUM_HINT}.",
            yellow=True,
            bold=True,
        )


@pytest.fixture
def variant(request):
    """Exercise checks use the inputs of ``request.param`` (None: the book's), then the
    book's again (tests/test_checks_chNN.py)."""
    from course.checks import use_variant

    use_variant(request.param)
    yield request.param
    use_variant(None)
