"""The reader's experience, checked in headless Chromium (Playwright driving the system
browser).

Every page of the built book is served on localhost and opened in a fresh browser
profile: it must
load with no console error and no failed request (the network outside is closed, so any
request to
another host is a failure by itself), show rendered math, its figures and its code
outputs; the
chapter's Colab button must point at its notebook in the repository `_config.yml` names;
solutions
must stay hidden until clicked; search must work offline. A screenshot of every page is
saved in
`_build/screenshots/` (next to the html folder the tests read).

Needs Chromium at /usr/bin/chromium (`apt-get install chromium`; `.ci/run` installs it);
without it
these tests are skipped with that message. Pages and notebooks are enumerated from the
build.
"""

import json
import os
import re
import shutil
import tempfile
import urllib.parse

import pytest
from browser_server import (
    BOOK,
    all_pages,
    notebook,
    notebook_pages,
    repository,
    require_book,
    serve,
)
from playwright.sync_api import Error as PlaywrightError

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = BOOK.parent / "screenshots"
TIMEOUT_MS = 30_000  # generous: CI machines can be busy
# Never fetched unless a reader clicks the live-code button; listed so a failure names
# it.
ALLOWED_EXTERNAL = ("https://unpkg.com/thebe@",)
MATHJAX_READY = "() => window.MathJax && MathJax.startup && MathJax.startup.promise"
RAW_MATH = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$")
IMAGE_MIME = ("image/png", "image/jpeg", "image/svg+xml", "image/gif")


@pytest.fixture(scope="module")
def site():
    require_book()
    with serve(BOOK) as (base, log):
        yield base, log


@pytest.fixture(scope="module")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


class Visit:
    """One page opened in the browser, with all that went wrong while it loaded."""

    def __init__(self, context, base, log, page_path):
        self.path = page_path
        self.page = context.new_page()
        self.errors, self.failed = [], []
        start = len(log)
        self.page.on(
            "console",
            lambda m: (
                m.type == "error"
                and self.errors.append(f"console: {m.text} ({m.location.get('url')})")
            ),
        )
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        self.page.on(
            "requestfailed", lambda r: self.failed.append(f"{r.url}: {r.failure}")
        )
        self.page.on(
            "response",
            lambda r: (
                r.status >= 400 and self.failed.append(f"{r.url}: HTTP {r.status}")
            ),
        )
        self.page.on(
            "request",
            lambda r: (
                not r.url.startswith((base, "data:", "blob:"))
                and not r.url.startswith(ALLOWED_EXTERNAL)
                and self.failed.append(f"{r.url}: request to another host")
            ),
        )
        self.page.goto(base + page_path, wait_until="load", timeout=TIMEOUT_MS)
        self.has_math = self.page.locator(".math").count() > 0
        self.mathjax_error = None
        if self.has_math:
            try:
                self.page.wait_for_function(
                    MATHJAX_READY,
                    timeout=TIMEOUT_MS,
                )
                self.page.evaluate("() => MathJax.startup.promise")
            except PlaywrightError as error:  # e.g. a TeX extension it could not load
                self.mathjax_error = str(error).split("\n")[0]
                self.errors.append(f"MathJax: {self.mathjax_error}")
        self.page.wait_for_function(
            "() => Array.from(document.images).every(i => i.complete)"
            " && document.fonts.status === 'loaded'",
            timeout=TIMEOUT_MS,
        )
        # let late requests (the favicon) happen; a busy machine may never be idle for
        # 500 ms
        try:
            self.page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
        except PlaywrightError:
            pass
        # The server sees what the browser does not report (e.g. the automatic
        # /favicon.ico).
        self.failed += [
            f"{base}{p.lstrip('/')}: HTTP {status} (server)"
            for p, status in log[start:]
            if status >= 400
        ]
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.screenshot = SCREENSHOTS / (
            page_path.replace("/", "__").removesuffix(".html") + ".png"
        )
        self.page.screenshot(path=str(self.screenshot), full_page=True)


@pytest.fixture(scope="module")
def visit(browser, site):
    """Opens each page once per module; the tests below share the result."""
    visits = {}

    def open_page(page_path):
        if page_path not in visits:
            visits[page_path] = Visit(browser, *site, page_path)
        return visits[page_path]

    yield open_page
    for v in visits.values():
        v.page.close()


PAGES = all_pages()
NOTEBOOKS = notebook_pages()


def test_the_book_is_built():
    require_book()
    assert PAGES, f"no pages in {BOOK}"


@pytest.mark.parametrize("page_path", PAGES)
def test_page_loads_with_no_console_error_and_no_failed_request(visit, page_path):
    v = visit(page_path)
    assert not v.errors, f"{page_path}: console errors:\n" + "\n".join(v.errors)
    assert not v.failed, f"{page_path}: failed requests:\n" + "\n".join(v.failed)
    assert v.screenshot.stat().st_size > 10_000, f"{v.screenshot} looks empty"


@pytest.mark.parametrize("page_path", PAGES)
def test_page_shows_a_single_h1(visit, page_path):
    v = visit(page_path)
    visible = [h for h in v.page.locator("h1").all() if h.is_visible()]
    assert len(visible) == 1, (
        f"{page_path}: {len(visible)} visible h1: {[h.inner_text() for h in visible]}"
    )


@pytest.mark.parametrize("page_path", PAGES)
def test_math_is_rendered_by_mathjax(visit, page_path):
    v = visit(page_path)
    if not v.has_math:
        pytest.skip(f"{page_path} has no math")
    assert v.mathjax_error is None, f"{page_path}: MathJax failed: {v.mathjax_error}"
    n_math = v.page.locator(".math").count()
    n_rendered = v.page.locator(".math mjx-container").count()
    assert n_rendered == n_math, (
        f"{page_path}: MathJax rendered {n_rendered} of {n_math} formulas"
    )
    # Text a reader sees, code aside (code may legitimately print a backslash or $$).
    text = v.page.evaluate(
        """() => {
            const main = document.querySelector('main').cloneNode(true);
            main.querySelectorAll('pre, code, script, style, mjx-container, '
                + '.cell_input').forEach(e => e.remove());
            return main.textContent;
        }"""
    )
    raw = [
        text[max(m.start() - 30, 0) : m.end() + 30].strip()
        for m in RAW_MATH.finditer(text)
    ]
    assert not raw, f"{page_path}: unrendered TeX in the text: {raw}"


def _only_glue(output):
    data = output.get("data", {})
    return bool(data) and all(
        m.startswith("application/papermill.record/") for m in data
    )


def expected_cells(doc):
    """Per code cell the book renders: (has an output shown, number of images), from the
    notebook."""
    cells = []
    for cell in notebook(doc)["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] != "code" or "remove-cell" in tags:
            continue
        outputs = [] if "remove-output" in tags else cell.get("outputs", [])
        # A glued value with display=False is stored for the text, not shown in place.
        outputs = [out for out in outputs if not _only_glue(out)]
        images = sum(
            any(m in out.get("data", {}) for m in IMAGE_MIME) for out in outputs
        )
        cells.append((bool(outputs), images))
    return cells


@pytest.mark.parametrize("doc", NOTEBOOKS)
def test_notebook_page_shows_its_figures_and_outputs(visit, doc):
    v = visit(f"{doc}.html")
    rendered = v.page.evaluate(
        """() => Array.from(document.querySelectorAll('main div.cell')).map(c => {
            const out = c.querySelector('.cell_output');
            return [!!out && out.children.length > 0,
                    c.querySelectorAll('.cell_output img').length];
        })"""
    )
    assert [tuple(r) for r in rendered] == expected_cells(doc), (
        f"{doc}: rendered cells differ from the notebook's"
    )
    images = v.page.evaluate(
        "() => Array.from(document.querySelectorAll('main img'))"
        ".map(i => [i.getAttribute('src'), i.complete, i.naturalWidth])"
    )
    broken = [src for src, complete, width in images if not (complete and width > 0)]
    assert not broken, f"{doc}: images that did not load: {broken}"
    # Outputs outside solutions (which are hidden until clicked) are on screen.
    hidden = v.page.evaluate(
        """() => Array.from(document.querySelectorAll('main .cell_output'))
            .filter(o => !o.closest('.dropdown, .toggle-hidden, details') &&
            o.getBoundingClientRect().height === 0)
            .map(o => o.textContent.slice(0, 60))"""
    )
    assert not hidden, f"{doc}: outputs not shown: {hidden}"


@pytest.mark.parametrize("doc", NOTEBOOKS)
def test_launch_button_opens_the_chapter_in_colab_and_download_gives_the_notebook(
    visit, doc
):
    v = visit(f"{doc}.html")
    url, branch, path_to_book = repository()
    owner_repo = urllib.parse.urlsplit(url).path.strip("/")
    notebook_path = "/".join(p for p in (path_to_book, f"{doc}.ipynb") if p)
    expected = f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/{notebook_path}"
    page = v.page
    # (Bootstrap moves the links' title attribute into a tooltip, so find them by
    # target.)
    colab = page.locator(
        ".dropdown-launch-buttons a[href^='https://colab.research.google.com/']"
    )
    assert colab.count() == 1, f"{doc}: no Colab launch button"
    assert colab.get_attribute("href") == expected
    page.locator(".dropdown-launch-buttons button.dropdown-toggle").click()
    colab.wait_for(state="visible", timeout=TIMEOUT_MS)
    page.keyboard.press("Escape")
    download = page.locator(".dropdown-download-buttons a.btn-download-source-button")
    href = download.get_attribute("href")
    assert href.endswith(".ipynb"), (
        f"{doc}: download button gives {href}, not the notebook"
    )
    target = (BOOK / doc).parent / href
    assert target.resolve() == (BOOK / "_sources" / f"{doc}.ipynb").resolve(), href
    assert json.loads(target.read_text())["nbformat"] == 4, (
        f"{target} is not a notebook"
    )


@pytest.mark.parametrize("doc", NOTEBOOKS)
def test_solutions_are_hidden_until_clicked(visit, doc):
    n_expected = sum(
        "{solution-start}" in "".join(c["source"])
        for c in notebook(doc)["cells"]
        if c["cell_type"] == "markdown"
    )
    if n_expected == 0:
        pytest.skip(f"{doc} has no solutions")
    page = visit(
        f"{doc}.html"
    ).page  # loaded, and its screenshot taken, before any click
    solutions = page.locator("main .solution.dropdown")
    assert solutions.count() == n_expected, (
        f"{doc}: {solutions.count()} solution dropdowns, notebook has {n_expected}"
    )
    # sphinx-togglebutton adds a button to each dropdown once the page is ready.
    buttons = page.locator("main .solution.dropdown > .admonition-title .toggle-button")
    try:
        buttons.nth(n_expected - 1).wait_for(state="attached", timeout=TIMEOUT_MS)
    except PlaywrightError:
        pass
    assert buttons.count() == n_expected, (
        f"{doc}: {buttons.count()} toggle buttons for {n_expected} solutions"
    )
    shown = """() => Array.from(
        document.querySelectorAll('main .solution.dropdown')).map(s =>
        Array.from(s.children).filter(c => !c.classList.contains('admonition-title'))
             .map(c => c.checkVisibility() && c.getBoundingClientRect().height > 0))"""
    before = page.evaluate(shown)
    assert all(before), f"{doc}: a solution has no content: {before}"
    assert not any(any(parts) for parts in before), (
        f"{doc}: solutions visible before a click: {before}"
    )
    titles = page.locator("main .solution.dropdown > .admonition-title")
    for i in range(n_expected):
        # The title's text, which sphinx-exercise makes a link back to the exercise.
        titles.nth(i).locator("a, span").first.click()
    try:
        page.wait_for_function(
            f"() => ({shown})().every(parts => parts.every(Boolean))",
            timeout=TIMEOUT_MS,
        )
    except PlaywrightError:
        pass
    after = page.evaluate(shown)
    assert all(all(parts) for parts in after), (
        f"{doc}: solutions still hidden after a click on their title: {after}"
    )
    for i in range(n_expected):
        buttons.nth(i).click()  # the chevron closes them again
    try:
        page.wait_for_function(
            f"() => ({shown})().every(parts => !parts.some(Boolean))",
            timeout=TIMEOUT_MS,
        )
    except PlaywrightError:
        pass
    closed = page.evaluate(shown)
    assert not any(any(parts) for parts in closed), (
        f"{doc}: solutions still shown after a click on the chevron: {closed}"
    )


WIDTHS = (1280, 390)
# Where each kind of block may not stick out of the column or need a sideways scroll.
OVERFLOW_JS = """(width) => {
    const column = document.querySelector('main article.bd-article')
        || document.querySelector('main');
    const right = column.getBoundingClientRect().right + 1;
    const label = e => (e.className && e.className.baseVal === undefined ? e.tagName
        + '.' + String(e.className).split(' ')[0] : e.tagName) + ': '
        + (e.textContent || e.getAttribute('alt') || '').trim().slice(0, 50);
    // Inside a box that scrolls sideways an element cannot push the page wider:
    // that box is what is measured (below).
    const scroller = e => {
        for (let a = e.parentElement; a && a !== column; a = a.parentElement) {
            if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(a).overflowX)) {
                return true;
            }
        }
        return false;
    };
    const visible = e => e.getBoundingClientRect().width > 0 && !e.closest('details')
        && !e.closest('.dropdown:not(.toggle-shown)') && e.checkVisibility();
    const found = [];
    const stickOut = 'mjx-container, table, img, figure, .cell_output, pre, div.math';
    for (const e of column.querySelectorAll(stickOut)) {
        if (visible(e) && !scroller(e) && e.getBoundingClientRect().right > right) {
            found.push('sticks out: ' + label(e));
        }
    }
    // At desktop width display math, tables and code fit without a scroll bar; on a
    // phone a reader may swipe an equation or a table inside the column. Figures fit
    // at both widths.
    const scrolled = width >= 1000 ? 'div.math, .pst-scrollable-table-container, '
        + '.cell_input div.highlight pre, figure' : 'figure, .cell_output img';
    for (const e of column.querySelectorAll(scrolled)) {
        if (visible(e) && e.scrollWidth > e.clientWidth + 1) {
            found.push('scrolls sideways: ' + label(e));
        }
    }
    return found;
}"""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page_path", PAGES)
def test_nothing_overflows_the_text_column(browser, site, page_path, width):
    """Math, tables and figures stay inside the text column at 1280 px and at 390 px,
    and
    code fits at 1280 px; a screenshot of the page at that width is kept."""
    base, _ = site
    page = browser.new_page()
    try:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(base + page_path, wait_until="load", timeout=TIMEOUT_MS)
        if page.locator(".math").count():
            page.wait_for_function(
                MATHJAX_READY,
                timeout=TIMEOUT_MS,
            )
            page.evaluate("() => MathJax.startup.promise")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = page_path.replace("/", "__").removesuffix(".html")
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}px.png"), full_page=True)
        found = page.evaluate(OVERFLOW_JS, width)
    finally:
        page.close()
    assert not found, f"{page_path} at {width} px:\n" + "\n".join(found)


def search_term(page):
    """The words of the page's title (e.g. 'perceptron'), which search must all find."""
    words = re.findall(r"[A-Za-z]{4,}", page.locator("main h1").first.inner_text())
    return " ".join(words).lower()


@pytest.mark.parametrize(
    "page_path", [p for p in PAGES if p not in ("genindex.html", "search.html")]
)
def test_search_finds_the_page_offline(browser, site, visit, page_path):
    base, _ = site
    term = search_term(visit(page_path).page)
    page = browser.new_page()
    try:
        page.goto(
            f"{base}search.html?q={urllib.parse.quote(term)}",
            wait_until="load",
            timeout=TIMEOUT_MS,
        )
        page.wait_for_function(
            "() => { const s = document.querySelector("
            "'#search-results .search-summary');"
            " return s && !s.textContent.includes('Searching'); }",
            timeout=TIMEOUT_MS,
        )
        hits = page.locator("#search-results ul.search li a").evaluate_all(
            "as => as.map(a => a.getAttribute('href'))"
        )
        assert page_path in [urllib.parse.urlsplit(h).path for h in hits], (
            f"search for {term!r} lists {hits}, not {page_path}"
        )
    finally:
        page.close()
