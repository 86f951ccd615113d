"""Sphinx extension: the book's own script and stylesheet, and exercise numbers.

- ``static/reader.js``: working menu and contents buttons on every width (a patch for
  pydata/pydata-sphinx-theme#2451), a solution opens from its title and its button is
  named after its exercise, display math fits the column, whatever scrolls sideways
  shows it, a figure opens full size on a tap.
- ``static/reader.css``: code that fits the column, visible focus, readable link
  contrast in exercise boxes, the scroll hint, the figure viewer and the print
  stylesheet.
- Exercise numbers follow the labels: ``ch04-ex1`` is "Exercise 4.1" on the page, in
  ``{numref}`` and in its solution's title, the same id the checks use (sphinx-exercise
  alone numbers exercises through the whole book: "Exercise 20" in chapter 4).
"""

import pathlib
import re

STATIC = pathlib.Path(__file__).resolve().parent / "static"
EXERCISE_LABEL = re.compile(r"^ch(\d+)-ex(\d+)$")


def add_static_path(app):
    app.config.html_static_path.append(str(STATIC))


def number_exercises_by_label(app, env):
    """Replace sphinx-exercise's running number of each ``chNN-exK`` by (NN, K)."""
    for numbers in env.toc_fignumbers.values():
        exercises = numbers.get("exercise", {})
        for node_id in exercises:
            match = EXERCISE_LABEL.match(node_id)
            if match:
                exercises[node_id] = (int(match[1]), int(match[2]))
    return []


def setup(app):
    app.connect("builder-inited", add_static_path)
    # after Sphinx's toctree collector has assigned the figure numbers (priority 500)
    app.connect("env-get-updated", number_exercises_by_label, priority=900)
    app.add_js_file("reader.js", priority=900)
    app.add_css_file("reader.css", priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
