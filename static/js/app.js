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

  // A table wider than the screen scrolls sideways in its wrapper. Keyboard users must be
  // able to reach the wrapper to scroll it, and hear what it holds: while it scrolls it
  // takes the focus (tabindex 0) as a named region; when it fits, it is plain again.
  function nameOf(wrapper) {
    var caption = wrapper.querySelector("caption");
    if (caption && caption.textContent.trim()) {
      return caption.textContent.trim();
    }
    for (var el = wrapper; el && el !== document.body; el = el.parentElement) {
      for (var before = el.previousElementSibling; before; before = before.previousElementSibling) {
        var heading = /^H[1-6]$/.test(before.tagName) ? before : before.querySelector("h1, h2, h3, h4, h5, h6");
        if (heading && heading.textContent.trim()) {
          return heading.textContent.trim();
        }
      }
    }
    return "Table";
  }

  function markScrollingTables() {
    document.querySelectorAll(".table-responsive").forEach(function (wrapper) {
      var scrolls = wrapper.scrollWidth > wrapper.clientWidth + 1;
      if (scrolls && !wrapper.hasAttribute("data-scroll-region")) {
        wrapper.setAttribute("data-scroll-region", "");
        wrapper.setAttribute("tabindex", "0");
        wrapper.setAttribute("role", "region");
        wrapper.setAttribute("aria-label", nameOf(wrapper) + " (scrolls sideways)");
      } else if (!scrolls && wrapper.hasAttribute("data-scroll-region")) {
        ["data-scroll-region", "tabindex", "role", "aria-label"].forEach(function (name) {
          wrapper.removeAttribute(name);
        });
      }
    });
  }

  var pending = false;
  function markSoon() {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        markScrollingTables();
      });
    }
  }
  markScrollingTables();
  window.addEventListener("resize", markSoon);
  document.addEventListener("htmx:afterSettle", markSoon);

  // <select data-autosubmit> sends its form when changed (filters).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.requestSubmit();
    }
  });

  // A choice made before this script ran (a slow connection) had no listener: send it now,
  // so the list shown matches the filter shown.
  function chosenEarly(select) {
    var served = Array.prototype.find.call(select.options, function (option) {
      return option.defaultSelected;
    }) || select.options[0];
    return select.form && served && select.value !== served.value;
  }
  var early = Array.prototype.find.call(document.querySelectorAll("select[data-autosubmit]"), chosenEarly);
  if (early) {
    early.form.requestSubmit();
  }
})();
