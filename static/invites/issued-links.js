/*
 * The buttons of the issued-links page: Copy (one link), Copy message, Print
 * sheet, Copy all, Download CSV, Print all, and, on a page with too many links
 * to draw every QR code, Show QR code and Show all QR codes.
 *
 * Everything is read from the page itself (each .issued-link row's data-email,
 * data-expires-at and .link-url input), so the server never keeps the secrets:
 * Show QR code posts the row's link to the page's data-qr-url and puts the SVG
 * it answers into the row's .qr element. Print posts the rows' links to the
 * page's data-print-url, whose sheets open in a new tab.
 *
 * The links are shown only this once: leaving the page (a link, a reload,
 * closing the tab) asks first while a link was neither copied, downloaded nor
 * printed. And a reload goes to data-reload-url instead of posting the page's
 * form again, which would issue new links, or fail, and lose these.
 * Without JavaScript the buttons stay hidden and the links stay selectable.
 */
"use strict";

(function () {
  const FEEDBACK_MS = 2000;

  function rows() {
    return Array.from(document.querySelectorAll(".issued-link")).map(function (row) {
      return {
        email: row.dataset.email,
        name: row.dataset.name,
        link: row.querySelector(".link-url").value,
        expiresAt: row.dataset.expiresAt,
        twoFactor: row.dataset.twoFactor === "yes",
      };
    });
  }

  // Rows whose link was handed on (copied, downloaded, printed): leaving the
  // page warns while one is not.
  const taken = new Set();

  function take(elements) {
    elements.forEach(function (row) { taken.add(row); });
  }

  function warnBeforeLeaving(event) {
    if (taken.size < document.querySelectorAll(".issued-link").length) {
      event.preventDefault();
      event.returnValue = "";  // what older browsers need to ask
    }
  }

  // The sheets open in a new tab, so that this page and its links stay.
  // Each sheet is one field (see invites/admin/handover.py, sheet_value).
  function printSheets(page, items) {
    const form = document.createElement("form");
    form.method = "post";
    form.action = page.dataset.printUrl;
    form.target = "_blank";
    form.hidden = true;
    const fields = [["csrfmiddlewaretoken", page.dataset.csrfToken]].concat(
      items.map(function (item) {
        return ["sheet", JSON.stringify({
          url: item.link, name: item.name, email: item.email, expires_at: item.expiresAt,
          two_factor: item.twoFactor,
        })];
      })
    );
    fields.forEach(function (field) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = field[0];
      input.value = field[1];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
    form.remove();
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
    return fetch(page.dataset.qrUrl, {
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

  // One request at a time: hundreds at once would queue on the server anyway.
  function showAllQrCodes(page, tools, button) {
    const pending = Array.from(document.querySelectorAll(".issued-link")).filter(function (row) {
      return !row.querySelector(".qr svg");
    });
    button.disabled = true;
    pending.reduce(function (previous, row) {
      return previous.then(function () {
        const rowButton = row.querySelector("button[data-show-qr]");
        return rowButton.disabled ? null : showQrCode(page, tools, row, rowButton);
      });
    }, Promise.resolve()).then(function () {
      button.hidden = Array.from(document.querySelectorAll(".issued-link")).every(function (row) {
        return row.querySelector(".qr svg");
      });
      button.disabled = false;
    });
  }

  function fitToContent(textarea) {
    if (window.CSS && CSS.supports("field-sizing", "content")) {
      return;
    }
    textarea.style.height = "auto";
    textarea.style.height = textarea.scrollHeight + textarea.offsetHeight - textarea.clientHeight + "px";
  }

  function init() {
    const tools = document.querySelector(".issued-links-tools");
    if (!tools) {
      return;
    }
    const main = document.querySelector(".issued-links");
    const allRows = Array.from(document.querySelectorAll(".issued-link"));

    // A reload must not post the form that issued these links again.
    if (main.dataset.reloadUrl && window.history.replaceState) {
      window.history.replaceState(null, "", main.dataset.reloadUrl);
    }
    window.addEventListener("beforeunload", warnBeforeLeaving);

    allRows.forEach(function (row, index) {
      const button = row.querySelector("button[data-copy]");
      const input = row.querySelector(".link-url");
      input.addEventListener("focus", function () { input.select(); });
      button.addEventListener("click", function () {
        copyText(input.value).then(function (copied) {
          if (copied) {
            take([row]);
            flash(button, button.dataset.copied);
          } else {
            selectLink(row);
            announce(tools, tools.dataset.copyFailed);
          }
        });
      });
      button.hidden = false;

      const messageButton = row.querySelector("button[data-copy-message]");
      const message = row.querySelector(".message-text");
      messageButton.addEventListener("click", function () {
        copyText(message.value).then(function (copied) {
          if (copied) {
            take([row]);
            flash(messageButton, messageButton.dataset.copied);
          } else {
            row.querySelector(".issued-link-message").open = true;
            message.focus();
            message.select();
            announce(tools, tools.dataset.copyFailed);
          }
        });
      });
      messageButton.hidden = false;
      // The box shows the whole message, however it wraps: where CSS cannot
      // size it to its content (field-sizing), it is sized when it opens.
      const details = row.querySelector(".issued-link-message");
      details.addEventListener("toggle", function () {
        if (details.open) {
          fitToContent(message);
        }
      });

      const printButton = row.querySelector("button[data-print]");
      printButton.addEventListener("click", function () {
        take([row]);
        printSheets(main, [rows()[index]]);
      });
      printButton.hidden = false;
    });

    const copyAllButton = tools.querySelector("button[data-copy-all]");
    if (copyAllButton) {
      copyAllButton.addEventListener("click", function () {
        const text = rows().map(function (item) { return item.email + " " + item.link; }).join("\n") + "\n";
        copyText(text).then(function (copied) {
          if (copied) {
            take(allRows);
          }
          announce(tools, copied ? tools.dataset.copiedAll : tools.dataset.copyFailed);
        });
      });
    }

    const downloadButton = tools.querySelector("button[data-download-csv]");
    downloadButton.addEventListener("click", function () {
      take(allRows);
      download(csv(rows()), downloadButton.dataset.filename);
    });

    const printAllButton = tools.querySelector("button[data-print-all]");
    if (printAllButton) {
      printAllButton.addEventListener("click", function () {
        take(allRows);
        printSheets(main, rows());
      });
    }

    const page = document.querySelector(".issued-links[data-qr-url]");
    if (page) {
      document.querySelectorAll(".issued-link").forEach(function (row) {
        const button = row.querySelector("button[data-show-qr]");
        button.addEventListener("click", function () {
          showQrCode(page, tools, row, button);
        });
        button.hidden = false;
      });
      const showAllButton = tools.querySelector("button[data-show-all-qr]");
      showAllButton.addEventListener("click", function () {
        showAllQrCodes(page, tools, showAllButton);
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
