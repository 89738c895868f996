// Taking a quiz: autosave each answer, the countdown, and clicking hotspot images.
// The server is the judge of time; this only shows it and hands the attempt in at zero.
(function () {
  "use strict";

  var form = document.getElementById("attempt-form");
  if (!form) {
    return;
  }
  var token = document.querySelector('meta[name="csrf-token"]');
  var saveUrl = form.getAttribute("data-autosave-url");
  var submitting = false;
  // The page's words, in its language (data-text-* on the form: quizzes/attempt.html).
  function words(name, english) {
    return form.getAttribute("data-text-" + name) || english;
  }

  function statusOf(fieldset, text, failed) {
    var el = fieldset.querySelector("[data-save-status]");
    if (el) {
      el.textContent = text;
      el.classList.toggle("text-danger", !!failed);
    }
  }

  function save(fieldset) {
    var questionId = fieldset.getAttribute("data-question");
    var data = new FormData();
    data.append("question_id", questionId);
    fieldset.querySelectorAll("input").forEach(function (input) {
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) {
        return;
      }
      if (input.name && input.name.indexOf("present-") !== 0) {
        data.append(input.name, input.value);
      }
    });
    statusOf(fieldset, words("saving", "Saving…"));
    return fetch(saveUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.content : "", Accept: "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) {
        if (response.ok) {
          statusOf(fieldset, body.answered ? words("saved", "Saved") : words("cleared", "Cleared"));
        } else if (response.status === 409 && body.result) {
          window.location.assign(body.result);
        } else {
          statusOf(fieldset, body.error || words("not-saved", "Not saved: try again."), true);
        }
      });
    }).catch(function () {
      statusOf(fieldset, words("offline", "Not saved (no connection): it will be sent with the attempt."), true);
    });
  }

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("[data-question]");
    if (fieldset && fieldset.tagName === "FIELDSET") {
      save(fieldset);
    }
  });

  // An answer chosen before this script ran (a slow connection, or a form the browser
  // restored) had no listener to save it: save it now.
  function changed(input) {
    if (input.type === "radio" || input.type === "checkbox") {
      return input.checked !== input.defaultChecked;
    }
    return input.value !== input.defaultValue;
  }
  form.querySelectorAll("fieldset[data-question]").forEach(function (fieldset) {
    if (Array.prototype.some.call(fieldset.querySelectorAll("input"), changed)) {
      save(fieldset);
    }
  });

  // One submission per page: a double click sends one request (the server is idempotent anyway).
  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (submitter && submitter.hasAttribute("formaction")) {
      return;
    }
    if (submitting) {
      event.preventDefault();
      return;
    }
    submitting = true;
  });

  // Hotspot answers: a click on the image, in the image's own pixels.
  form.querySelectorAll("svg.hotspot-answer").forEach(function (svg) {
    var fieldset = svg.closest("fieldset");
    var marker = svg.querySelector(".hotspot-marker");
    svg.addEventListener("click", function (event) {
      var point = svg.createSVGPoint();
      point.x = event.clientX;
      point.y = event.clientY;
      var local = point.matrixTransform(svg.getScreenCTM().inverse());
      var x = Math.round(local.x * 10) / 10;
      var y = Math.round(local.y * 10) / 10;
      fieldset.querySelector('[data-point="x"]').value = x;
      fieldset.querySelector('[data-point="y"]').value = y;
      marker.setAttribute("cx", x);
      marker.setAttribute("cy", y);
      marker.classList.remove("d-none");
      save(fieldset);
    });
    svg.setAttribute("data-ready", "");  // clicks count from now on
  });

  function handIn() {
    if (!submitting) {
      var button = form.querySelector("[data-submit-attempt]");
      form.requestSubmit(button);
    }
  }

  if (form.hasAttribute("data-submit-now")) {
    handIn();
    return;
  }

  var timer = document.querySelector("[data-deadline]");
  if (timer) {
    var deadline = Date.parse(timer.getAttribute("data-deadline"));
    // The server's clock decides: correct for the difference with this computer's.
    var skew = Date.parse(timer.getAttribute("data-now")) - Date.now();
    var text = timer.querySelector("[data-countdown-text]");
    var tick = function () {
      var left = Math.max(0, Math.floor((deadline - (Date.now() + skew)) / 1000));
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      text.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
      timer.classList.toggle("quiz-countdown-low", left <= 60);
      if (left === 0) {
        window.clearInterval(interval);
        handIn();
      }
    };
    var interval = window.setInterval(tick, 1000);
    tick();
  }
})();
