// Copy buttons (the customer's label link, a new webhook secret): put the named field's text on the clipboard and say so.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copy);
  const status = button.parentElement.querySelector(".copied");
  let copied = false;
  try {
    await navigator.clipboard.writeText(field.value);
    copied = true;
  } catch {
    // No clipboard API (a page served over plain http to another host): copy the selection instead.
    field.select();
    copied = document.execCommand("copy");
  }
  field.select();
  status.textContent = copied ? "Copied" : "Selected: press Ctrl+C to copy";
  clearTimeout(button.copiedTimer);
  button.copiedTimer = setTimeout(() => { status.textContent = ""; }, 4000);
});
