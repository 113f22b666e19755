// Live inbox: an element with data-live names a Server-Sent Events stream;
// each "inbox-update" event triggers the same event on the element (looked
// up afresh, as htmx may have swapped it), whose hx-trigger refreshes it.
(function () {
  var first = document.querySelector("[data-live]");
  if (!first || !window.EventSource) return;
  var src = new EventSource(first.getAttribute("data-live"));
  src.addEventListener("inbox-update", function () {
    var el = document.querySelector("[data-live]");
    if (el && window.htmx) htmx.trigger(el, "inbox-update");
  });
})();
