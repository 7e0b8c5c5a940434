// The dock screen. A barcode scanner types a code and Enter into one field that always has the focus.
// Scans can come faster than answers: each one is queued at once and the queue is sent one scan at a
// time, in order, so none is lost or reordered and the field never waits. A lost connection keeps the
// queue and retries; each scan carries its own key, sent again on every retry, so a scan the server
// recorded before the answer was lost is never recorded twice. A refused scan is marked in the list,
// to scan again. Every answer sounds too (the operator looks at the parcel, not the screen): a rising
// chirp for a parcel received, a low buzz for anything else; #dock-result's data-tone says which.
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
  const TIMEOUT_MS = 15000;
  // The server is restarting or a proxy cannot reach it: the scan may or may not be recorded, send it again.
  const TRANSIENT = new Set([502, 503, 504]);
  const queue = [];
  let sending = false;

  // crypto.randomUUID needs a secure context; the dock may be served over plain http on the site's network.
  function newKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  // Tones are synthesised with the Web Audio API. Browsers let a page sound only after a key or a click,
  // and a scanner types keys: the first one opens the audio.
  const TONES = {
    success: { type: "sine", notes: [[880, 0, 0.09], [1320, 0.1, 0.14]], volume: 0.25 },
    alert: { type: "square", notes: [[196, 0, 0.16], [196, 0.23, 0.16], [147, 0.46, 0.28]], volume: 0.2 },
  };
  let audio = null;

  function openAudio() {
    const AudioContext = window.AudioContext || window.webkitAudioContext;
    if (!audio && AudioContext) audio = new AudioContext();
    if (audio && audio.state === "suspended") audio.resume();
  }
  document.addEventListener("keydown", openAudio);
  document.addEventListener("pointerdown", openAudio);

  function play(name) {
    result.dataset.tone = name;
    if (!audio) return;
    const tone = TONES[name];
    const start = audio.currentTime + 0.01;
    for (const [hz, at, length] of tone.notes) {
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.type = tone.type;
      oscillator.frequency.value = hz;
      // A few milliseconds of ramp at each end: no click.
      gain.gain.setValueAtTime(0, start + at);
      gain.gain.linearRampToValueAtTime(tone.volume, start + at + 0.01);
      gain.gain.setValueAtTime(tone.volume, start + at + length - 0.02);
      gain.gain.linearRampToValueAtTime(0, start + at + length);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(start + at);
      oscillator.stop(start + at + length);
    }
  }

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

  function post(url, body, signal) {
    return fetch(url, {
      method: "POST",
      body,
      signal,
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
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), TIMEOUT_MS);
    let response;
    let answer;
    try {
      const body = new URLSearchParams({ code: scan.code, idempotency_key: scan.key });
      response = await post(form.dataset.endpoint, body, timeout.signal);
      if (TRANSIENT.has(response.status)) throw new Error(`The server answered ${response.status}.`);
      answer = await answerOf(response);
    } catch {
      sending = false;
      status.textContent = `Connection lost: ${queue.length} scan(s) kept, retrying…`;
      setTimeout(sendNext, RETRY_MS);
      return;
    } finally {
      clearTimeout(timer);
    }
    queue.shift();
    if (response.ok) {
      fillRow(scan.row, answer);
      showOutcome(answer);
      play(answer.tone);
    } else {
      failRow(scan.row, answer.message);
      play("alert");
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
    queue.push({ code, key: newKey(), row: addRow(code) });
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

  // The screen stays open for a whole shift between scans: a ping every few minutes keeps the session
  // from ending for idleness, so a scan never lands on a login page. Once the session has ended anyway
  // (its hours are up), the status line says so before the next parcel is scanned.
  const KEEP_ALIVE_MS = 5 * 60 * 1000;
  setInterval(async () => {
    try {
      const response = await post(form.dataset.keepAlive, new URLSearchParams(), undefined);
      if (response.status === 403) status.textContent = "Your session has ended: reload the page and sign in again.";
    } catch {
      // No connection now: the next ping, or the next scan's retries, will tell.
    }
  }, KEEP_ALIVE_MS);

  input.focus();
})();
