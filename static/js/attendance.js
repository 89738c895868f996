// Roll call by keyboard: with focus anywhere in a trainee's row, p / l / a / e
// press present / late / absent / excused. Typing in the note is left alone.
(function () {
  "use strict";

  var keys = { p: "present", l: "late", a: "absent", e: "excused" };

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    var target = event.target;
    if (!target || target.tagName === "INPUT" || target.tagName === "TEXTAREA") {
      return;
    }
    var row = target.closest && target.closest("[data-roll-row]");
    var status = keys[event.key];
    if (!row || !status) {
      return;
    }
    var button = row.querySelector('.roll-buttons button[value="' + status + '"]');
    if (button) {
      event.preventDefault();
      // Focus first: htmx swaps the row and gives the focus back to the element with
      // the same id in the new row (every status button has one), so the keyboard
      // user stays on this trainee, on the status just chosen.
      button.focus();
      button.click();
    }
  });
})();

// A roll-call tap that did not save says so in its row, instead of failing silently;
// an ended login (the answer is the login page) reloads the page to log in again.
(function () {
  "use strict";

  function rowOf(event) {
    var elt = event.detail && event.detail.elt;
    return elt && elt.closest ? elt.closest("[data-roll-row]") : null;
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var row = rowOf(event);
    var url = (event.detail.xhr && event.detail.xhr.responseURL) || "";
    if (row && url.indexOf("/login") !== -1) {
      event.detail.shouldSwap = false;
      window.location.reload();
    }
  });

  function showProblem(event, text) {
    var row = rowOf(event);
    if (!row) {
      return;
    }
    var box = row.querySelector("[data-roll-problem]");
    if (!box) {
      box = document.createElement("div");
      box.setAttribute("data-roll-problem", "");
      box.setAttribute("role", "alert");
      box.className = "text-danger small";
      row.querySelector(".roll-name").appendChild(box);
    }
    box.textContent = text;
  }

  document.addEventListener("htmx:responseError", function (event) {
    showProblem(event, "Not saved (error " + event.detail.xhr.status + "). Reload the page and try again.");
  });
  document.addEventListener("htmx:sendError", function (event) {
    showProblem(event, "Not saved: no connection. Try again.");
  });
})();
