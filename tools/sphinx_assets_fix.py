"""Sphinx extension: fixes to the scripts the themes put on every page.

1. Inline scripts added after the builder starts are emitted once, not twice. Sphinx 7.4
   (the series Jupyter Book 1 requires) keeps an inline script added with
   ``app.add_js_file(None, body=...)`` twice when the call comes after
   ``Builder.init()``: once as given (filename ``None``) and once more from the registry
   in ``prepare_writing`` (filename ``''``), and the two do not compare equal.
   sphinx-togglebutton and sphinx-thebe add their configuration that way, so every page
   declared ``const THEBE_JS_URL`` twice and the browser reported "Identifier
   'THEBE_JS_URL' has already been declared". Upstream fix: sphinx-doc/sphinx#13402
   (Sphinx 8.2), which passes ``''`` instead of ``None``; this does the same here.
2. No 1.5 MB icon script. pydata-sphinx-theme loads Font Awesome's ``fontawesome.js``
   (1.49 MB, every icon there is) on every page to turn ``<i class="fa-...">`` into SVG.
   After the build, each page gets the few icons it shows inlined as SVG (the path data
   is read from that same script, so the icons are the theme's), and the script goes.
3. MathJax only where there is math: a page with no math element loses MathJax's
   configuration and script (Jupyter Book 1 adds them to pages without math too).
4. No 156 KB icon font for a box's title icon: pydata-sphinx-theme draws an
   admonition's icon (an exercise's pencil, a dropdown's bell) as a Font Awesome glyph
   in ``.admonition-title::after``, so every page with an exercise loads
   ``fa-solid-900.woff2``. Each page gets a small style block that draws the same
   icons, from the same path data, as CSS masks instead.
5. Search scripts only on the search page. pydata-sphinx-theme loads ``searchtools.js``,
   ``language_data.js`` and the whole ``searchindex.js`` (135 KB together) on every page
   for its search-as-you-type option, which this book leaves off: the search field
   submits to ``search.html``, which loads them itself.
6. Code without colourless spans. Pygments wraps every name, punctuation mark and run of
   spaces in a ``<span class="n|p|w">`` that both of the theme's code styles (light and
   dark) colour exactly as the code block's own text; a code-heavy chapter carries
   150 KB of them. They are unwrapped; ``tests/test_book.py`` checks that the styles
   still agree.
7. Figures without surplus digits: matplotlib writes SVG coordinates with six decimals
   (a millionth of a point); rounded to a tenth of a point, a figure looks the same at
   any zoom and a contour plot weighs a fifth less.
"""

import functools
import html
import pathlib
import re
import urllib.parse

FA_SCRIPT = "_static/scripts/fontawesome.js"
FA_TAG = re.compile(
    r"""<script[^>]*fontawesome\.js[^>]*></script>\s*"""
    r"""|<link[^>]*fontawesome\.js[^>]*/?>\s*"""
)
ICON = re.compile(
    r"""<(?P<tag>i|span)(?P<before>[^>]*?)\sclass="(?P<cls>[^"]*\bfa-[^"]*)"(?P<after>[^>]*)>"""
    r"""\s*</(?P=tag)>"""
)
PACKS = {
    "fab": "brands",
    "fa-brands": "brands",
    "far": "regular",
    "fa-regular": "regular",
}
STYLE_CLASSES = {
    "fa",
    "fas",
    "fab",
    "far",
    "fa-solid",
    "fa-brands",
    "fa-regular",
    "fa-fw",
}
MATHJAX_TAGS = re.compile(
    r"""<script>window\.MathJax = .*?</script>\s*"""
    r"""|<script[^>]*mathjax/tex-chtml\.js[^>]*></script>\s*""",
    re.S,
)
SEARCH_TAGS = re.compile(
    r"""<script src="[^"]*(?:searchtools\.js|language_data\.js|searchindex\.js)"""
    r"""[^"]*"></script>\s*"""
)
HIGHLIGHT = re.compile(r'<div class="highlight"><pre>.*?</pre></div>', re.S)
PLAIN_CLASSES = ("n", "p", "w")  # Pygments' Name, Punctuation, Whitespace
PLAIN_TOKEN = re.compile(rf'<span class="(?:{"|".join(PLAIN_CLASSES)})">([^<]*)</span>')
SVG_ATTRIBUTE = re.compile(r'="[^"]*"')  # numbers in attributes only, never in labels
SVG_DIGITS = re.compile(r"(\d\.\d)\d+")
HAS_MATH = re.compile(r"""class="[^"]*\bmath\b""")
# The admonition classes of this book and their icons (pydata-sphinx-theme's choice;
# sphinx-exercise's pencil for exercises); any other admonition gets the default bell.
ADMONITION_ICONS = {
    "": "bell",
    ".exercise": "pencil",
    ".note": "circle-info",
    ".error": "circle-xmark",
    ".hint": "lightbulb",
    ".tip": "lightbulb",
    ".warning": "triangle-exclamation",
    ".important": "circle-exclamation",
}


def add_js_file_once(add_js_file):
    def add(filename, priority=500, loading_method=None, **kwargs):
        return add_js_file(filename or "", priority, loading_method, **kwargs)

    return add


@functools.cache
def icon_packs(script_path):
    """{'solid'|'regular'|'brands': {name: (width, height, path)}} from fontawesome.js:
    each pack is an object literal ``var p={name:[w,h,[aliases],"code","path"],...}``
    registered by ``d("fas",p)`` (solid), ``d("far",p)``, ``d("fab",p)``."""
    text = pathlib.Path(script_path).read_text(encoding="utf-8")
    entry = re.compile(
        r"""[{,]"?([\w-]+)"?:\[(\d+),(\d+),\[[^\]]*\],"[0-9a-f]+","([^"]+)"\]"""
    )
    packs = {}
    for prefix, pack in (("fab", "brands"), ("far", "regular"), ("fas", "solid")):
        end = text.index(f'd("{prefix}",p)')
        start = text.rindex("var p={", 0, end)
        packs[pack] = {
            name: (int(w), int(h), path)
            for name, w, h, path in entry.findall(text, start, end)
        }
    return packs


def inline_icon(match, packs):
    classes = match["cls"].split()
    pack = next((PACKS[c] for c in classes if c in PACKS), "solid")
    names = [c[3:] for c in classes if c.startswith("fa-") and c not in STYLE_CLASSES]
    icon = next((packs[pack].get(n) for n in names if n in packs[pack]), None)
    if icon is None:
        raise ValueError(f"icon {match[0]!r}: none of {names} in Font Awesome {pack}")
    width, height, path = icon
    kept = [c for c in classes if not c.startswith("fa-") and c not in STYLE_CLASSES]
    size = ["fa-lg"] if "fa-lg" in classes else []
    attrs = (match["before"] + match["after"]).strip()
    title = re.search(r'title="([^"]*)"', attrs)
    attrs = re.sub(r'\s*title="[^"]*"', "", attrs)
    return (
        f'<svg class="{" ".join(["nnfs-icon", *kept, *size])}" {attrs} '
        f'viewBox="0 0 {width} {height}" aria-hidden="true" focusable="false">'
        + (f"<title>{html.escape(title[1])}</title>" if title else "")
        + f'<path d="{path}"/></svg>'
    )


@functools.cache
def admonition_style(script_path):
    """A <style> block drawing the admonition icons as masks of their SVG paths."""
    solid = icon_packs(script_path)["solid"]
    rules = [
        ".admonition > .admonition-title::after { content: '' !important;"
        " font: inherit !important; background-color: currentColor;"
        " -webkit-mask: var(--nnfs-icon) center / contain no-repeat;"
        " mask: var(--nnfs-icon) center / contain no-repeat; }"
    ]
    for selector, name in ADMONITION_ICONS.items():
        width, height, path = solid[name]
        svg = (
            f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}'>"
            f"<path d='{path}'/></svg>"
        )
        url = "data:image/svg+xml," + urllib.parse.quote(svg, safe=" /=:'")
        rules.append(f'.admonition{selector} {{ --nnfs-icon: url("{url}"); }}')
    return "<style>\n" + "\n".join(rules) + "\n</style>\n"


def rewrite_page(text, packs, style="", search_page=False):
    text = FA_TAG.sub("", text)
    if not search_page:
        text = SEARCH_TAGS.sub("", text)
    text = HIGHLIGHT.sub(lambda m: PLAIN_TOKEN.sub(r"\1", m[0]), text)
    if style and "admonition-title" in text and style not in text:
        text = text.replace("</head>", style + "</head>", 1)
    text = ICON.sub(lambda m: inline_icon(m, packs), text)
    if not HAS_MATH.search(text):
        text = MATHJAX_TAGS.sub("", text)
    return text


def rewrite_pages(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    out = pathlib.Path(app.outdir)
    script = out / FA_SCRIPT
    if not script.is_file():
        return
    packs = icon_packs(str(script))
    style = admonition_style(str(script))
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        search_page = page == out / "search.html"
        new = rewrite_page(text, packs, style, search_page)
        if new != text:
            page.write_text(new, encoding="utf-8")
    for figure in (out / "_images").glob("*.svg"):
        text = figure.read_text(encoding="utf-8")
        new = SVG_ATTRIBUTE.sub(lambda m: SVG_DIGITS.sub(r"\1", m[0]), text)
        if new != text:
            figure.write_text(new, encoding="utf-8")


def setup(app):
    app.add_js_file = add_js_file_once(app.add_js_file)
    app.connect("build-finished", rewrite_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
