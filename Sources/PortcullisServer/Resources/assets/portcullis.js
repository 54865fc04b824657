// Portcullis pages: small progressive enhancements, nothing that a page needs in order to work.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Copy buttons: data-copy names the element whose text to copy.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source) { return; }
      var text = source.textContent.trim();
      var done = function () { var label = button.textContent; button.textContent = "Copied"; setTimeout(function () { button.textContent = label; }, 1500); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, function () { select(source); });
      } else {
        select(source);
      }
    });
  });
  function select(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  // Seed 004: the Redirect URL field shows when the authorization code (or implicit) grant is enabled.
  var code = document.getElementById("grant_authorization_code");
  var implicit = document.getElementById("grant_implicit");
  var field = document.getElementById("redirect-field");
  if (code && implicit && field) {
    var update = function () {
      var needed = code.checked || implicit.checked || document.getElementById("redirect").value.trim() !== "";
      field.hidden = !needed;
    };
    code.addEventListener("change", update);
    implicit.addEventListener("change", update);
    update();
  }
});
