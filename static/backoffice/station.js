// Keyboard for the inspection station: letters A-F pick the grade, M toggles missing,
// Ctrl+Enter saves from anywhere (Enter already saves outside the notes).
document.addEventListener("keydown", (event) => {
  const form = document.querySelector("form.station-form");
  if (!form) return;
  const typing = ["TEXTAREA", "SELECT"].includes(event.target.tagName) ||
    (event.target.tagName === "INPUT" && ["text", "search", "number"].includes(event.target.type));
  const onChoice = event.target.tagName === "INPUT" && ["radio", "checkbox"].includes(event.target.type);
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey || onChoice)) {
    event.preventDefault();
    form.requestSubmit();
    return;
  }
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  const key = event.key.toUpperCase();
  const grade = form.querySelector(`input[name="grade"][value="${key}"]`);
  if (grade) {
    event.preventDefault();
    grade.checked = true;
    grade.focus();
  } else if (key === "M") {
    event.preventDefault();
    const missing = form.querySelector('input[name="missing"]');
    missing.checked = !missing.checked;
  }
});
