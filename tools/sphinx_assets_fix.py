"""Sphinx extension: stop inline scripts added after the builder starts from being
emitted twice.

Sphinx 7.4 (the series Jupyter Book 1 requires) keeps an inline script added with
``app.add_js_file(None, body=...)`` twice when the call comes after ``Builder.init()``:
once as
given (filename ``None``) and once more from the registry in ``prepare_writing``
(filename ``''``),
and the two do not compare equal. sphinx-togglebutton and sphinx-thebe add their
configuration
that way, so every page declared ``const THEBE_JS_URL`` twice and the browser reported
"Identifier 'THEBE_JS_URL' has already been declared". Upstream fix:
sphinx-doc/sphinx#13402
(Sphinx 8.2), which passes ``''`` instead of ``None``; this does the same for this app.
"""


def setup(app):
    add_js_file = app.add_js_file

    def add_js_file_once(filename, priority=500, loading_method=None, **kwargs):
        return add_js_file(filename or "", priority, loading_method, **kwargs)

    app.add_js_file = add_js_file_once
    return {"parallel_read_safe": True, "parallel_write_safe": True}
