/* The ticket page: composer, drafts, presence and held sends, plugin panels, shortcuts. */
(function () {
  "use strict";

  const root = document.getElementById("inbox-ticket");
  if (!root) return;

  const csrfToken = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  // Translated on the server (see js_strings in inbox/admin/ticket_page.py).
  const strings = JSON.parse(document.getElementById("inbox-ticket-strings").textContent);
  function t(key, values) {
    return (strings[key] || key).replace(/%\((\w+)\)s/g, (match, name) => (values && name in values ? values[name] : match));
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken, Accept: "application/json" },
    });
  }

  function form(fields) {
    const data = new FormData();
    Object.entries(fields).forEach(([k, v]) => data.append(k, v));
    return data;
  }

  function isTyping(target) {
    if (!target) return false;
    const tag = target.tagName;
    return (
      tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable
    );
  }

  /* ---- Quoted text ---- */
  document.addEventListener("click", (event) => {
    const toggle = event.target.closest("[data-quoted-toggle]");
    if (!toggle) return;
    const quoted = toggle.nextElementSibling;
    const open = quoted.hidden;
    quoted.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    toggle.textContent = open ? toggle.dataset.hideLabel : toggle.dataset.showLabel;
  });

  /* ---- Composer ---- */
  const composer = document.getElementById("inbox-composer");
  const composerForm = composer.querySelector("[data-composer-form]");
  const editor = composer.querySelector("[data-editor]");
  const modeInput = composer.querySelector("[data-composer-mode]");
  const bodyInput = composer.querySelector("[data-composer-body]");
  const lastSeenInput = composer.querySelector("[data-last-seen]");
  const statusLine = composer.querySelector("[data-composer-status]");
  const errorLine = composer.querySelector("[data-composer-error]");
  const drafts = {
    reply: composer.querySelector("template[data-draft=reply]").innerHTML,
    note: composer.querySelector("template[data-draft=note]").innerHTML,
  };
  let lastTypedAt = 0;
  let saveTimer = null;

  function showError(text) {
    errorLine.textContent = text || "";
    errorLine.hidden = !text;
  }

  function setMode(mode) {
    if (modeInput.value === mode) return;
    drafts[modeInput.value] = editor.innerHTML;
    saveDraftNow();
    modeInput.value = mode;
    composer.dataset.mode = mode;
    editor.innerHTML = drafts[mode] || "";
    editor.dataset.placeholder = mode === "note" ? editor.dataset.placeholderNote : editor.dataset.placeholderReply;
    composer.querySelectorAll("[data-mode-tab]").forEach((tab) => {
      tab.setAttribute("aria-selected", String(tab.dataset.modeTab === mode));
    });
    composer.querySelectorAll("[data-reply-only]").forEach((el) => (el.hidden = mode !== "reply"));
    composer.querySelectorAll("[data-note-only]").forEach((el) => (el.hidden = mode !== "note"));
    showError("");
  }
  editor.dataset.placeholder = editor.dataset.placeholderReply;

  composer.querySelectorAll("[data-mode-tab]").forEach((tab) => {
    tab.addEventListener("click", () => {
      setMode(tab.dataset.modeTab);
      editor.focus();
    });
  });
  composer.querySelector("[data-toggle-cc]").addEventListener("click", () => {
    const fields = composer.querySelector("[data-cc-fields]");
    fields.hidden = !fields.hidden;
    if (!fields.hidden) fields.querySelector("input").focus();
  });

  composer.querySelectorAll("[data-command]").forEach((button) => {
    button.addEventListener("mousedown", (event) => event.preventDefault());
    button.addEventListener("click", () => {
      editor.focus();
      const command = button.dataset.command;
      if (command === "createLink") {
        const url = window.prompt(button.dataset.prompt, "https://");
        if (url && /^(https?:|mailto:)/i.test(url)) document.execCommand("createLink", false, url);
      } else {
        document.execCommand(command, false, null);
      }
      noteTyping();
    });
  });

  function composerHasText() {
    return editor.textContent.trim().length > 0 || editor.querySelector("img") !== null;
  }

  function saveDraftNow() {
    clearTimeout(saveTimer);
    saveTimer = null;
    const data = form({ mode: modeInput.value, body_html: editor.innerHTML });
    if (modeInput.value === "reply") {
      data.append("cc", composerForm.elements.cc.value);
      data.append("bcc", composerForm.elements.bcc.value);
    }
    return post(root.dataset.draftUrl, data)
      .then((response) => response.json())
      .then((result) => {
        statusLine.textContent = result.saved ? t("draft_saved") : "";
      })
      .catch(() => {
        statusLine.textContent = t("draft_not_saved");
      });
  }

  function noteTyping() {
    lastTypedAt = Date.now();
    clearTimeout(saveTimer);
    saveTimer = setTimeout(saveDraftNow, 1000);
  }
  editor.addEventListener("input", noteTyping);
  composer.querySelectorAll("[data-composer-input]").forEach((input) => input.addEventListener("input", noteTyping));

  // Remember where the cursor was so a composer tool inserts at that place.
  let savedRange = null;
  function rememberRange() {
    const selection = window.getSelection();
    if (selection.rangeCount && editor.contains(selection.anchorNode)) savedRange = selection.getRangeAt(0).cloneRange();
  }
  editor.addEventListener("keyup", rememberRange);
  editor.addEventListener("mouseup", rememberRange);
  editor.addEventListener("blur", rememberRange);

  function insertHtml(html) {
    editor.focus();
    const selection = window.getSelection();
    if (savedRange) {
      selection.removeAllRanges();
      selection.addRange(savedRange);
    }
    document.execCommand("insertHTML", false, html);
    noteTyping();
  }

  /* ---- Sending ---- */
  let lastSubmitter = null;
  composerForm.addEventListener("submit", (event) => {
    event.preventDefault();
    submitComposer(event.submitter || lastSubmitter);
  });

  function submitComposer(submitter) {
    lastSubmitter = submitter;
    clearTimeout(saveTimer);
    bodyInput.value = editor.innerHTML;
    const data = new FormData(composerForm);
    data.set("set_status", submitter && submitter.value ? submitter.value : "");
    composerForm.querySelectorAll("button[type=submit]").forEach((b) => (b.disabled = true));
    showError("");
    statusLine.textContent = t("sending");
    return post(composerForm.action, data)
      .then((response) => response.json().then((result) => ({ response, result })))
      .then(({ response, result }) => {
        if (response.ok) {
          statusLine.textContent = result.message || "";
          window.location.reload();
          return;
        }
        statusLine.textContent = "";
        if (result.held) {
          showHeld(result.html, result.latest_message_id, true);
          showError(result.error);
        } else {
          showError(result.error || t("refused"));
        }
      })
      .catch(() => {
        statusLine.textContent = "";
        showError(t("unreachable"));
      })
      .finally(() => {
        composerForm.querySelectorAll("button[type=submit]").forEach((b) => (b.disabled = false));
      });
  }

  /* ---- Held send: a new message arrived while writing ---- */
  const held = document.getElementById("inbox-held");
  const heldMessages = held.querySelector("[data-held-messages]");
  let heldLatestId = 0;

  function showHeld(html, latestId, refused) {
    if (!latestId || latestId <= Number(lastSeenInput.value)) return;
    if (latestId === heldLatestId && !held.hidden && !refused) return;
    heldLatestId = latestId;
    heldMessages.innerHTML = html;
    const writing = refused || composerHasText();
    held.querySelector("[data-held-title]").textContent = t(writing ? "held_title" : "new_title");
    held.querySelector("[data-held-text]").textContent = t(writing ? "held_text" : "new_text");
    held.hidden = false;
    held.dataset.refused = refused ? "1" : "";
    held.querySelector("[data-held-send-anyway]").hidden = !writing;
  }

  function markHeldSeen() {
    lastSeenInput.value = String(Math.max(Number(lastSeenInput.value), heldLatestId));
    held.hidden = true;
  }
  held.querySelector("[data-held-seen]").addEventListener("click", markHeldSeen);
  held.querySelector("[data-held-send-anyway]").addEventListener("click", () => {
    markHeldSeen();
    const submitter = lastSubmitter || composerForm.querySelector("button[type=submit]");
    submitComposer(submitter);
  });

  /* ---- Undo countdown ---- */
  root.querySelectorAll("[data-undo-until]").forEach((undoForm) => {
    const until = Date.parse(undoForm.dataset.undoUntil);
    const countdown = undoForm.querySelector("[data-undo-countdown]");
    function tick() {
      const left = Math.ceil((until - Date.now()) / 1000);
      if (left <= 0) {
        undoForm.hidden = true;
        return;
      }
      countdown.textContent = "(" + left + ")";
      setTimeout(tick, 250);
    }
    tick();
  });

  /* ---- Presence ---- */
  const presenceBox = root.querySelector("[data-presence]");
  function pollPresence() {
    const typing = Date.now() - lastTypedAt < 5000 && modeInput.value === "reply";
    const data = form({ state: typing ? "typing" : "viewing", last_seen: lastSeenInput.value });
    return post(root.dataset.presenceUrl, data)
      .then((response) => (response.ok ? response.json() : null))
      .then((result) => {
        if (!result) return;
        presenceBox.replaceChildren(
          ...result.others.map((other) => {
            const item = document.createElement("span");
            item.className = "inbox-presence__agent inbox-presence__agent--" + other.state;
            item.textContent = other.text;
            return item;
          }),
        );
        if (result.new_messages.length) showHeld(result.html, result.latest_message_id, false);
      })
      .catch(() => {});
  }
  pollPresence();
  setInterval(pollPresence, Number(root.dataset.presenceInterval) || 3000);
  window.addEventListener("pagehide", () => {
    navigator.sendBeacon(root.dataset.presenceLeaveUrl, form({ csrfmiddlewaretoken: csrfToken }));
  });

  /* ---- Side panel forms: selects save on change ---- */
  root.querySelectorAll("form[data-autosubmit]").forEach((fieldForm) => {
    fieldForm.querySelectorAll("[data-nojs]").forEach((b) => (b.hidden = true));
    fieldForm.querySelector("select").addEventListener("change", () => fieldForm.submit());
  });

  /* ---- Tag autocomplete ---- */
  const tagInput = root.querySelector("[data-tag-input]");
  const tagSuggestions = root.querySelector("[data-tag-suggestions]");
  let tagTimer = null;
  tagInput.addEventListener("input", () => {
    clearTimeout(tagTimer);
    tagTimer = setTimeout(() => {
      const typed = tagInput.value.split(",").pop().trim();
      const url = root.dataset.tagAutocompleteUrl + "?q=" + encodeURIComponent(typed);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((response) => response.json())
        .then((result) => {
          const prefix = tagInput.value.includes(",") ? tagInput.value.replace(/[^,]*$/, " ") : "";
          tagSuggestions.replaceChildren(
            ...result.tags.map((name) => {
              const option = document.createElement("option");
              option.value = prefix + name;
              return option;
            }),
          );
        })
        .catch(() => {});
    }, 150);
  });

  /* ---- Plugin panels: loaded after the page, each failing alone ---- */
  const panelTimeout = Number(root.dataset.panelTimeout) || 8000;
  root.querySelectorAll("[data-panel-url]").forEach((panel) => {
    const body = panel.querySelector("[data-panel-body]");
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), panelTimeout);
    function fail(reason) {
      const message = document.createElement("p");
      message.className = "inbox-plugin-panel__error";
      message.setAttribute("role", "alert");
      message.textContent = t("panel_failed", { title: panel.dataset.panelTitle, reason: reason });
      body.replaceChildren(message);
      panel.dataset.panelState = "error";
    }
    fetch(panel.dataset.panelUrl, { credentials: "same-origin", signal: controller.signal, headers: { Accept: "text/html" } })
      .then((response) => {
        if (!response.ok) throw new Error("HTTP " + response.status + (response.statusText ? " " + response.statusText : ""));
        return response.text();
      })
      .then((html) => {
        body.innerHTML = html;
        panel.dataset.panelState = "loaded";
      })
      .catch((error) => {
        if (error.name === "AbortError") fail(t("panel_timeout", { seconds: panelTimeout / 1000 }));
        else if (error instanceof TypeError) fail(t("network_error"));
        else fail(error.message);
      })
      .finally(() => {
        clearTimeout(timer);
        panel.removeAttribute("aria-busy");
      });
  });

  /* ---- Composer tools (the inbox.composer_tools filter) ---- */
  const popover = composer.querySelector("[data-tool-popover]");
  const toolSearch = popover.querySelector("[data-tool-search]");
  const toolItems = popover.querySelector("[data-tool-items]");
  const toolStatus = popover.querySelector("[data-tool-status]");
  let activeTool = null;
  let toolTimer = null;

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then((response) =>
      response.json().then((result) => {
        if (!response.ok) throw new Error(result.error || "HTTP " + response.status);
        return result;
      }),
    );
  }

  function toolUrl(tool, params) {
    const url = new URL(tool.dataset.toolUrl, window.location.href);
    Object.entries(params).forEach(([k, v]) => url.searchParams.set(k, v));
    return url.toString();
  }

  function searchTool() {
    if (!activeTool) return;
    toolStatus.textContent = t("searching");
    getJson(toolUrl(activeTool, { q: toolSearch.value }))
      .then((result) => {
        toolStatus.textContent = result.items.length ? "" : t("nothing_found");
        toolItems.replaceChildren(
          ...result.items.map((item) => {
            const li = document.createElement("li");
            const button = document.createElement("button");
            button.type = "button";
            button.className = "inbox-tool-popover__item";
            button.dataset.itemId = item.id;
            const title = document.createElement("strong");
            title.textContent = item.title;
            const preview = document.createElement("span");
            preview.textContent = item.preview || "";
            button.append(title, preview);
            button.addEventListener("click", () => chooseToolItem(item.id));
            li.append(button);
            return li;
          }),
        );
      })
      .catch((error) => (toolStatus.textContent = activeTool.textContent + ": " + error.message));
  }

  function chooseToolItem(id) {
    getJson(toolUrl(activeTool, { id: id }))
      .then((result) => {
        insertHtml(result.html);
        closeTool();
        if (result.missing && result.missing.length) {
          statusLine.textContent = t("fill_in", { names: result.missing.join(", ") });
        }
      })
      .catch((error) => (toolStatus.textContent = activeTool.textContent + ": " + error.message));
  }

  function closeTool() {
    popover.hidden = true;
    if (activeTool) activeTool.setAttribute("aria-expanded", "false");
    activeTool = null;
  }

  composer.querySelectorAll("[data-tool-url]").forEach((tool) => {
    tool.addEventListener("mousedown", rememberRange);
    tool.addEventListener("click", () => {
      if (activeTool === tool) return closeTool();
      activeTool = tool;
      tool.setAttribute("aria-expanded", "true");
      popover.hidden = false;
      toolSearch.value = "";
      toolItems.replaceChildren();
      toolSearch.focus();
      searchTool();
    });
  });
  toolSearch.addEventListener("input", () => {
    clearTimeout(toolTimer);
    toolTimer = setTimeout(searchTool, 200);
  });
  toolSearch.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeTool();
  });

  /* ---- Keyboard shortcuts ---- */
  const shortcuts = document.getElementById("inbox-shortcuts");
  document.querySelector("[data-shortcuts-open]").addEventListener("click", () => shortcuts.showModal());

  function postAction(url, fields) {
    const data = form(fields);
    return post(url, data).then(() => window.location.reload());
  }

  const actions = {
    r: () => {
      setMode("reply");
      editor.focus();
    },
    n: () => {
      setMode("note");
      editor.focus();
    },
    a: () => postAction(root.dataset.assigneeUrl, { assignee: "me" }),
    c: () => postAction(root.dataset.statusUrl, { status: "closed" }),
    j: () => (window.location.href = root.dataset.nextUrl),
    k: () => (window.location.href = root.dataset.nextUrl + "?back=1"),
    "?": () => (shortcuts.open ? shortcuts.close() : shortcuts.showModal()),
  };

  // Capture phase, so that "?" opens the ticket's list rather than Wagtail's general one.
  window.addEventListener(
    "keydown",
    (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
      const action = actions[event.key];
      if (!action) return;
      if (shortcuts.open && event.key !== "?") return;
      event.preventDefault();
      event.stopImmediatePropagation();
      action();
    },
    true,
  );
})();
