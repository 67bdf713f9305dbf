// Search as you type. The page works without this file: the form is an ordinary GET
// form. With it, typing or changing a filter fetches the same page for the new URL and
// swaps in its results and filter counts, keeping the cursor where it was.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  var box = document.getElementById("q");
  if (!form || !box || !window.fetch || !window.DOMParser || !window.URLSearchParams) return;
  var timer = null;
  var pending = null;

  function targetUrl() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (value !== "") params.append(key, value);
    });
    var query = params.toString();
    return form.getAttribute("action") + (query ? "?" + query : "");
  }

  function swap(doc, id) {
    var fresh = doc.getElementById(id);
    var old = document.getElementById(id);
    if (fresh && old) old.replaceWith(fresh);
    return Boolean(fresh);
  }

  function refresh() {
    if (pending) pending.abort();
    pending = new AbortController();
    var url = targetUrl();
    var focused = document.activeElement ? document.activeElement.id : "";
    fetch(url, { signal: pending.signal, headers: { Accept: "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        if (!swap(doc, "results")) {
          // An error page (e.g. an invalid date): show its message where the count was.
          var message = doc.querySelector(".error");
          var status = document.getElementById("found");
          if (message && status) status.textContent = message.textContent;
          return;
        }
        swap(doc, "facet-filters");
        history.replaceState(null, "", url);
        if (focused && focused !== "q") {
          var again = document.getElementById(focused);
          if (again) again.focus();
        }
      })
      .catch(function () { /* aborted by a newer request, or offline: keep what is shown */ });
  }

  box.addEventListener("input", function () {
    clearTimeout(timer);
    if (box.value.trim().length === 1) return; // one letter says too little; wait
    timer = setTimeout(refresh, 180);
  });
  form.addEventListener("change", function (event) {
    if (event.target === box) return;
    refresh();
  });
})();
