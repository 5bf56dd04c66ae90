/*
 * The Print button of the handover sheets' page: the browser's print dialog.
 * Without JavaScript the button stays hidden; the browser's own Print prints
 * the same sheets.
 */
"use strict";

(function () {
  function init() {
    document.querySelectorAll(".handover-sheets button[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
      button.hidden = false;
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
