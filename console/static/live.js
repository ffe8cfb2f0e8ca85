// The bureau's live pages: every data-refresh seconds, the part marked data-live is replaced
// by what its address answers (the same figures, rendered by the console). A session that
// ended sends the page to sign-in; a failed fetch leaves the figures as they were and tries
// again. While someone is typing in a form of that part, it waits (nothing typed is lost).
(function () {
  var live = document.querySelector("[data-live]");
  if (!live) { return; }
  var seconds = Number(live.getAttribute("data-refresh")) || 5;
  function again() { window.setTimeout(refresh, seconds * 1000); }
  function typing() {
    var fields = live.querySelectorAll("input:not([type=hidden]), textarea");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i] === document.activeElement || fields[i].value) { return true; }
    }
    return false;
  }
  function refresh() {
    if (typing()) { again(); return; }
    fetch(live.getAttribute("data-live"), { credentials: "same-origin" }).then(function (response) {
      if (response.redirected) { window.location.assign("/login?expired=1"); return null; }
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (html) { live.innerHTML = html; live.setAttribute("data-refreshed", String(Date.now())); }
      again();
    }, again);
  }
  again();
})();
