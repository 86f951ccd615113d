// The book's reader-side fixes (tools/reader_assets.py adds this file to every page).
// Each function is one fix; tests/test_browser.py checks what each promises.

// 1. Menu and contents buttons on every width. pydata-sphinx-theme 0.17.1 and
// sphinx-book-theme 1.3.0 bind their handlers with document.querySelector(), i.e. to the
// FIRST .primary-toggle / .secondary-toggle, which sphinx-book-theme hides (upstream:
// pydata/pydata-sphinx-theme#2451, executablebooks/sphinx-book-theme#991). The buttons a
// reader can see get no handler. Forward their clicks to the first one, which has both
// themes' handlers (dialog below 992 px, collapse above).
function forwardSidebarToggles() {
  for (const selector of [".primary-toggle", ".secondary-toggle"]) {
    const bound = document.querySelector(selector);
    document.querySelectorAll(selector).forEach((button) => {
      if (button === bound) return;
      button.addEventListener("click", (event) => {
        event.preventDefault();
        event.stopPropagation();
        bound.click();
        button.blur();
        hideTooltip(button);
      });
    });
  }
  // A tooltip left open after a tap covers the toolbar (search button): close it.
  document.querySelectorAll("[data-bs-toggle='tooltip']").forEach((button) => {
    button.addEventListener("click", () => hideTooltip(button));
  });
}

function hideTooltip(element) {
  const tooltip = window.bootstrap && bootstrap.Tooltip.getInstance(element);
  if (tooltip) tooltip.hide();
}

// 2. A solution's whole title opens and closes it, as its chevron does; the chevron is
// named after its exercise ("Show the solution to Exercise 4.1"), not "Toggle hidden
// content".
function solutionTitles() {
  document.querySelectorAll(".solution.dropdown > .admonition-title").forEach((title) => {
    title.style.cursor = "pointer";
    title.addEventListener(
      "click",
      (event) => {
        if (event.target === title || event.target.closest(".toggle-button")) return;
        event.preventDefault();
        event.stopPropagation();
        const button = title.querySelector(".toggle-button");
        if (button) button.click();
      },
      true,
    );
  });
}

function nameSolutionButtons() {
  document.querySelectorAll(".solution.dropdown > .admonition-title").forEach((title) => {
    const button = title.querySelector(".toggle-button");
    const link = title.querySelector("a");
    if (!button || !link) return;
    const exercise = link.textContent.replace(/\s*\(.*$/, "").trim();
    button.setAttribute("aria-label", `Show or hide the solution to ${exercise}`);
  });
}

// 3. Accessible names that match the visible text (WCAG 2.5.3): drop an aria-label that
// the visible text does not contain (the search button reads "Search Ctrl+K"; a hidden
// code cell's toggle reads "Show code cell source").
// The text a reader sees: an inlined icon's <title> and aria-hidden parts are not.
function visibleText(el) {
  const copy = el.cloneNode(true);
  copy.querySelectorAll("svg, [aria-hidden='true']").forEach((e) => e.remove());
  return copy.textContent.replace(/\s+/g, " ").trim();
}

function matchNamesToText() {
  document.querySelectorAll("button[aria-label], summary[aria-label]").forEach((el) => {
    const text = visibleText(el).toLowerCase();
    const label = el.getAttribute("aria-label").trim().toLowerCase();
    if (text && !text.includes(label)) el.removeAttribute("aria-label");
  });
  // A button showing only an icon is named by its tooltip (the theme's colour mode).
  document.querySelectorAll("button").forEach((button) => {
    const tip = button.getAttribute("data-bs-title") || button.getAttribute("title");
    if (!visibleText(button) && !button.getAttribute("aria-label") && tip) {
      button.setAttribute("aria-label", tip);
    }
  });
  // pandas writes an empty corner cell above the row labels.
  document.querySelectorAll("main th").forEach((th) => {
    if (!th.textContent.trim()) {
      th.insertAdjacentHTML("afterbegin", '<span class="visually-hidden">row</span>');
    }
  });
}

// 4. Display math fits the column: a line up to 25 % too wide is set smaller (down to
// 80 %); one still wider scrolls, with the scroll hint of (5).
const MIN_MATH_SCALE = 0.8;

function fitDisplayMath() {
  document.querySelectorAll("mjx-container[display='true']").forEach((box) => {
    box.style.fontSize = "";
    const math = box.firstElementChild;
    if (!math) return;
    const available = box.clientWidth;
    const needed = math.getBoundingClientRect().width;
    if (needed <= available + 0.5) return;
    const scale = Math.max(MIN_MATH_SCALE, (available - 1) / needed);
    box.style.fontSize = `${(scale * 100).toFixed(1)}%`;
  });
  markScrollers();
}

// 5. Whatever scrolls sideways shows it: a fade at the edge where more is hidden.
function markScrollers() {
  const candidates = "main pre, main .cell_output, main .pst-scrollable-table-container, "
    + "main div.output, main mjx-container[display='true'], main div.math, main table";
  document.querySelectorAll(candidates).forEach((el) => {
    const scrolls = el.scrollWidth > el.clientWidth + 1
      && ["auto", "scroll"].includes(getComputedStyle(el).overflowX);
    el.classList.toggle("nnfs-scrolls", scrolls);
    if (!scrolls) return;
    const update = () => {
      el.classList.toggle("nnfs-more-right",
        el.scrollLeft + el.clientWidth < el.scrollWidth - 1);
      el.classList.toggle("nnfs-more-left", el.scrollLeft > 1);
    };
    if (!el.dataset.nnfsHint) {
      el.dataset.nnfsHint = "1";
      el.addEventListener("scroll", update, { passive: true });
    }
    update();
  });
}

// 6. A tap or click opens a figure full size (phones show a figure 342 px wide).
function zoomableFigures() {
  const dialog = document.createElement("dialog");
  dialog.className = "nnfs-lightbox";
  dialog.setAttribute("aria-label", "Figure at full size");
  dialog.innerHTML = '<button type="button" class="nnfs-lightbox-close">Close</button>'
    + '<div class="nnfs-lightbox-body"><img alt=""></div>';
  document.body.appendChild(dialog);
  const big = dialog.querySelector("img");
  dialog.querySelector("button").addEventListener("click", () => dialog.close());
  dialog.addEventListener("click", (e) => { if (e.target === dialog) dialog.close(); });
  document.querySelectorAll("main figure img, main .cell_output img").forEach((img) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "nnfs-zoom";
    button.setAttribute("aria-label", `Enlarge figure: ${img.alt || "figure"}`);
    img.replaceWith(button);
    button.appendChild(img);
    button.addEventListener("click", () => {
      big.src = img.getAttribute("src");
      big.alt = img.alt;
      big.style.width = `${img.naturalWidth}px`;
      dialog.showModal();
    });
  });
}

function whenMathIsSet(callback) {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    MathJax.startup.promise.then(callback);
  } else {
    callback();
  }
}

document.addEventListener("DOMContentLoaded", () => {
  forwardSidebarToggles();
  solutionTitles();
  matchNamesToText();
  zoomableFigures();
  markScrollers();
});
window.addEventListener("load", () => {
  nameSolutionButtons(); // sphinx-togglebutton adds its buttons when the DOM is ready
  whenMathIsSet(fitDisplayMath);
  let pending = null;
  window.addEventListener("resize", () => {
    clearTimeout(pending);
    pending = setTimeout(fitDisplayMath, 150);
  });
});

// 7. Search result snippets are cut from the page's HTML before MathJax has set it, so
// they would show TeX ("N \times n_L"). Each math element's TeX becomes plain text
// first: symbols as Unicode ("N × n_L"), \frac{a}{b} as (a)/(b), other commands and
// braces dropped (\mathbf{x} reads x). searchtools.js loads after this file and calls
// Search.htmlToText by name; its search starts when the DOM is ready, after this
// listener (registered first) has wrapped the function.
const TEX_SYMBOLS = {
  times: "×", cdot: "·", pm: "±", le: "≤", leq: "≤", ge: "≥", geq: "≥", ne: "≠",
  neq: "≠", approx: "≈", sim: "∼", to: "→", rightarrow: "→", leftarrow: "←",
  infty: "∞", partial: "∂", nabla: "∇", sum: "∑", prod: "∏", odot: "⊙", in: "∈",
  ldots: "…", dots: "…", cdots: "⋯", sqrt: "√", top: "⊤", ell: "ℓ", alpha: "α",
  beta: "β", gamma: "γ", delta: "δ", Delta: "Δ", epsilon: "ε", varepsilon: "ε",
  eta: "η", theta: "θ", kappa: "κ", lambda: "λ", mu: "μ", rho: "ρ", sigma: "σ",
  tau: "τ", phi: "φ", psi: "ψ", omega: "ω", log: "log", ln: "ln", exp: "exp",
  max: "max", min: "min", tanh: "tanh",
};

function texToText(tex) {
  let s = tex.replace(/\\\(|\\\)|\\\[|\\\]|\$\$/g, " ");
  for (let i = 0; i < 4; i++) {  // innermost groups first: \frac{\mathbf{x}}{2}
    s = s.replace(/\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, "($1)/($2)");
    s = s.replace(/\\(?!frac)([a-zA-Z]+)\s*\{([^{}]*)\}/g, (_, name, arg) =>
      (TEX_SYMBOLS[name] ?? "") + arg);
  }
  s = s.replace(/\\([a-zA-Z]+)/g, (_, name) => TEX_SYMBOLS[name] ?? "");
  s = s.replace(/\\./g, " ").replace(/[{}&]/g, "");
  return s.replace(/\s+/g, " ").trim();
}

document.addEventListener("DOMContentLoaded", () => {
  if (typeof Search === "undefined" || !Search.htmlToText) return;
  const htmlToText = Search.htmlToText;
  Search.htmlToText = (html, anchor) => {
    const doc = new DOMParser().parseFromString(html, "text/html");
    doc.querySelectorAll(".math").forEach((el) => {
      el.textContent = ` ${texToText(el.textContent)} `;
    });
    return htmlToText(doc.documentElement.outerHTML, anchor);
  };
});
