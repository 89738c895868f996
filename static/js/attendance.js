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
      var id = row.id;
      button.click();
      // htmx replaces the row: keep the focus on the same trainee afterwards.
      document.addEventListener("htmx:afterSettle", function refocus() {
        document.removeEventListener("htmx:afterSettle", refocus);
        var again = document.getElementById(id);
        var pressed = again && again.querySelector('.roll-buttons button[value="' + status + '"]');
        if (pressed) {
          pressed.focus();
        }
      });
    }
  });
})();
