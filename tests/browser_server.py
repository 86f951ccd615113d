"""The built book for the HTML and browser tests: where it is, which pages it has, a
local server, one headless Chromium shared by every browser test, and a chapter's PDF.

The tests read `_build/html` (what `make book` writes); set BOOK_HTML_DIR to test
another build, e.g. one made with `jupyter-book build . --path-output /tmp/book`.

    python tests/browser_server.py --pdf chapters/01_perceptron [--out file.pdf]

prints a chapter to PDF with Chromium's print output (`make pdf`) once its math is set.
"""

import argparse
import asyncio
import contextlib
import functools
import http.server
import json
import os
import pathlib
import shutil
import sys
import tempfile
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


CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MATHJAX_READY = "() => window.MathJax && MathJax.startup && MathJax.startup.promise"


class Chromium:
    """One headless Chromium (Playwright's async API) on its own event loop thread, so
    that synchronous tests can load many pages in parallel: ``run(coro)`` waits for one
    coroutine, ``gather(coros)`` for several at once."""

    def __init__(self, executable=CHROMIUM):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.profile = tempfile.mkdtemp(prefix="chromium-")
        self.browser = self.run(self._start(executable))

    async def _start(self, executable):
        from playwright.async_api import async_playwright  # noqa: PLC0415 (optional)

        self.playwright = await async_playwright().start()
        return await self.playwright.chromium.launch(
            executable_path=executable, headless=True, args=ARGS
        )

    def run(self, coro, timeout=600):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def gather(self, coros, limit=4, timeout=900):
        async def bounded():
            gate = asyncio.Semaphore(limit)

            async def one(coro):
                async with gate:
                    return await coro

            return await asyncio.gather(*(one(c) for c in coros))

        return self.run(bounded(), timeout)

    async def _stop(self):
        await self.browser.close()
        await self.playwright.stop()

    def close(self):
        try:
            self.run(self._stop(), timeout=60)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)
            shutil.rmtree(self.profile, ignore_errors=True)


async def wait_for_math(page, timeout_ms=30_000):
    """Wait until MathJax has set the page's math (if it has any) and reader.js has
    fitted it to the column."""
    if await page.locator(".math").count():
        await page.wait_for_function(MATHJAX_READY, timeout=timeout_ms)
        await page.evaluate("() => MathJax.startup.promise")
    await page.wait_for_timeout(150)  # reader.js fits display math after the promise


async def print_pdf(browser, url, out):
    """Chromium's print output (A4, print stylesheet) of the page at ``url``."""
    page = await browser.new_page()
    try:
        await page.goto(url, wait_until="load")
        await wait_for_math(page)
        await page.emulate_media(media="print")
        await page.pdf(path=str(out), format="A4", print_background=True)
    finally:
        await page.close()
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pdf", required=True, help="a document, e.g. chapters/01_x")
    parser.add_argument("--out", help="default: _build/pdf/<name>.pdf")
    args = parser.parse_args(argv)
    require = BOOK / f"{args.pdf}.html"
    if not require.is_file():
        sys.exit(f"no {require}: run make book first")
    out = pathlib.Path(
        args.out or BOOK.parent / "pdf" / f"{pathlib.Path(args.pdf).name}.pdf"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    chromium = Chromium()
    try:
        with serve(BOOK) as (base, _):
            chromium.run(print_pdf(chromium.browser, f"{base}{args.pdf}.html", out))
    finally:
        chromium.close()
    print(f"PDF: {out}")


if __name__ == "__main__":
    main()
