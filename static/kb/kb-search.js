/* Knowledge base search box: suggestions as you type (WAI-ARIA 1.2 combobox with a listbox).
 * Arrow keys move through the suggestions, Enter opens the highlighted one (or submits the
 * search), Escape closes the list (a second Escape clears the box). Without JavaScript the
 * form still submits to the full search page. */
(function () {
  "use strict";
  var DEBOUNCE_MS = 120;

  function setup(form) {
    var input = form.querySelector("[role=combobox]");
    var listbox = form.querySelector("[role=listbox]");
    var status = form.querySelector("[data-kb-search-status]");
    var url = form.getAttribute("data-instant-url");
    var timer = null, controller = null, active = -1, options = [], lastQuery = "";

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      options.forEach(function (option, i) { option.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function render(results) {
      listbox.textContent = "";
      options = results.map(function (result, i) {
        var option = document.createElement("li");
        option.id = listbox.id + "-option-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.className = "kb-search__option";
        option.dataset.url = result.url;
        var title = document.createElement("span");
        title.className = "kb-search__option-title";
        title.textContent = result.title;
        option.appendChild(title);
        if (result.category) {
          var category = document.createElement("span");
          category.className = "kb-search__option-category";
          category.textContent = result.category;
          option.appendChild(category);
        }
        option.addEventListener("mousedown", function (event) { event.preventDefault(); });
        option.addEventListener("click", function () { window.location.assign(result.url); });
        listbox.appendChild(option);
        return option;
      });
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (options.length) {
        listbox.hidden = false;
        input.setAttribute("aria-expanded", "true");
      } else {
        close();
      }
      var count = options.length;
      status.textContent = count ? (count === 1 ? form.dataset.oneSuggestion || "1 suggestion"
        : (form.dataset.manySuggestions || "%s suggestions").replace("%s", count)) : "";
    }

    function fetchSuggestions() {
      var query = input.value.trim();
      if (query === lastQuery) { return; }
      lastQuery = query;
      if (controller) { controller.abort(); }
      if (query.length < 2) { render([]); return; }
      controller = new AbortController();
      fetch(url + "?q=" + encodeURIComponent(query), {
        headers: { Accept: "application/json" }, signal: controller.signal, credentials: "same-origin"
      }).then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) { if (input.value.trim() === query) { render(data.results || []); } })
        .catch(function (error) { if (error.name !== "AbortError") { render([]); } });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, DEBOUNCE_MS);
    });
    input.addEventListener("keydown", function (event) {
      var open = !listbox.hidden && options.length;
      if (event.key === "ArrowDown") {
        if (!open) { lastQuery = ""; fetchSuggestions(); return; }
        event.preventDefault();
        highlight(active + 1 < options.length ? active + 1 : 0);
      } else if (event.key === "ArrowUp") {
        if (!open) { return; }
        event.preventDefault();
        highlight(active > 0 ? active - 1 : options.length - 1);
      } else if (event.key === "Enter") {
        if (open && active >= 0) {
          event.preventDefault();
          window.location.assign(options[active].dataset.url);
        }
      } else if (event.key === "Escape") {
        if (open) { event.preventDefault(); close(); } else { input.value = ""; lastQuery = ""; }
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  document.querySelectorAll("[data-kb-search]").forEach(setup);
  // Printed articles show every FAQ answer, not only the opened ones.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll(".kb-faq details").forEach(function (item) { item.open = true; });
  });
})();
