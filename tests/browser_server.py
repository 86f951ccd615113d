"""The built book for the HTML and browser tests: where it is, which pages it has, a
local server.

The tests read `_build/html` (what `make book` writes); set BOOK_HTML_DIR to test
another build,
e.g. one made with `jupyter-book build . --toc <toc> --path-output /tmp/book`.
"""

import contextlib
import functools
import http.server
import json
import os
import pathlib
import threading

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
BOOK = pathlib.Path(os.environ.get("BOOK_HTML_DIR", ROOT / "_build" / "html")).resolve()
# Pages Sphinx writes for every book besides the toc's pages.
GENERATED = ["genindex.html", "search.html"]


def require_book():
    """Fail (not skip) when the book was not built: the tests have nothing to check."""
    if not (BOOK / "index.html").is_file():
        pytest.fail(
            f"no built book at {BOOK}: run make book first (or set BOOK_HTML_DIR)"
        )
    return BOOK


def toc_files(toc_path=ROOT / "_toc.yml"):
    """Every document named in a Jupyter Book toc (root first), without suffix."""
    toc = yaml.safe_load(pathlib.Path(toc_path).read_text())
    found = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return found


def sources():
    """The documents the build rendered, from its `_sources/` copy: {'chapters/01_x':
    '.ipynb', ...}."""
    base = BOOK / "_sources"
    if not base.is_dir():
        return {}
    return {
        path.relative_to(base).with_suffix("").as_posix(): path.suffix
        for path in sorted(base.rglob("*"))
        if path.suffix in (".md", ".ipynb")
    }


def content_pages():
    """HTML pages of the book's documents, e.g. ['chapters/01_perceptron.html',
    'intro.html']."""
    return [f"{doc}.html" for doc in sources() if (BOOK / f"{doc}.html").is_file()]


def notebook_pages():
    """The documents rendered from notebooks (chapters), without suffix."""
    return [doc for doc, suffix in sources().items() if suffix == ".ipynb"]


def all_pages():
    """Every HTML page a reader can reach: the documents plus the search and index
    pages."""
    return content_pages() + [page for page in GENERATED if (BOOK / page).is_file()]


def notebook(doc):
    """The notebook the build rendered for `doc`, as JSON."""
    return json.loads((BOOK / "_sources" / f"{doc}.ipynb").read_text())


def repository():
    """(url, branch, path_to_book) from `_config.yml`, the one place that names the
    repository."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo = config["repository"]
    return (
        repo["url"].rstrip("/"),
        repo.get("branch", "main"),
        (repo.get("path_to_book") or "").strip("/"),
    )


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the book; records (path, status) of every request for the tests to
    inspect."""

    log = None

    def log_message(self, format, *args):  # noqa: A002 (the stdlib's name)
        pass

    def log_request(self, code="-", size="-"):
        self.log.append((self.path, int(getattr(code, "value", code))))


@contextlib.contextmanager
def serve(directory):
    """Serve `directory` on a free localhost port in a thread; yields (base_url,
    request_log)."""
    log = []
    handler = type("Handler", (_QuietHandler,), {"log": log})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(directory))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", log
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
