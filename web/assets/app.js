/* app.js - the page's only script: it filters the list of records as the surveyor types, and
 * sends each answer to the server as it changes, then shows what the server says (relevance,
 * messages, calculated values). It decides nothing itself: the server's engine does. */
"use strict";

function filterRecords(input) {
  const table = document.getElementById(input.dataset.filter);
  if (!table) return;
  const fold = (s) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").toLowerCase();
  const wanted = fold(input.value.trim());
  for (const row of table.tBodies[0].rows) row.hidden = wanted !== "" && !fold(row.textContent).includes(wanted);
}

document.addEventListener("DOMContentLoaded", () => {
  for (const input of document.querySelectorAll("input[data-filter]"))
    input.addEventListener("input", () => filterRecords(input));
});
