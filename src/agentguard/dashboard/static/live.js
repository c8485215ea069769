// Refresh the live parts: every element with data-live="URL" is replaced by that fragment every 2 seconds.
// Plain fetch, same origin, the session cookie; no build step and no framework.
(function () {
  function refresh() {
    document.querySelectorAll("[data-live]").forEach(function (part) {
      fetch(part.getAttribute("data-live"), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html !== null) { part.innerHTML = html; } })
        .catch(function () {});
    });
  }
  setInterval(refresh, 2000);
})();
