/*
 * The Copy button of a public page that shows a link once (the access
 * request's status link). The button names the input it copies in
 * data-copy; without JavaScript it stays hidden and the link stays selectable.
 */
"use strict";

(function () {
  const FEEDBACK_MS = 2000;

  // The Clipboard API needs a secure context (HTTPS or localhost); elsewhere
  // the older selection-based command still works.
  function copy(input) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(input.value).then(
        function () { return true; },
        function () { return copyBySelection(input); }
      );
    }
    return Promise.resolve(copyBySelection(input));
  }

  function copyBySelection(input) {
    input.focus();
    input.select();
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function init() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      const input = document.getElementById(button.dataset.copy);
      const status = document.querySelector(".copy-status");
      const label = button.textContent;
      input.addEventListener("focus", function () { input.select(); });
      button.addEventListener("click", function () {
        copy(input).then(function (copied) {
          if (copied) {
            button.textContent = button.dataset.copied;
            clearTimeout(button.feedbackTimer);
            button.feedbackTimer = setTimeout(function () { button.textContent = label; }, FEEDBACK_MS);
          } else {
            input.focus();
            input.select();
            if (status) {
              status.textContent = button.dataset.copyFailed;
            }
          }
        });
      });
      button.hidden = false;
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
