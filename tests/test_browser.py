"""The reader's experience, checked in headless Chromium (Playwright driving the system
browser).

Every page of the built book is served on localhost and opened in a fresh browser
context (a first visit) at 1280, 900 and 390 px, several pages at a time in one shared
Chromium (`browser_server.Chromium`). One visit per page and width measures what the
tests below check: no console error or failed request (the network outside is closed),
rendered math, figures and outputs; nothing sticks out of the text column or scrolls
sideways unseen (display math fits at every width); figure text of at least 9 CSS px
and figures at least 150 px tall; the menu and contents buttons open the navigation and
a chapter link in it can be followed; zero serious or critical axe-core violations;
math out of the tab order and visible focus on every control; the page's first-visit
weight within 3 MB. Other tests click solutions, the launch buttons and search, and
print a chapter to PDF. Screenshots of every page at 1280 and 390 px are saved in
`_build/screenshots/` (next to the html folder the tests read).

Needs Chromium at /usr/bin/chromium (`apt-get install chromium`; `.ci/run` installs it);
without it these tests are skipped with that message. Pages and notebooks are
enumerated from the build.
"""

import json
import os
import re
import tempfile
import urllib.parse
import xml.etree.ElementTree as ET

import pytest
from browser_server import (
    BOOK,
    CHROMIUM,
    Chromium,
    all_pages,
    notebook,
    notebook_pages,
    print_pdf,
    repository,
    require_book,
    serve,
    wait_for_math,
)

pytestmark = pytest.mark.browser

SCREENSHOTS = BOOK.parent / "screenshots"
TIMEOUT_MS = 30_000  # generous: CI machines can be busy
ACTION_MS = 10_000  # a tap that does nothing in 10 s does nothing (busy CI)
WIDTHS = (1280, 900, 390)
SCREENSHOT_WIDTHS = (1280, 390)
HEIGHT = {1280: 800, 900: 900, 390: 844}
WIDE = 992  # from here up the theme shows the sidebar beside the text (no dialog)
MIN_TEXT_PX = 9.0
MIN_FIGURE_PX = 150.0
MAX_PAGE_BYTES = 3_000_000
AXE_IMPACTS = ("serious", "critical")
AXE_WIDTHS = (1280, 390)
TAB_STOPS = 30  # the first controls of each page, in tab order
# Never fetched unless a reader clicks the live-code button; listed so a failure names
# it.
ALLOWED_EXTERNAL = ("https://unpkg.com/thebe@",)
RAW_MATH = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$")
IMAGE_MIME = ("image/png", "image/jpeg", "image/svg+xml", "image/gif")
PAGES = all_pages()
NOTEBOOKS = notebook_pages()

MEASURE_JS = """(width) => {
    const column = document.querySelector('main article.bd-article')
        || document.querySelector('main');
    const right = column.getBoundingClientRect().right + 1;
    const label = e => (typeof e.className === 'string' && e.className ? e.tagName
        + '.' + e.className.split(' ')[0] : e.tagName) + ': '
        + (e.textContent || e.getAttribute('alt') || '').trim().slice(0, 50);
    const scrollsX = e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX)
        && e.scrollWidth > e.clientWidth + 1;
    // Inside a box that scrolls sideways an element cannot push the page wider:
    // that box is what is measured.
    const inScroller = e => {
        for (let a = e.parentElement; a && a !== column; a = a.parentElement) {
            if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(a).overflowX)) {
                return true;
            }
        }
        return false;
    };
    const shown = e => e.getBoundingClientRect().width > 0 && !e.closest('details')
        && !e.closest('.dropdown:not(.toggle-shown)') && e.checkVisibility();
    const overflow = [];
    if (document.documentElement.scrollWidth > window.innerWidth + 1) {
        overflow.push('the page scrolls sideways: '
            + document.documentElement.scrollWidth + ' px wide');
    }
    const stickOut = 'mjx-container, table, img, figure, .cell_output, pre, '
        + 'div.math, p';
    for (const e of column.querySelectorAll(stickOut)) {
        const out = e.getBoundingClientRect().right > right;
        if (shown(e) && !inScroller(e) && out) {
            overflow.push('sticks out: ' + label(e));
        }
    }
    // What scrolls sideways shows it (reader.js fades the hidden edge).
    for (const e of column.querySelectorAll('*')) {
        if (shown(e) && scrollsX(e) && !e.classList.contains('nnfs-scrolls')) {
            overflow.push('scrolls sideways with no visible sign: ' + label(e));
        }
    }
    // At laptop width code, tables and figures fit without scrolling.
    if (width >= 1000) {
        const fit = '.pst-scrollable-table-container, '
            + '.cell_input div.highlight pre, figure';
        for (const e of column.querySelectorAll(fit)) {
            if (shown(e) && scrollsX(e)) overflow.push('scrolls sideways: ' + label(e));
        }
    }
    // Display math fits the column at every width (no scrolling).
    const math = [];
    for (const box of column.querySelectorAll("mjx-container[display='true']")) {
        if (!shown(box) || !box.firstElementChild) continue;
        const need = box.firstElementChild.getBoundingClientRect().width;
        const have = Math.min(box.clientWidth, column.clientWidth);
        if (need > have + 1) {
            math.push(Math.round(need) + ' px in ' + Math.round(have) + ' px: '
                + (box.textContent || '').slice(0, 40));
        }
    }
    const figures = [...column.querySelectorAll('figure img, .cell_output img')]
        .filter(shown).map(i => ({src: i.getAttribute('src'), alt: i.alt,
            width: i.getBoundingClientRect().width,
            height: i.getBoundingClientRect().height}));
    const main = document.querySelector('main').cloneNode(true);
    main.querySelectorAll('pre, code, script, style, mjx-container, .cell_input')
        .forEach(e => e.remove());
    return {
        overflow, math, figures,
        h1: [...document.querySelectorAll('h1')].filter(h => h.checkVisibility())
            .map(h => h.innerText),
        nMath: document.querySelectorAll('.math').length,
        nRendered: document.querySelectorAll('.math mjx-container').length,
        mathTabStops: [...document.querySelectorAll('mjx-container')]
            .filter(m => m.tabIndex >= 0 && m.hasAttribute('tabindex')).length,
        text: main.textContent,
        cells: [...document.querySelectorAll('main div.cell')].map(c => {
            const out = c.querySelector('.cell_output');
            return [!!out && out.children.length > 0,
                    c.querySelectorAll('.cell_output img').length];
        }),
        broken: [...document.querySelectorAll('main img')]
            .filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src),
        hiddenOutputs: [...document.querySelectorAll('main .cell_output')]
            .filter(o => !o.closest('.dropdown, .toggle-hidden, details')
                && o.getBoundingClientRect().height === 0)
            .map(o => o.textContent.slice(0, 60)),
        bytes: [performance.getEntriesByType('navigation')[0],
                ...performance.getEntriesByType('resource')]
            .reduce((s, e) => s + (e.decodedBodySize || 0), 0),
        resources: performance.getEntriesByType('resource')
            .map(e => [e.name, e.decodedBodySize])
            .sort((a, b) => b[1] - a[1]).slice(0, 5),
    };
}"""

FOCUS_JS = """() => {
    const e = document.activeElement;
    if (!e || e === document.body) return null;
    const s = getComputedStyle(e);
    const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2)
        || (s.boxShadow && s.boxShadow !== 'none');
    const name = e.tagName + ' ' + (e.getAttribute('aria-label')
        || e.textContent || e.getAttribute('href') || '').trim().slice(0, 40);
    return [name, ring, e.checkVisibility()];
}"""


@pytest.fixture(scope="module")
def chromium():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    browser = Chromium()
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture(scope="module")
def site():
    require_book()
    with serve(BOOK) as (base, log):
        yield base, log


def screenshot_name(page_path, width, suffix=""):
    name = page_path.replace("/", "__").removesuffix(".html")
    return SCREENSHOTS / f"{name}-{width}px{suffix}.png"


async def open_page(browser, base, page_path, width):
    """A first visit: a fresh context, every request watched."""
    context = await browser.new_context(
        viewport={"width": width, "height": HEIGHT[width]}
    )
    page = await context.new_page()
    found = {"errors": [], "failed": []}

    def console(message):
        if message.type == "error":
            found["errors"].append(f"console: {message.text}")

    page.on("console", console)
    page.on("pageerror", lambda e: found["errors"].append(f"uncaught: {e}"))
    page.on("requestfailed", lambda r: found["failed"].append(f"{r.url}: {r.failure}"))
    page.on(
        "response",
        lambda r: r.status >= 400 and found["failed"].append(f"{r.url}: {r.status}"),
    )
    page.on(
        "request",
        lambda r: (
            not r.url.startswith((base, "data:", "blob:"))
            and not r.url.startswith(ALLOWED_EXTERNAL)
            and found["failed"].append(f"{r.url}: request to another host")
        ),
    )
    await page.goto(base + page_path, wait_until="domcontentloaded", timeout=TIMEOUT_MS)
    await page.wait_for_load_state("load", timeout=2 * TIMEOUT_MS)
    try:
        await wait_for_math(page, TIMEOUT_MS)
    except Exception as error:  # noqa: BLE001 (any failure of MathJax is reported)
        found["errors"].append(f"MathJax: {str(error).splitlines()[0]}")
    await page.wait_for_function(
        "() => Array.from(document.images).every(i => i.complete)"
        " && document.fonts.status === 'loaded'",
        timeout=TIMEOUT_MS,
    )
    return context, page, found


async def axe_violations(page, contrast):
    """Serious and critical axe-core violations. Colour contrast is the slow rule (tens
    of seconds on a chapter's thousands of math and code elements): it runs at one
    width, as colours do not change with it, over the prose, and over a few code cells
    (their highlighting is the same in every cell) and formulas (they take the text's
    colour)."""
    from axe_playwright_python.async_playwright import Axe  # noqa: PLC0415

    # preload: axe fetches every stylesheet again and resolves an @import against the
    # page, not the sheet (a request for /basic.css that fails).
    base = {"resultTypes": ["violations"], "preload": False}
    runs = [(None, {**base, "rules": {"color-contrast": {"enabled": False}}})]
    if contrast:
        only = {**base, "runOnly": ["color-contrast"]}
        runs += [
            ({"exclude": [["mjx-container"], [".cell_input"]]}, only),
            (
                {"include": [["main section > div.cell:first-of-type .cell_input"]]},
                only,
            ),
            ({"include": [["main section > div.math:first-of-type"]]}, only),
        ]
    found = []
    for context, options in runs:
        if context and "include" in context:
            if not await page.locator(context["include"][0][0]).count():
                continue
        results = await Axe().run(page, context=context, options=options)
        found += [
            f"{v['id']} ({v['impact']}, {len(v['nodes'])}x): {v['help']}; first: "
            + v["nodes"][0]["html"][:120]
            for v in results.response["violations"]
            if v["impact"] in AXE_IMPACTS
        ]
    return found


async def focus_report(page):
    """Tab through the first controls: those without a visible focus ring."""
    missing = []
    await page.locator("body").focus()
    for _ in range(TAB_STOPS):
        await page.keyboard.press("Tab")
        stop = await page.evaluate(FOCUS_JS)
        if stop is None:
            break
        name, ring, visible = stop
        if visible and not ring:
            missing.append(name)
    return missing


async def visible(locator):
    return [
        locator.nth(i)
        for i in range(await locator.count())
        if await locator.nth(i).is_visible()
    ]


SIDEBAR_SHOWN = """() => {
    const s = document.querySelector('#pst-primary-sidebar');
    const r = s && s.getBoundingClientRect();
    return !!s && getComputedStyle(s).visibility !== 'hidden' && r.height > 0
        && r.width > 10;
}"""


async def settles(page, js, ms):
    """Whether the JS predicate becomes true within ms milliseconds (the sidebar
    slides, and a busy machine takes longer than the transition's nominal time)."""
    try:
        await page.wait_for_function(js, timeout=ms)
    except Exception:  # noqa: BLE001 (Playwright's timeout: the finding)
        return False
    return True


async def navigation_report(page, width, page_path):
    """Tap the menu and contents buttons; return what did not work."""
    problems = []
    primary = await visible(page.locator(".primary-toggle"))
    if not primary:
        return ["no visible menu button"]
    if width >= WIDE:
        hidden = f"() => !({SIDEBAR_SHOWN})()"
        await primary[0].click(timeout=ACTION_MS)
        if not await settles(page, hidden, ACTION_MS):
            problems.append("the menu button does not collapse the sidebar")
        await primary[0].click(timeout=ACTION_MS)
        if not await settles(page, SIDEBAR_SHOWN, ACTION_MS):
            problems.append("a second tap does not bring the sidebar back")
        return problems
    modal = page.locator("#pst-primary-sidebar-modal")
    await primary[0].click(timeout=ACTION_MS)
    try:
        await modal.locator("nav a.reference").first.wait_for(
            state="visible", timeout=ACTION_MS
        )
    except Exception:  # noqa: BLE001
        return [f"the menu button at {width} px does not open the navigation"]
    links = await visible(modal.locator("nav a.reference.internal"))
    hrefs = [await a.get_attribute("href") for a in links]
    here = page.url.split("#")[0]
    urls = [urllib.parse.urljoin(here, h).split("#")[0] for h in hrefs]
    target = next(
        (i for i, u in enumerate(urls) if "/chapters/" in u and u != here), None
    )
    await page.keyboard.press("Escape")
    await page.wait_for_timeout(300)
    secondary = await visible(page.locator(".secondary-toggle"))
    if secondary:
        await secondary[0].click(timeout=ACTION_MS)
        contents = page.locator("#pst-secondary-sidebar-modal a")
        try:
            await contents.first.wait_for(state="visible", timeout=ACTION_MS)
        except Exception:  # noqa: BLE001
            problems.append(f"the contents button at {width} px opens nothing")
        await page.keyboard.press("Escape")
        await page.wait_for_timeout(300)
    if target is None:
        return problems + ["the navigation lists no other chapter"]
    await primary[0].click(timeout=ACTION_MS)
    link = links[target]
    expected = urls[target]
    try:
        await link.click(timeout=ACTION_MS)
        await page.wait_for_url(expected + "*", timeout=ACTION_MS)
    except Exception:  # noqa: BLE001
        problems.append(f"the chapter link {hrefs[target]} in the menu does not open")
    return problems


async def zoom_report(page):
    """At phone width: a tap on a figure opens it full size; its text size there."""
    buttons = await visible(page.locator("main button.nnfs-zoom"))
    if not buttons:
        return None
    await buttons[0].click(timeout=ACTION_MS)
    big = page.locator("dialog.nnfs-lightbox[open] img")
    try:
        await big.wait_for(state="visible", timeout=ACTION_MS)
    except Exception:  # noqa: BLE001
        return {"opened": False}
    shown = await big.evaluate(
        "i => ({src: i.getAttribute('src'), width: i.getBoundingClientRect().width,"
        " natural: i.naturalWidth})"
    )
    await page.keyboard.press("Escape")
    return {"opened": True, **shown}


async def survey_page(browser, base, page_path, width):
    """One visit: every measurement the page tests use, at one width."""
    context, page, found = await open_page(browser, base, page_path, width)
    try:
        result = {"page": page_path, "width": width}
        result.update({k: list(v) for k, v in found.items()})  # the visit's own
        result.update(await page.evaluate(MEASURE_JS, width))
        if width in SCREENSHOT_WIDTHS:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            await page.screenshot(
                path=screenshot_name(page_path, width), full_page=True
            )
            await page.screenshot(path=screenshot_name(page_path, width, "-top"))
        if width in AXE_WIDTHS:
            result["axe"] = await axe_violations(page, contrast=width == WIDTHS[0])
        if width == WIDTHS[0]:
            result["focus"] = await focus_report(page)
        if width == WIDTHS[-1]:
            result["zoom"] = await zoom_report(page)
        try:
            result["navigation"] = await navigation_report(page, width, page_path)
        except Exception as error:  # noqa: BLE001 (a tap that fails is the finding)
            result["navigation"] = [f"tap failed: {str(error).splitlines()[0]}"]
        return result
    finally:
        await context.close()


async def survey_or_report(browser, base, page_path, width):
    """A visit that fails (a page that never loads) is retried once, then reported by
    every test of that page instead of stopping the others."""
    for attempt in (1, 2):
        try:
            return await survey_page(browser, base, page_path, width)
        except Exception as error:  # noqa: BLE001
            failure = f"visit failed ({attempt}x): {str(error).splitlines()[0]}"
    return {"page": page_path, "width": width, "failure": failure}


@pytest.fixture(scope="module")
def survey(chromium, site):
    base, _ = site
    visits = [(p, w) for p in PAGES for w in WIDTHS]
    results = chromium.gather(
        [survey_or_report(chromium.browser, base, p, w) for p, w in visits], limit=3
    )
    return Survey({(r["page"], r["width"]): r for r in results})


class Survey(dict):
    def __getitem__(self, key):
        visit = super().__getitem__(key)
        if "failure" in visit:
            pytest.fail(f"{key[0]} at {key[1]} px: {visit['failure']}")
        return visit


def test_the_book_is_built():
    require_book()
    assert PAGES, f"no pages in {BOOK}"


@pytest.mark.parametrize("page_path", PAGES)
def test_page_loads_with_no_console_error_and_no_failed_request(survey, page_path):
    for width in WIDTHS:
        v = survey[page_path, width]
        assert not v["errors"], f"{page_path} at {width} px: " + "\n".join(v["errors"])
        assert not v["failed"], f"{page_path} at {width} px: " + "\n".join(v["failed"])
    shot = screenshot_name(page_path, 1280)
    assert shot.stat().st_size > 10_000, f"{shot} looks empty"


def test_the_server_saw_no_failed_request(survey, site):
    _, log = site
    failed = sorted({f"{path}: HTTP {status}" for path, status in log if status >= 400})
    assert not failed, "requests the server could not answer:\n" + "\n".join(failed)


@pytest.mark.parametrize("page_path", PAGES)
def test_page_shows_a_single_h1(survey, page_path):
    h1 = survey[page_path, 1280]["h1"]
    assert len(h1) == 1, f"{page_path}: {len(h1)} visible h1: {h1}"


@pytest.mark.parametrize("page_path", PAGES)
def test_math_is_rendered_by_mathjax(survey, page_path):
    v = survey[page_path, 1280]
    if not v["nMath"]:
        pytest.skip(f"{page_path} has no math")
    assert v["nRendered"] == v["nMath"], (
        f"{page_path}: MathJax rendered {v['nRendered']} of {v['nMath']} formulas"
    )
    raw = [
        v["text"][max(m.start() - 30, 0) : m.end() + 30].strip()
        for m in RAW_MATH.finditer(v["text"])
    ]
    assert not raw, f"{page_path}: unrendered TeX in the text: {raw}"


@pytest.mark.parametrize("page_path", PAGES)
def test_math_is_not_in_the_tab_order(survey, page_path):
    stops = survey[page_path, 1280]["mathTabStops"]
    assert stops == 0, f"{page_path}: {stops} formulas are tab stops"


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
def test_notebook_page_shows_its_figures_and_outputs(survey, doc):
    v = survey[f"{doc}.html", 1280]
    assert [tuple(c) for c in v["cells"]] == expected_cells(doc), (
        f"{doc}: rendered cells differ from the notebook's"
    )
    assert not v["broken"], f"{doc}: images that did not load: {v['broken']}"
    assert not v["hiddenOutputs"], f"{doc}: outputs not shown: {v['hiddenOutputs']}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page_path", PAGES)
def test_nothing_overflows_the_text_column(survey, page_path, width):
    """Nothing sticks out of the column or scrolls sideways without a visible sign, and
    at laptop width code, tables and figures fit."""
    found = survey[page_path, width]["overflow"]
    assert not found, f"{page_path} at {width} px:\n" + "\n".join(found)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page_path", PAGES)
def test_display_math_fits_the_column(survey, page_path, width):
    found = survey[page_path, width]["math"]
    assert not found, (
        f"{page_path} at {width} px: display math wider than the column:\n"
        + "\n".join(found)
    )


FONT_SIZE = re.compile(r"font(?:-size)?:\s*([\d.]+)px")


def svg_text_sizes(src, page_path):
    """(font sizes of the SVG's text, its width in SVG units), or None for a raster
    image or text drawn as paths (nothing to measure). A text element's size is that
    of its base characters: matplotlib's mathtext writes a label such as x_1 as one
    text element whose subscript tspan is set at 70 % of it, as TeX sets scripts."""
    path = (BOOK / page_path).parent / urllib.parse.unquote(src)
    if path.suffix != ".svg":
        return None
    root = ET.parse(path).getroot()
    width = float(root.get("viewBox").split()[2])
    sizes = []
    for element in root.iter():
        if element.tag.endswith("}text"):
            parts = [element, *(e for e in element.iter() if e.tag.endswith("}tspan"))]
            found = [
                float(match[1])
                for e in parts
                if (
                    match := FONT_SIZE.search(
                        e.get("style", "") + ";font-size:" + e.get("font-size", "")
                    )
                )
            ]
            if found:
                sizes.append(max(found))
    return (sizes, width) if sizes else None


def figure_text_px(figure, page_path, shown_width=None):
    measured = svg_text_sizes(figure["src"], page_path)
    if measured is None:
        return None
    sizes, svg_width = measured
    return min(sizes) * (shown_width or figure["width"]) / svg_width


@pytest.mark.parametrize("width", WIDTHS[:2])
@pytest.mark.parametrize("doc", NOTEBOOKS)
def test_figure_text_is_at_least_9_px(survey, doc, width):
    """Font size x displayed width / figure width, from each figure's SVG; a raster
    figure has no text to measure and fails (figures are SVG with text as text)."""
    page_path = f"{doc}.html"
    small = []
    for figure in survey[page_path, width]["figures"]:
        px = figure_text_px(figure, page_path)
        if px is None:
            small.append(f"{figure['src']}: raster or text as paths, cannot measure")
        elif px < MIN_TEXT_PX:
            small.append(f"{figure['src']}: text {px:.1f} px ({figure['alt'][:40]})")
    assert not small, f"{doc} at {width} px:\n" + "\n".join(small)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("doc", NOTEBOOKS)
def test_figures_are_at_least_150_px_tall(survey, doc, width):
    low = [
        f"{f['src']}: {f['height']:.0f} px ({f['alt'][:40]})"
        for f in survey[f"{doc}.html", width]["figures"]
        if f["height"] < MIN_FIGURE_PX
    ]
    assert not low, f"{doc} at {width} px, figures under 150 px tall:\n" + "\n".join(
        low
    )


@pytest.mark.parametrize("doc", NOTEBOOKS)
def test_a_tap_opens_a_figure_full_size_on_a_phone(survey, doc):
    page_path = f"{doc}.html"
    v = survey[page_path, 390]
    if not v["figures"]:
        pytest.skip(f"{doc} has no figures")
    zoom = v["zoom"]
    assert zoom and zoom["opened"], f"{doc}: a tap on a figure at 390 px opens nothing"
    assert zoom["width"] >= zoom["natural"] - 1, f"{doc}: not full size: {zoom}"
    figure = next(f for f in v["figures"] if f["src"] == zoom["src"])
    px = figure_text_px(figure, page_path, zoom["width"])
    assert px is None or px >= MIN_TEXT_PX, f"{doc}: text {px:.1f} px at full size"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page_path", PAGES)
def test_navigation_opens_and_a_chapter_link_in_it_works(survey, page_path, width):
    problems = survey[page_path, width]["navigation"]
    assert not problems, f"{page_path} at {width} px:\n" + "\n".join(problems)


@pytest.mark.parametrize("width", AXE_WIDTHS)
@pytest.mark.parametrize("page_path", PAGES)
def test_no_serious_or_critical_axe_violation(survey, page_path, width):
    found = survey[page_path, width]["axe"]
    assert not found, f"{page_path} at {width} px:\n" + "\n".join(found)


@pytest.mark.parametrize("page_path", PAGES)
def test_every_control_shows_focus(survey, page_path):
    missing = survey[page_path, 1280]["focus"]
    assert not missing, f"{page_path}: no visible focus on: {missing}"


@pytest.mark.parametrize("page_path", PAGES)
def test_first_visit_weighs_at_most_3_mb(survey, page_path):
    v = survey[page_path, 1280]
    assert v["bytes"] <= MAX_PAGE_BYTES, (
        f"{page_path}: {v['bytes'] / 1e6:.2f} MB on a first visit; largest: "
        f"{v['resources']}"
    )


def test_screenshots_are_kept_at_both_widths(survey):
    missing = [
        str(screenshot_name(p, w))
        for p in PAGES
        for w in SCREENSHOT_WIDTHS
        if not screenshot_name(p, w).is_file()
    ]
    assert not missing, f"screenshots missing: {missing}"


async def launch_and_download(browser, base, doc):
    context, page, _ = await open_page(browser, base, f"{doc}.html", 1280)
    try:
        colab = page.locator(
            ".dropdown-launch-buttons a[href^='https://colab.research.google.com/']"
        )
        count, href = await colab.count(), None
        if count == 1:
            href = await colab.get_attribute("href")
            await page.locator(
                ".dropdown-launch-buttons button.dropdown-toggle"
            ).click()
            await colab.wait_for(state="visible", timeout=TIMEOUT_MS)
            await page.keyboard.press("Escape")
        download = page.locator(
            ".dropdown-download-buttons a.btn-download-source-button"
        )
        return count, href, await download.get_attribute("href")
    finally:
        await context.close()


@pytest.fixture(scope="module")
def launches(chromium, site):
    found = chromium.gather(
        [launch_and_download(chromium.browser, site[0], d) for d in NOTEBOOKS]
    )
    return dict(zip(NOTEBOOKS, found, strict=True))


@pytest.mark.parametrize("doc", NOTEBOOKS)
def test_launch_button_opens_the_chapter_in_colab_and_download_gives_the_notebook(
    launches, doc
):
    count, href, download = launches[doc]
    url, branch, path_to_book = repository()
    owner_repo = urllib.parse.urlsplit(url).path.strip("/")
    notebook_path = "/".join(p for p in (path_to_book, f"{doc}.ipynb") if p)
    expected = (
        f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/"
        f"{notebook_path}"
    )
    assert count == 1, f"{doc}: no Colab launch button"
    assert href == expected
    assert download.endswith(".ipynb"), f"{doc}: download gives {download}"
    target = (BOOK / doc).parent / download
    assert target.resolve() == (BOOK / "_sources" / f"{doc}.ipynb").resolve()
    assert json.loads(target.read_text())["nbformat"] == 4, f"{target}: no notebook"


SHOWN_JS = """() => Array.from(
    document.querySelectorAll('main .solution.dropdown')).map(s =>
    Array.from(s.children).filter(c => !c.classList.contains('admonition-title'))
         .map(c => c.checkVisibility() && c.getBoundingClientRect().height > 0))"""


async def click_solutions(browser, base, doc):
    context, page, _ = await open_page(browser, base, f"{doc}.html", 1280)
    try:
        solutions = page.locator("main .solution.dropdown")
        n = await solutions.count()
        buttons = page.locator(
            "main .solution.dropdown > .admonition-title .toggle-button"
        )
        if n:
            await buttons.nth(n - 1).wait_for(state="attached", timeout=TIMEOUT_MS)
        names = [await buttons.nth(i).get_attribute("aria-label") for i in range(n)]
        titles = [
            await solutions.nth(i).locator(".admonition-title a").inner_text()
            for i in range(n)
        ]
        before = await page.evaluate(SHOWN_JS)
        heads = page.locator("main .solution.dropdown > .admonition-title")
        for i in range(n):
            await heads.nth(i).locator("a, span").first.click()
        await page.wait_for_timeout(500)
        after = await page.evaluate(SHOWN_JS)
        for i in range(n):
            await buttons.nth(i).click()
        await page.wait_for_timeout(500)
        closed = await page.evaluate(SHOWN_JS)
        return n, await buttons.count(), names, titles, before, after, closed
    finally:
        await context.close()


@pytest.fixture(scope="module")
def clicks(chromium, site):
    found = chromium.gather(
        [click_solutions(chromium.browser, site[0], d) for d in NOTEBOOKS]
    )
    return dict(zip(NOTEBOOKS, found, strict=True))


@pytest.mark.parametrize("doc", NOTEBOOKS)
def test_solutions_are_hidden_until_clicked_and_named_after_their_exercise(clicks, doc):
    n_expected = sum(
        "{solution-start}" in "".join(c["source"])
        for c in notebook(doc)["cells"]
        if c["cell_type"] == "markdown"
    )
    if n_expected == 0:
        pytest.skip(f"{doc} has no solutions")
    n, n_buttons, names, titles, before, after, closed = clicks[doc]
    assert n == n_expected, f"{doc}: {n} solution dropdowns, notebook has {n_expected}"
    assert n_buttons == n, f"{doc}: {n_buttons} toggle buttons for {n} solutions"
    assert all(before), f"{doc}: a solution has no content: {before}"
    assert not any(any(parts) for parts in before), f"{doc}: shown before a click"
    assert all(all(parts) for parts in after), f"{doc}: hidden after a title click"
    assert not any(any(parts) for parts in closed), f"{doc}: shown after the chevron"
    for name, title in zip(names, titles, strict=True):
        exercise = re.sub(r"\s*\(.*$", "", title).strip()
        assert name and exercise in name, (
            f"{doc}: the button of the solution to {exercise!r} is named {name!r}"
        )


def search_term(h1):
    """The words of the page's title (e.g. 'perceptron'), which search must all find."""
    return " ".join(re.findall(r"[A-Za-z]{4,}", h1)).lower()


async def search(browser, base, term):
    page = await browser.new_page()
    try:
        await page.goto(
            f"{base}search.html?q={urllib.parse.quote(term)}",
            wait_until="load",
            timeout=TIMEOUT_MS,
        )
        await page.wait_for_function(
            "() => { const s = document.querySelector("
            "'#search-results .search-summary');"
            " return s && !s.textContent.includes('Searching'); }",
            timeout=TIMEOUT_MS,
        )
        hits = await page.locator("#search-results ul.search li a").evaluate_all(
            "as => as.map(a => a.getAttribute('href'))"
        )
        snippets = await page.locator(
            "#search-results ul.search li p"
        ).all_inner_texts()
        return hits, snippets
    finally:
        await page.close()


SEARCHED = [p for p in PAGES if p not in ("genindex.html", "search.html")]


@pytest.fixture(scope="module")
def searches(chromium, site, survey):
    terms = {p: search_term(survey[p, 1280]["h1"][0]) for p in SEARCHED}
    found = chromium.gather(
        [search(chromium.browser, site[0], t) for t in terms.values()]
    )
    return {p: (terms[p], *f) for p, f in zip(terms, found, strict=True)}


@pytest.mark.parametrize("page_path", SEARCHED)
def test_search_finds_the_page_offline(searches, page_path):
    term, hits, _ = searches[page_path]
    assert page_path in [urllib.parse.urlsplit(h).path for h in hits], (
        f"search for {term!r} lists {hits}, not {page_path}"
    )


def test_search_snippets_show_no_raw_latex(searches):
    raw = [
        s[:80]
        for _, _, snippets in searches.values()
        for s in snippets
        if RAW_MATH.search(s) or re.search(r"\\[a-zA-Z]+\{", s)
    ]
    assert not raw, f"search snippets with raw LaTeX: {raw}"


def test_print_leaves_out_solutions_and_buttons(chromium, site):
    """Chromium's PDF of the first chapter with solutions: no solution text, no
    buttons, and the chapter's prose is there."""
    from bs4 import BeautifulSoup  # noqa: PLC0415
    from pypdf import PdfReader  # noqa: PLC0415

    doc = next(
        (d for d in NOTEBOOKS if "{solution-start}" in json.dumps(notebook(d))), None
    )
    if doc is None:
        pytest.skip("no chapter has solutions")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "chapter.pdf")
        chromium.run(print_pdf(chromium.browser, f"{site[0]}{doc}.html", out))
        text = " ".join(p.extract_text() for p in PdfReader(out).pages)
    text = re.sub(r"\s+", " ", text)
    soup = BeautifulSoup((BOOK / f"{doc}.html").read_text(), "html.parser")
    for title in soup.select(".solution > .admonition-title"):
        title.decompose()  # "Solution to Exercise 1.1 (...)": the exercise is printed
    solution_lines = [
        line.strip()
        for s in soup.select(".solution")
        for line in s.get_text("\n").split("\n")
        if len(line.strip()) > 30
    ]
    for s in soup.select(".solution"):
        s.decompose()
    elsewhere = re.sub(r"\s+", " ", soup.get_text(" "))
    # A line the page also shows outside a solution (a section title the solution
    # refers to) is printed for that reason.
    printed = [
        line for line in solution_lines if line in text and line not in elsewhere
    ]
    assert solution_lines, f"{doc}: no solution text found in the page"
    assert not printed, f"{doc}: solution text printed: {printed[:3]}"
    for label in ("Show code cell source", "Click to show", "Copy to clipboard"):
        assert label not in text, f"{doc}: the button {label!r} is printed"
    first = soup.select_one("main section p").get_text(" ").strip()
    assert re.sub(r"\s+", " ", first)[:40] in text, f"{doc}: the prose is not printed"
