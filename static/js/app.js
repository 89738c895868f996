// Behaviour shared by every page. No inline scripts: the CSP forbids them.
(function () {
  "use strict";

  var token = document.querySelector('meta[name="csrf-token"]');

  // htmx requests carry the CSRF token like forms do.
  document.addEventListener("htmx:configRequest", function (event) {
    if (token) {
      event.detail.headers["X-CSRFToken"] = token.content;
    }
  });

  // <form data-confirm="Really?"> asks before it is sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);

  // <select data-autosubmit> sends its form when changed (filters).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.requestSubmit();
    }
  });
})();
