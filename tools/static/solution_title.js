// A solution's whole title opens and closes it, as its chevron does. sphinx-exercise makes
// most of the title a link back to the exercise, and sphinx-togglebutton only reacts to a
// click on the title's own box or on the chevron; a click on the link is routed here.
document.addEventListener("DOMContentLoaded", () => {
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
});
