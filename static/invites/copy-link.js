/*
 * The Copy button of a page that shows a link once (the access request's
 * status link, a team link just made). The button names the input it copies in
 * data-copy; without JavaScript it stays hidden and the link stays selectable.
 *
 * On a page marked data-shown-once, leaving asks first until the link was
 * copied or printed (a form marked data-takes-link), and data-reload-url
 * replaces the page's history entry, so that a reload fetches that address
 * instead of posting again the form that made the link.
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

  let taken = false;

  function warnBeforeLeaving(event) {
    if (!taken) {
      event.preventDefault();
      event.returnValue = "";  // what older browsers need to ask
    }
  }

  function guardShownOnce() {
    const page = document.querySelector("[data-shown-once]");
    if (!page) {
      return;
    }
    if (page.dataset.reloadUrl && window.history.replaceState) {
      window.history.replaceState(null, "", page.dataset.reloadUrl);
    }
    window.addEventListener("beforeunload", warnBeforeLeaving);
    page.querySelectorAll("form[data-takes-link]").forEach(function (form) {
      form.addEventListener("submit", function () { taken = true; });
    });
  }

  function init() {
    guardShownOnce();
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      const input = document.getElementById(button.dataset.copy);
      const status = document.querySelector(".copy-status");
      const label = button.textContent;
      input.addEventListener("focus", function () { input.select(); });
      button.addEventListener("click", function () {
        copy(input).then(function (copied) {
          if (copied) {
            taken = true;
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
