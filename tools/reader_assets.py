"""Sphinx extension: the book's own script and stylesheet.

- ``static/solution_title.js``: a solution opens from a click anywhere on its title, not
  only on its chevron.
- ``static/reader.css``: code set so that an 88-character line fits the text column.
"""

import pathlib

STATIC = pathlib.Path(__file__).resolve().parent / "static"


def add_static_path(app):
    app.config.html_static_path.append(str(STATIC))


def setup(app):
    app.connect("builder-inited", add_static_path)
    app.add_js_file("solution_title.js")
    app.add_css_file("reader.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
