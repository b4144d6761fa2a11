/* app.js - the page's only script. It sends each answer to the server as it changes, one at a
 * time and in order, and shows what the server says back: which questions apply, the
 * messages, calculated values, the choices a filter offers, whether everything is saved. It
 * decides none of that itself: the server's engine does. It also narrows long lists and the
 * list of records as the surveyor types, and moves to the next question on Enter. */
"use strict";

/* Text folded for searching: no case, no diacritics ("Nữ" and "nu" match). */
function fold(s) {
  return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
}

function filterRecords(input) {
  const table = document.getElementById(input.dataset.filter);
  if (!table) return;
  const wanted = fold(input.value.trim());
  for (const row of table.tBodies[0].rows) row.hidden = wanted !== "" && !fold(row.textContent).includes(wanted);
}

/* A long list's search box: options the filter does not offer (disabled) stay hidden. */
function filterSelect(input) {
  const select = document.querySelector(`select[name="${CSS.escape(input.dataset.filterSelect)}"]`);
  if (!select) return;
  const wanted = fold(input.value.trim());
  for (const option of select.options) {
    if (!option.value) continue;
    option.hidden = option.disabled || (wanted !== "" && !fold(option.textContent).includes(wanted));
  }
}

function setupRecord(form) {
  const lang = form.dataset.lang;
  const showAll = form.dataset.showAll === "yes";
  const touched = new Set();
  const unsent = new Set(); /* answers changed and not yet committed: sent, failed, retried */
  const refused = new Map(); /* field -> the message of an answer the server refused */
  const savedState = document.querySelector(".saved-state");
  let queue = Promise.resolve();
  let pending = 0;
  let retry = null;

  const controlsOf = (name) => form.querySelectorAll(`[name="${CSS.escape(name)}"]`);

  function valuesOf(name) {
    const values = [];
    for (const c of controlsOf(name)) {
      if (c.type === "radio" || c.type === "checkbox") {
        if (c.checked) values.push(c.value);
      } else if (c.value !== "") {
        values.push(c.value);
      }
    }
    return values;
  }

  function showSaved() {
    const state = pending ? "no" : unsent.size ? "failed" : "yes";
    form.dataset.saved = state === "yes" ? "yes" : "no";
    if (savedState) {
      /* a new record not stored yet has nothing saved to speak of */
      const nothing = state === "yes" && !form.dataset.instance;
      savedState.textContent = nothing ? "" : savedState.dataset[state] || "";
      savedState.classList.toggle("failed", state === "failed");
    }
  }

  function showError(name) {
    const box = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    if (!box) return;
    const message = refused.get(name) || box.dataset.message || "";
    const show = showAll || touched.has(name) || refused.has(name) || box.dataset.required !== "true";
    box.textContent = show ? message : "";
  }

  /* A question that no longer applies loses its answer on the server: here too. */
  function clearControls(q) {
    for (const c of q.querySelectorAll("input, select, textarea")) {
      if (c.type === "radio" || c.type === "checkbox") c.checked = false;
      else if (c.tagName === "SELECT") c.selectedIndex = 0;
      else c.value = "";
    }
  }

  function applyField(name, f) {
    const q = document.getElementById("q-" + name);
    if (!q) return;
    if (!f.relevant && !q.hidden) clearControls(q);
    q.hidden = !f.relevant;
    /* a box the filter no longer offers stays in sight while it is checked, to be unchecked
       (another radio or option replaces a choice by itself) */
    const offered = f.offered ? new Set(f.offered) : null;
    for (const c of q.querySelectorAll("input, select, textarea, option")) {
      if (c.tagName === "OPTION") {
        if (offered && c.value) c.disabled = c.hidden = !offered.has(c.value);
      } else if (c.type === "radio" || c.type === "checkbox") {
        const ok = !offered || offered.has(c.value) || (c.type === "checkbox" && c.checked);
        c.disabled = !f.relevant || !ok;
        c.closest("label").hidden = !ok;
      } else {
        c.disabled = !f.relevant;
      }
    }
    const filterBox = q.querySelector("input[data-filter-select]");
    if (filterBox) filterSelect(filterBox);
    const box = q.querySelector("[data-error-for]");
    if (box) {
      box.dataset.message = f.refused ? "" : f.error;
      box.dataset.required = f.required ? "true" : "false";
    }
    showError(name);
    if ("value" in f) {
      const out = q.querySelector("output[data-calc-for]");
      if (out) out.textContent = f.value;
    }
  }

  /* The first answer stored the record: the page's addresses become the record's. */
  function becameStored(id) {
    form.dataset.instance = id;
    history.replaceState(null, "", `/record/${id}?lang=${lang}`);
    for (const action of document.querySelectorAll("form.action")) {
      const button = action.querySelector("button[data-action]");
      if (!button) continue;
      action.action = `/record/${id}/${button.dataset.action}`;
      if (button.dataset.action === "void") action.hidden = false;
    }
    const other = lang === "en" ? "vi" : "en";
    for (const link of document.querySelectorAll(`nav.lang a[hreflang="${other}"]`))
      link.href = `/record/${id}?lang=${other}`;
  }

  function apply(state, name) {
    if (state.instance && form.dataset.instance !== state.instance) becameStored(state.instance);
    form.dataset.status = state.status;
    const badge = document.querySelector("#record-status [data-status]");
    if (badge) {
      badge.dataset.status = state.status;
      badge.className = `status status-${state.status}`;
      badge.textContent = state.status_words;
    }
    const title = document.querySelector(".record-title");
    if (title) title.textContent = state.title;
    for (const button of document.querySelectorAll('[data-action="finalize"]'))
      button.closest("form").hidden = state.status === "finalized";
    for (const link of document.querySelectorAll('[data-action="next"]')) link.hidden = state.status !== "finalized";
    const answered = state.fields[name];
    if (answered && answered.refused) refused.set(name, answered.error);
    else refused.delete(name);
    for (const [field, f] of Object.entries(state.fields)) applyField(field, f);
  }

  async function post(name) {
    const body = new URLSearchParams();
    body.set("lang", lang);
    body.set("instance", form.dataset.instance);
    body.set("form", form.dataset.form);
    if (form.dataset.from) body.set("from", form.dataset.from);
    body.set("field", name);
    for (const v of valuesOf(name)) body.append("value", v);
    const response = await fetch("/answer", { method: "POST", body, credentials: "same-origin" });
    if (!response.ok) throw new Error(await response.text());
    apply(await response.json(), name);
  }

  /* Sends every answer not yet committed, in the order they changed; one that fails stays
     unsent and is tried again (with the next change, or in a few seconds). */
  async function flush() {
    for (const name of [...unsent]) {
      try {
        await post(name);
        unsent.delete(name);
      } catch (e) {
        if (!retry) retry = setTimeout(() => { retry = null; schedule(); }, 5000);
        return;
      }
    }
  }

  function schedule() {
    pending++;
    showSaved();
    queue = queue.then(flush).finally(() => { pending--; showSaved(); });
    return queue;
  }

  function send(name) {
    unsent.add(name);
    schedule();
  }

  form.addEventListener("change", (event) => {
    const name = event.target.name;
    if (!name || event.target.dataset.filterSelect !== undefined) return;
    touched.add(name);
    send(name);
  });
  /* leaving a question shows what it still needs */
  form.addEventListener("focusout", (event) => {
    const q = event.target.closest(".q");
    if (!q || q.contains(event.relatedTarget)) return;
    touched.add(q.dataset.field);
    showError(q.dataset.field);
  });
  /* Enter moves on to the next control (the answer is sent as the focus leaves it) */
  form.addEventListener("keydown", (event) => {
    const t = event.target;
    if (event.key !== "Enter" || t.tagName !== "INPUT" || t.dataset.filterSelect !== undefined) return;
    event.preventDefault();
    const controls = [...form.querySelectorAll("input, select, textarea")].filter(
      (c) => !c.disabled && !c.closest("[hidden]") && c.dataset.filterSelect === undefined);
    const next = controls.slice(controls.indexOf(t) + 1).find((c) => c.name !== t.name);
    if (next) next.focus();
    else t.blur();
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  /* finalize, void, next: only once every answer given is committed (the first one may be
     creating the record the action is for) */
  async function whenSaved(go) {
    if (document.activeElement && form.contains(document.activeElement)) document.activeElement.blur();
    await schedule();
    if (unsent.size) return; /* the page says it could not save: nothing is lost by waiting */
    go();
  }
  for (const action of document.querySelectorAll("form.action")) {
    action.addEventListener("submit", (event) => {
      event.preventDefault();
      whenSaved(() => action.submit());
    });
  }
  for (const link of document.querySelectorAll('a[data-action="next"]')) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      whenSaved(() => { window.location.href = link.href; });
    });
  }
  window.addEventListener("beforeunload", (event) => {
    if (pending || unsent.size) event.preventDefault();
  });
  showSaved();
}

/* A stored UTC time in the PC's own time: "2026-12-03 14:32". */
function localTime(element) {
  const t = new Date(element.dateTime);
  if (isNaN(t)) return;
  const two = (n) => String(n).padStart(2, "0");
  element.textContent = `${t.getFullYear()}-${two(t.getMonth() + 1)}-${two(t.getDate())} ${two(t.getHours())}:${two(t.getMinutes())}`;
}

document.addEventListener("DOMContentLoaded", () => {
  for (const element of document.querySelectorAll("time[datetime]")) localTime(element);
  for (const input of document.querySelectorAll("input[data-filter]"))
    input.addEventListener("input", () => filterRecords(input));
  for (const input of document.querySelectorAll("input[data-filter-select]"))
    input.addEventListener("input", () => filterSelect(input));
  /* a problem's link puts the keyboard in its question */
  for (const link of document.querySelectorAll("a[data-problem-for]")) {
    link.addEventListener("click", () => {
      const q = document.getElementById("q-" + link.dataset.problemFor);
      const control = q && q.querySelector("input:not([disabled]), select:not([disabled]), textarea:not([disabled])");
      if (control) setTimeout(() => control.focus(), 0);
    });
  }
  const problems = document.getElementById("problems");
  if (problems) problems.focus();
  const form = document.getElementById("record");
  if (form) setupRecord(form);
});
