// The dock screen. A barcode scanner types a code and Enter into one field that always has the focus.
// Scans can come faster than answers: each one is queued at once and the queue is sent one scan at a
// time, in order, so none is lost or reordered and the field never waits. A lost connection keeps the
// queue and retries; a refused scan is marked in the list, to scan again.
(() => {
  const form = document.getElementById("dock-form");
  if (!form) return;
  const input = document.getElementById("dock-scan");
  const result = document.getElementById("dock-result");
  const list = document.getElementById("dock-scans");
  const status = document.getElementById("dock-status");
  const followUps = [...document.querySelectorAll("form.dock-follow-up")];
  const csrfToken = form.querySelector("[name=csrfmiddlewaretoken]").value;
  const RETRY_MS = 2000;
  const queue = [];
  let sending = false;

  const inFollowUp = (element) => followUps.some((followUp) => followUp.contains(element));

  // Keep the keyboard on the scan field, except while the dock fills in a form under the answer.
  const refocus = () => setTimeout(() => {
    if (!inFollowUp(document.activeElement)) input.focus();
  }, 0);
  document.addEventListener("focusout", refocus);
  document.addEventListener("click", refocus);

  document.addEventListener("keydown", (event) => {
    if (event.key === "F2") {
      const open = followUps.find((followUp) => !followUp.hidden);
      if (open) {
        event.preventDefault();
        open.querySelector("input:not([type=hidden]), textarea").focus();
      }
    } else if (event.key === "Escape" && inFollowUp(document.activeElement)) {
      event.preventDefault();
      input.focus();
    }
  });

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken, Accept: "application/json" },
    });
  }

  async function answerOf(response) {
    if ((response.headers.get("Content-Type") || "").includes("application/json")) return response.json();
    return { message: `The server answered ${response.status}: reload the page and sign in again if asked.` };
  }

  function showStatus() {
    const waiting = queue.length - (sending ? 1 : 0);
    status.textContent = waiting > 0 ? `${waiting} scan(s) waiting to be sent…` : "";
  }

  function addRow(code) {
    const row = document.createElement("li");
    row.innerHTML = '<span class="when"></span> <code></code> <span class="dock-badge">waiting</span> '
      + '<span class="summary"></span>';
    row.querySelector("code").textContent = code;
    list.prepend(row);
    return row;
  }

  function fillRow(row, outcome) {
    row.dataset.scan = outcome.scan_id;
    row.querySelector(".when").textContent = outcome.time;
    const badge = row.querySelector(".dock-badge");
    badge.textContent = outcome.result_label;
    badge.className = `dock-badge result-${outcome.result}`;
    row.querySelector(".summary").textContent = outcome.summary;
  }

  function failRow(row, message) {
    const badge = row.querySelector(".dock-badge");
    badge.textContent = "not received: scan again";
    badge.className = "dock-badge result-failed";
    row.querySelector(".summary").textContent = message;
  }

  function showOutcome(outcome) {
    result.hidden = false;
    result.className = `dock-result result-${outcome.result}`;
    for (const field of result.querySelectorAll("[data-field]")) {
      field.textContent = outcome[field.dataset.field] || "";
    }
    for (const link of result.querySelectorAll("[data-link]")) {
      const url = outcome[link.dataset.link];
      link.hidden = !url;
      if (url) link.href = url;
    }
    for (const followUp of followUps) {
      if (followUp.contains(document.activeElement)) continue; // the dock is filling it in
      const url = outcome[followUp.dataset.url];
      followUp.hidden = !url;
      if (url) {
        followUp.action = url;
        followUp.reset();
        followUp.querySelector("[data-errors]").hidden = true;
      }
    }
  }

  async function sendNext() {
    if (sending || queue.length === 0) return;
    sending = true;
    showStatus();
    const scan = queue[0];
    let response;
    try {
      response = await post(form.dataset.endpoint, new URLSearchParams({ code: scan.code }));
    } catch {
      sending = false;
      status.textContent = `Connection lost: ${queue.length} scan(s) kept, retrying…`;
      setTimeout(sendNext, RETRY_MS);
      return;
    }
    const answer = await answerOf(response);
    queue.shift();
    if (response.ok) {
      fillRow(scan.row, answer);
      showOutcome(answer);
    } else {
      failRow(scan.row, answer.message);
    }
    sending = false;
    showStatus();
    sendNext();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const code = input.value.trim();
    input.value = "";
    if (!code) return;
    queue.push({ code, row: addRow(code) });
    showStatus();
    sendNext();
  });

  for (const followUp of followUps) {
    followUp.addEventListener("submit", async (event) => {
      event.preventDefault();
      const errors = followUp.querySelector("[data-errors]");
      let response;
      try {
        response = await post(followUp.action, new FormData(followUp));
      } catch {
        errors.textContent = "Connection lost: save again.";
        errors.hidden = false;
        return;
      }
      const answer = await answerOf(response);
      if (!response.ok) {
        errors.textContent = answer.message;
        errors.hidden = false;
        return;
      }
      followUp.reset();
      followUp.hidden = true;
      status.textContent = answer.message;
      input.focus();
    });
  }

  input.focus();
})();
