// orgwarden dashboard: small progressive enhancements. Every page works without this file.
"use strict";
(function () {
  // Copy buttons: <button class="copy" data-copy="ELEMENT_ID" hidden>. Shown only with JS.
  document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var target = document.getElementById(button.getAttribute("data-copy"));
      if (!target) return;
      var text = target.value !== undefined ? target.value : target.textContent;
      var done = function () {
        var label = button.textContent;
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = label; }, 1500);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { select(target); });
      } else {
        select(target);
        try { document.execCommand("copy"); done(); } catch (e) { /* selected for manual copy */ }
      }
    });
  });
  function select(el) {
    if (el.select) { el.select(); return; }
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }
  // Colour swatches follow what is typed: <input data-swatch="RECT_ID">.
  document.querySelectorAll("input[data-swatch]").forEach(function (input) {
    var rect = document.getElementById(input.getAttribute("data-swatch"));
    if (!rect) return;
    input.addEventListener("input", function () {
      if (/^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(input.value)) rect.setAttribute("fill", input.value);
    });
  });
})();
