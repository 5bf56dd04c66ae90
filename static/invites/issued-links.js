/*
 * The buttons of the issued-links page: Copy (one link), Copy all, Download CSV,
 * and, on a page with too many links to draw every QR code, Show QR code.
 *
 * Everything is read from the page itself (each .issued-link row's data-email,
 * data-expires-at and .link-url input), so the server never keeps the secrets:
 * Show QR code posts the row's link to the page's data-qr-url and puts the SVG
 * it answers into the row's .qr element.
 * Without JavaScript the buttons stay hidden and the links stay selectable.
 */
"use strict";

(function () {
  const FEEDBACK_MS = 2000;

  function rows() {
    return Array.from(document.querySelectorAll(".issued-link")).map(function (row) {
      return {
        email: row.dataset.email,
        link: row.querySelector(".link-url").value,
        expiresAt: row.dataset.expiresAt,
      };
    });
  }

  // The Clipboard API needs a secure context (HTTPS or localhost); elsewhere
  // the older selection-based command still works in every browser.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(
        function () { return true; },
        function () { return copyBySelection(text); }
      );
    }
    return Promise.resolve(copyBySelection(text));
  }

  function copyBySelection(text) {
    const buffer = document.createElement("textarea");
    buffer.value = text;
    buffer.setAttribute("readonly", "");
    buffer.className = "issued-links-copy-buffer";
    document.body.appendChild(buffer);
    buffer.select();
    let copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    buffer.remove();
    return copied;
  }

  // As the commands write it (invites/csv_output.py): a cell a spreadsheet
  // would run as a formula gets a leading quote, then CSV quoting as needed.
  const FORMULA_START = /^[=+\-@\t\r]/;

  function csvField(value) {
    const cell = FORMULA_START.test(value) ? "'" + value : value;
    return /[",\r\n]/.test(cell) ? '"' + cell.replace(/"/g, '""') + '"' : cell;
  }

  function csv(items) {
    const lines = [["email", "link", "expires_at"]].concat(
      items.map(function (item) { return [item.email, item.link, item.expiresAt]; })
    );
    return lines.map(function (fields) { return fields.map(csvField).join(","); }).join("\n") + "\n";
  }

  function download(text, filename) {
    const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
    const anchor = document.createElement("a");
    anchor.href = url;
    anchor.download = filename;
    anchor.hidden = true;
    document.body.appendChild(anchor);
    anchor.click();
    anchor.remove();
    // Let the download start before the blob (which holds the secrets) goes.
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  function flash(button, text) {
    if (!button.dataset.label) {
      button.dataset.label = button.textContent;
    }
    button.textContent = text;
    clearTimeout(button.feedbackTimer);
    button.feedbackTimer = setTimeout(function () {
      button.textContent = button.dataset.label;
    }, FEEDBACK_MS);
  }

  function announce(tools, text) {
    const status = tools.querySelector(".issued-links-status");
    status.textContent = text;
    clearTimeout(status.feedbackTimer);
    status.feedbackTimer = setTimeout(function () { status.textContent = ""; }, FEEDBACK_MS * 2);
  }

  function selectLink(row) {
    const input = row.querySelector(".link-url");
    input.focus();
    input.select();
  }

  // The answer is parsed as an SVG document, never as HTML, and only its
  // root element is put into the page.
  function showQrCode(page, tools, row, button) {
    const target = row.querySelector(".qr");
    const body = new FormData();
    body.append("url", row.querySelector(".link-url").value);
    button.disabled = true;
    fetch(page.dataset.qrUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      cache: "no-store",
      headers: { "X-CSRFToken": page.dataset.csrfToken },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (text) {
        const svg = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
        if (svg.nodeName !== "svg") {
          throw new Error("not an SVG image");
        }
        target.replaceChildren(document.importNode(svg, true));
        target.setAttribute("role", "img");
        target.setAttribute("aria-label", target.dataset.label);
        button.hidden = true;
      })
      .catch(function () {
        button.disabled = false;
        announce(tools, page.dataset.qrFailed);
      });
  }

  function init() {
    const tools = document.querySelector(".issued-links-tools");
    if (!tools) {
      return;
    }

    document.querySelectorAll(".issued-link").forEach(function (row) {
      const button = row.querySelector("button[data-copy]");
      const input = row.querySelector(".link-url");
      input.addEventListener("focus", function () { input.select(); });
      button.addEventListener("click", function () {
        copyText(input.value).then(function (copied) {
          if (copied) {
            flash(button, button.dataset.copied);
          } else {
            selectLink(row);
            announce(tools, tools.dataset.copyFailed);
          }
        });
      });
      button.hidden = false;
    });

    tools.querySelector("button[data-copy-all]").addEventListener("click", function () {
      const text = rows().map(function (item) { return item.email + " " + item.link; }).join("\n") + "\n";
      copyText(text).then(function (copied) {
        announce(tools, copied ? tools.dataset.copiedAll : tools.dataset.copyFailed);
      });
    });

    const downloadButton = tools.querySelector("button[data-download-csv]");
    downloadButton.addEventListener("click", function () {
      download(csv(rows()), downloadButton.dataset.filename);
    });

    const page = document.querySelector(".issued-links[data-qr-url]");
    if (page) {
      document.querySelectorAll(".issued-link").forEach(function (row) {
        const button = row.querySelector("button[data-show-qr]");
        button.addEventListener("click", function () {
          showQrCode(page, tools, row, button);
        });
        button.hidden = false;
      });
    }

    tools.hidden = false;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
