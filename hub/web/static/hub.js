// hub dashboard: the browser's time zone, confirmations, and the live progress of a feed run. No dependencies.
(function () {
  "use strict";

  // the browser's time zone, for the times the dashboard shows (hub.web.filters.display_zone)
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf("hub_tz=" + zone) < 0) {
      document.cookie = "hub_tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax" +
        (window.location.protocol === "https:" ? "; Secure" : "");
      var unknown = document.body && document.body.hasAttribute("data-zone-unknown");
      // the page was shown in UTC (the sign-in page sets the cookie, so rarely): show it in
      // the browser's zone, once the cookie is known to stick
      if (unknown && zone !== "UTC" && document.cookie.indexOf("hub_tz=" + zone) >= 0) {
        window.location.reload();
      }
    }
  } catch (e) { /* an old browser: UTC */ }

  document.addEventListener("submit", function (event) {
    var button = event.submitter || event.target.querySelector("[data-confirm]");
    var message = button && button.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  var box = document.querySelector("[data-progress-url]");
  if (!box) {
    return;
  }
  var url = box.getAttribute("data-progress-url");
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");
  var statusEl = document.querySelector("[data-run-status]");
  var FINAL = ["succeeded", "succeeded_with_errors", "failed", "skipped"];

  function render(run) {
    if (run.total) {
      bar.max = run.total;
      bar.value = Math.min(run.processed, run.total);
    } else if (FINAL.indexOf(run.status) >= 0) {
      bar.max = 1;
      bar.value = 1;
    } else {
      bar.removeAttribute("value");
    }
    text.textContent = run.processed + (run.total ? " / " + run.total : "") + " processed";
    if (statusEl) {
      statusEl.textContent = run.status.replace(/_/g, " ");
      statusEl.className = "pill pill-" + run.status.replace(/_/g, "-");
    }
    box.setAttribute("data-status", run.status);
    renderRetry(run);
    Object.keys(run.counts || {}).forEach(function (key) {
      var cell = document.querySelector("[data-count='" + key + "']");
      if (cell) {
        cell.textContent = run.counts[key];
      }
    });
  }

  // what the run waits for: a transport retry ("retrying in 4 s: store answered 503"), its
  // next attempt (the run's message), or a worker (queued with none running)
  function renderRetry(run) {
    var retry = box.querySelector("[data-retry]");
    if (retry) {
      retry.hidden = !run.retry;
      if (run.retry) {
        retry.querySelector("[data-retry-text]").textContent = run.retry.message;
        retry.querySelector("[data-retry-at]").textContent =
          "at " + new Date(run.retry.at).toLocaleTimeString();
      }
    }
    var message = box.querySelector("[data-run-message]");
    if (message) {
      message.textContent = run.done ? "" : (run.message || "");
    }
    var noWorker = document.querySelector("[data-no-worker]");
    if (noWorker) {
      noWorker.hidden = !run.no_worker;
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (run) {
        render(run);
        if (FINAL.indexOf(run.status) >= 0) {
          box.setAttribute("data-done", "1");
          if (box.getAttribute("data-was-running") === "1") {
            window.setTimeout(function () { window.location.reload(); }, 800);
          }
        } else {
          box.setAttribute("data-was-running", "1");
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
})();
