// Live inbox: an element with data-live names a Server-Sent Events stream;
// each "inbox-update" event triggers the same event on the element (looked
// up afresh, as htmx may have swapped it), whose hx-trigger refreshes it.
// Every (re)connection refreshes it too: what happened between rendering the
// page and the stream opening, or while it was down, is not missed.
(function () {
  var first = document.querySelector("[data-live]");
  if (!first || !window.EventSource) return;
  var src = new EventSource(first.getAttribute("data-live"));
  var refresh = function () {
    var el = document.querySelector("[data-live]");
    if (el && window.htmx) htmx.trigger(el, "inbox-update");
  };
  src.addEventListener("open", refresh);
  src.addEventListener("inbox-update", refresh);
})();
