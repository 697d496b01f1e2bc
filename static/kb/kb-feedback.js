/* "Was this helpful?": send the vote without leaving the page; without JavaScript the form
 * posts normally and the page comes back with a thank-you note. */
(function () {
  "use strict";
  var form = document.querySelector("[data-kb-feedback]");
  if (!form) { return; }
  var status = form.querySelector("[data-kb-feedback-status]");
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!button || !window.fetch) { return; }
    event.preventDefault();
    var data = new FormData(form);
    data.set("helpful", button.value);
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": data.get("csrfmiddlewaretoken") }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (result.ok) {
        form.querySelector("fieldset").hidden = true;
        status.textContent = result.body.message;
      } else {
        status.textContent = result.body.error;
        form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
      }
    }).catch(function () {
      var answer = document.createElement("input");
      answer.type = "hidden";
      answer.name = "helpful";
      answer.value = button.value;
      form.appendChild(answer);
      form.submit();
    });
  });
})();
