"""Checks of the built HTML book (no browser): offline assets, local MathJax, links, alt
text, headings.

Reads `_build/html` (`make book`), or BOOK_HTML_DIR. See tests/test_browser.py for the
reader's view.
"""

import functools
import importlib.util
import os
import pathlib
import re
import urllib.parse

import pytest
from browser_server import (
    BOOK,
    ROOT,
    all_pages,
    content_pages,
    require_book,
    sources,
    toc_files,
)
from bs4 import BeautifulSoup

# The live-code (thebe) button may fetch thebe from unpkg, and only when a reader clicks
# it.
ALLOWED_EXTERNAL = ("https://unpkg.com/thebe@",)
MATHJAX = "_static/mathjax/tex-chtml.js"
CSS_URL = re.compile(
    r"""url\(\s*['"]?([^'")\s]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]"""
)


@pytest.fixture(scope="module")
def book():
    return require_book()


def parse(page):
    return BeautifulSoup((BOOK / page).read_text(encoding="utf-8"), "html.parser")


def is_external(url):
    return url.startswith(("//", "http://", "https://")) and not url.startswith(
        ALLOWED_EXTERNAL
    )


def loaded_urls(soup):
    """URLs the page makes the browser fetch by itself: scripts, styles, fonts, images,
    frames."""
    urls = []
    for tag in soup.find_all(
        ["script", "img", "iframe", "source", "audio", "video", "embed", "input"]
    ):
        if tag.get("src"):
            urls.append((tag.name, tag["src"]))
        for candidate in (tag.get("srcset") or "").split(","):
            if candidate.strip():
                urls.append((tag.name, candidate.split()[0]))
    for tag in soup.find_all("object", data=True):
        urls.append(("object", tag["data"]))
    for tag in soup.find_all("link", href=True):
        rel = {r.lower() for r in tag.get("rel", [])}
        if rel & {
            "stylesheet",
            "preload",
            "modulepreload",
            "prefetch",
            "icon",
            "shortcut",
            "manifest",
            "preconnect",
        }:
            urls.append(("link " + " ".join(sorted(rel)), tag["href"]))
    for tag in soup.find_all("style"):
        urls += [("style", a or b) for a, b in CSS_URL.findall(tag.get_text())]
    for tag in soup.find_all(style=True):
        urls += [("style attribute", a or b) for a, b in CSS_URL.findall(tag["style"])]
    return urls


def external_assets(html):
    """The URLs from another host that an HTML page loads (thebe's aside)."""
    return [
        (kind, url)
        for kind, url in loaded_urls(BeautifulSoup(html, "html.parser"))
        if is_external(url)
    ]


def test_book_is_built_with_every_toc_page(book):
    if "BOOK_HTML_DIR" in os.environ:
        pytest.skip("BOOK_HTML_DIR points at another build; its toc is not _toc.yml")
    missing = [doc for doc in toc_files() if not (book / f"{doc}.html").is_file()]
    assert not missing, (
        f"_toc.yml names pages the build lacks: {missing}; run make book"
    )


def test_the_external_asset_check_catches_a_cdn():
    page = """<html><head><script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"></script>
    <link rel="stylesheet" href="//fonts.googleapis.com/css?family=Lato"><style>@import 'https://x.org/a.css';</style>
    <script>const THEBE_JS_URL = "https://unpkg.com/thebe@0.8.2/lib/index.js"</script>
    <script src="https://unpkg.com/thebe@0.8.2/lib/index.js"></script><a href="https://github.com/x">repo</a></head>
    <body><img src="https://example.org/a.png" alt="a"></body></html>"""
    assert [url for _, url in external_assets(page)] == [
        "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js",
        "https://example.org/a.png",
        "//fonts.googleapis.com/css?family=Lato",
        "https://x.org/a.css",
    ]


def test_no_page_loads_a_script_style_font_or_image_from_another_host(book):
    problems = []
    for page in all_pages():
        problems += [
            f"{page}: {kind} {url}"
            for kind, url in external_assets((book / page).read_text(encoding="utf-8"))
        ]
    assert not problems, (
        "assets from another host (the book must work offline):\n" + "\n".join(problems)
    )


def test_no_stylesheet_imports_a_font_or_style_from_another_host(book):
    problems = []
    for css in sorted((book / "_static").rglob("*.css")):
        text = css.read_text(encoding="utf-8", errors="replace")
        problems += [
            f"{css.relative_to(book)}: {a or b}"
            for a, b in CSS_URL.findall(text)
            if is_external(a or b)
        ]
    assert not problems, "stylesheets that load from another host:\n" + "\n".join(
        problems
    )


def math_pages():
    return [
        page
        for page in content_pages()
        if parse(page).select(".math, span.math, div.math")
    ]


def test_math_pages_load_the_local_mathjax_exactly_once(book):
    pages = math_pages()
    if not pages:
        pytest.skip("no page of the book has math yet")
    assert (book / MATHJAX).is_file(), (
        f"{MATHJAX} is missing from the build "
        "(tools/fetch_mathjax.sh, html_static_path)"
    )
    for page in pages:
        scripts = [
            s["src"]
            for s in parse(page).find_all("script", src=True)
            if "mathjax" in s["src"].lower()
        ]
        resolved = [
            (
                pathlib.PurePosixPath(page).parent / urllib.parse.urlsplit(src).path
            ).as_posix()
            for src in scripts
        ]
        resolved = [re.sub(r"[^/]+/\.\./", "", path) for path in resolved]
        assert resolved == [MATHJAX], (
            f"{page} loads MathJax as {scripts}; expected once, from {MATHJAX}"
        )


def test_pages_without_math_load_no_mathjax(book):
    with_math = set(math_pages())
    loading = [
        page
        for page in all_pages()
        if page not in with_math
        and any(
            "mathjax" in s["src"].lower()
            for s in parse(page).find_all("script", src=True)
        )
    ]
    assert not loading, f"pages with no math that load MathJax: {loading}"


def test_no_page_loads_the_icon_font_script(book):
    """pydata-sphinx-theme's fontawesome.js (1.49 MB) is replaced by inline SVG icons
    (tools/sphinx_assets_fix.py); no page keeps an icon the script would draw."""
    found = []
    for page in all_pages():
        soup = parse(page)
        if any("fontawesome" in s.get("src", "") for s in soup.find_all("script")):
            found.append(f"{page}: loads fontawesome.js")
        icons = [
            tag.get("class")
            for tag in soup.find_all(["i", "span"], class_=re.compile(r"^fa-"))
            if not tag.get_text(strip=True)
        ]
        if icons:
            found.append(f"{page}: icons left to the script: {icons[:3]}")
    assert not found, "\n".join(found)


@functools.cache
def load_assets_fix():
    """tools/sphinx_assets_fix.py, whose page rewrites these tests check."""
    spec = importlib.util.spec_from_file_location(
        "sphinx_assets_fix", ROOT / "tools" / "sphinx_assets_fix.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_unwrapped_code_tokens_keep_their_colour(book):
    """The extension unwraps Pygments' name, punctuation and whitespace spans; that is
    invisible only while both code styles colour them as the block's own text."""
    assets_fix = load_assets_fix()
    css = (BOOK / "_static" / "pygments.css").read_text()
    found = []
    for theme in ("light", "dark"):
        scope = rf'html\[data-theme="{theme}"\] \.highlight'
        base = re.search(scope + r" \{[^}]*?color: (#\w+)", css)
        assert base, f"no text colour for {theme} code blocks in pygments.css"
        for cls in assets_fix.PLAIN_CLASSES:
            own = re.search(scope + rf" \.{cls} \{{([^}}]*)\}}", css)
            if own and own[1].strip() != f"color: {base[1]}":
                found.append(f"{theme}: .{cls} is styled {own[1].strip()!r}")
    for page in content_pages():
        if assets_fix.PLAIN_TOKEN.search((BOOK / page).read_text(encoding="utf-8")):
            found.append(f"{page}: keeps a plain code token span")
    assert not found, "\n".join(found)


def test_only_the_search_page_loads_the_search_index(book):
    """The search field submits to search.html (search-as-you-type is off), so no other
    page downloads searchindex.js; the search page still loads it and searchtools.js."""
    found = []
    for page in all_pages():
        scripts = [s.get("src", "") for s in parse(page).find_all("script")]
        loads = {
            n for n in ("searchindex.js", "searchtools.js") for s in scripts if n in s
        }
        if page == "search.html" and len(loads) < 2:
            found.append(f"search.html loads only {sorted(loads)}")
        elif page != "search.html" and loads:
            found.append(f"{page} loads {sorted(loads)}")
    assert not found, "\n".join(found)


def test_admonition_icons_are_masks_not_the_icon_font(book):
    """A box's title icon (an exercise's pencil, a note's circle) is drawn as a CSS mask
    of the theme's own SVG path (tools/sphinx_assets_fix.py), so that a page with an
    exercise does not load Font Awesome's 156 KB fa-solid-900.woff2 for one glyph."""
    assets_fix = load_assets_fix()
    found = []
    for page in all_pages():
        soup = parse(page)
        boxes = soup.select("div.admonition")
        if not boxes:
            continue
        style = "\n".join(tag.get_text() for tag in soup.find_all("style"))
        if "content: '' !important" not in style:
            found.append(f"{page}: admonition icons left to the icon font")
        for selector in assets_fix.ADMONITION_ICONS:
            used = any(f".{c}" == selector for box in boxes for c in box["class"])
            rule = f'.admonition{selector} {{ --nnfs-icon: url("data:image/svg+xml,'
            if used and rule not in style:
                found.append(f"{page}: no icon for .admonition{selector}")
    assert not found, "\n".join(found)


EXERCISE_ID = re.compile(r"^ch(\d+)-ex(\d+)$")


def test_exercises_are_numbered_as_their_labels(book):
    """``ch04-ex1`` is "Exercise 4.1" on the page, the id the checks use."""
    wrong = []
    for page in content_pages():
        for box in parse(page).select("div.exercise"):
            match = EXERCISE_ID.match(box.get("id", ""))
            title = box.select_one(".admonition-title")
            if not match or title is None:
                continue
            expected = f"Exercise {int(match[1])}.{int(match[2])}"
            if not title.get_text(" ", strip=True).startswith(expected):
                wrong.append(f"{page}: {box['id']} is titled {title.get_text()[:40]!r}")
    assert not wrong, "\n".join(wrong)


def anchors(page, cache={}):  # noqa: B006 (a deliberate per-process cache)
    if page not in cache:
        soup = parse(page)
        cache[page] = {tag["id"] for tag in soup.find_all(id=True)} | {
            tag["name"] for tag in soup.find_all("a", attrs={"name": True})
        }
    return cache[page]


def test_no_internal_link_is_broken(book):
    """Every relative href/src of every page names a file of the build, and an #anchor
    that exists there."""
    problems = []
    for page in all_pages():
        soup = parse(page)
        for tag in soup.find_all(href=True) + soup.find_all(src=True):
            for attr in ("href", "src"):
                url = tag.get(attr)
                if not url or tag.name == "script" and attr == "href":
                    continue
                parts = urllib.parse.urlsplit(url)
                if parts.scheme or url.startswith("//"):
                    continue  # external (checked above) or mailto:/data:/javascript:
                target = (
                    (book / page).parent / urllib.parse.unquote(parts.path)
                    if parts.path
                    else book / page
                )
                target = target.resolve()
                if not target.exists():
                    problems.append(f"{page}: {tag.name} {attr}={url!r}: no such file")
                elif parts.fragment and target.suffix == ".html":
                    if parts.fragment not in anchors(
                        target.relative_to(book).as_posix()
                    ):
                        problems.append(
                            f"{page}: {tag.name} {attr}={url!r}: "
                            f"no #{parts.fragment} in {target.name}"
                        )
    assert not problems, "broken internal links:\n" + "\n".join(problems)


def test_every_image_has_alt_text_or_a_caption(book):
    """myst-nb uses the image's file name as alt when a cell has no alt text: that
    counts as none."""
    problems = []
    for page in content_pages():
        for img in parse(page).find_all("img"):
            alt = (img.get("alt") or "").strip()
            meaningless = (
                not alt
                or alt == img.get("src")
                or re.search(r"\.(png|jpe?g|svg|gif)$", alt)
            )
            figure = img.find_parent("figure")
            captioned = (
                figure is not None
                and figure.find("figcaption")
                and figure.find("figcaption").get_text(strip=True)
            )
            if meaningless and not captioned:
                problems.append(
                    f"{page}: <img src={img.get('src')!r} alt={img.get('alt')!r}>"
                )
    assert not problems, (
        "images without alt text "
        "(set cell metadata mystnb.image.alt, see CONTRIBUTING):\n"
        + "\n".join(problems)
    )


def test_every_page_has_a_single_h1(book):
    """One h1 on screen; the theme's print-only copy of the title (.onlyprint) is not
    shown."""
    problems = []
    for page in all_pages():
        h1 = [
            h
            for h in parse(page).find_all("h1")
            if not h.find_parent(class_="onlyprint")
        ]
        if len(h1) != 1:
            problems.append(
                f"{page}: {len(h1)} h1 {[h.get_text(strip=True) for h in h1]}"
            )
    assert not problems, "pages without exactly one h1:\n" + "\n".join(problems)


def test_every_notebook_page_offers_its_notebook_for_download(book):
    for doc, suffix in sources().items():
        if suffix != ".ipynb":
            continue
        links = [
            a["href"]
            for a in parse(f"{doc}.html").find_all("a", href=True)
            if a["href"].endswith(".ipynb")
        ]
        local = [href for href in links if not urllib.parse.urlsplit(href).scheme]
        assert local, f"{doc}.html has no download link to its .ipynb"
        for href in local:
            assert ((book / doc).parent / href).resolve() == (
                book / "_sources" / f"{doc}.ipynb"
            ).resolve(), href


# Framework chatter a reader should never see in a stored output: TensorFlow's C++ log
# lines,
# absl's start-up warning, CUDA probing, progress bars.
LOG_NOISE = re.compile(
    r"absl::InitializeLog|oneDNN custom operations|"
    r"This TensorFlow binary is optimized|cuda drivers|Unable to register cu|"
    r"^[IWEF]\d{4} [\d:.]+ +\d+ \S+:\d+\]|━━━━|\d+(?:\.\d+)?it/s\]",
    re.MULTILINE,
)


def test_the_log_noise_check_catches_tensorflow_chatter():
    sample = (
        "WARNING: All log messages before absl::InitializeLog() is called "
        "are written to STDERR\n"
        "I0000 00:00:1795461571.597269   17363 port.cc:153] "
        "oneDNN custom operations are on.\n"
    )
    assert len(LOG_NOISE.findall(sample)) == 3
    assert not LOG_NOISE.search(
        "z = [ 4. -2.]\nEpoch 3: loss 0.25, accuracy 97.1%\nI1234 is not a log line"
    )


def test_no_output_shows_framework_log_noise_or_progress_bars(book):
    problems = []
    for page in content_pages():
        for out in parse(page).select(".cell_output"):
            for match in LOG_NOISE.finditer(out.get_text()):
                line = (
                    out.get_text()[: match.end()].rsplit("\n", 1)[-1]
                    + out.get_text()[match.end() :].split("\n", 1)[0]
                )
                problems.append(f"{page}: {line.strip()[:120]}")
    assert not problems, (
        "outputs with framework log lines or progress bars "
        "(set TF_CPP_MIN_LOG_LEVEL=3 before importing "
        "TensorFlow, verbose=0, then re-execute):\n" + "\n".join(problems)
    )
