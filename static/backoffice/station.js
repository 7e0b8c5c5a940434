// Keyboard for the inspection station.
// A unit: the grade's letter picks it, M marks the unit missing, Enter saves from anywhere but the notes
// (Ctrl+Enter there) and the buttons; in the defect category its first letter picks a category and Enter saves.
// Saving without a grade says what is missing; a missing unit asks once for confirmation (Enter: yes, Esc: no).
// The dispositions: Enter saves from a decision's list too.
(() => {
  const unitForm = () => document.querySelector("form.station-form");
  const confirmPanel = () => document.getElementById("confirm-missing-panel");

  const isButton = (element) => element.tagName === "BUTTON" || element.tagName === "A" ||
    (element.tagName === "INPUT" && ["submit", "button", "reset"].includes(element.type));
  const isTextEntry = (element) => element.tagName === "TEXTAREA" ||
    (element.tagName === "INPUT" && !["radio", "checkbox", "file", "submit", "button", "reset"].includes(element.type));

  function askToConfirmMissing(form) {
    confirmPanel().hidden = false;
    document.getElementById("confirm-missing").focus();
  }

  function cancelMissing(form) {
    confirmPanel().hidden = true;
    form.querySelector('input[name="missing"]').checked = false;
    form.querySelector('input[name="grade"]').focus();
  }

  function sayGradeNeeded(form) {
    const keys = form.dataset.gradeKeys;
    document.getElementById("grade-needed").innerHTML =
      `<ul class="errorlist"><li>Choose a grade: press ${keys}, or M if the unit was not in the parcel.</li></ul>`;
    form.querySelector('input[name="grade"]').focus();
  }

  // Every way of saving passes here: the button, Enter, requestSubmit.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.matches("form.station-form")) return;
    const missing = form.querySelector('input[name="missing"]').checked;
    const graded = form.querySelector('input[name="grade"]:checked');
    const confirming = event.submitter && event.submitter.id === "confirm-missing";
    if (!missing && !graded) {
      event.preventDefault();
      sayGradeNeeded(form);
    } else if (missing && !confirming) {
      event.preventDefault();
      askToConfirmMissing(form);
    }
  });

  document.addEventListener("click", (event) => {
    if (event.target.id === "cancel-missing") cancelMissing(unitForm());
  });

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    const modified = event.ctrlKey || event.metaKey || event.altKey;
    const dispositions = document.getElementById("dispositions-form");
    if (dispositions && event.key === "Enter" && target.tagName === "SELECT" && dispositions.contains(target)) {
      event.preventDefault();
      dispositions.requestSubmit();
      return;
    }
    const form = unitForm();
    if (!form) return;
    if (!confirmPanel().hidden) {  // the question waits for its answer: Enter on "Yes", or Esc
      if (event.key === "Escape") {
        event.preventDefault();
        cancelMissing(form);
      }
      return;
    }
    if (event.key === "Enter") {
      if (isButton(target) || (target.tagName === "TEXTAREA" && !(event.ctrlKey || event.metaKey))) return;
      event.preventDefault();
      form.requestSubmit();
      return;
    }
    if (isTextEntry(target) || target.tagName === "SELECT" || modified) return;
    const key = event.key.toUpperCase();
    const grade = form.querySelector(`input[name="grade"][value="${CSS.escape(key)}"]`);
    if (grade) {
      event.preventDefault();
      grade.checked = true;
      grade.focus();
      document.getElementById("grade-needed").innerHTML = "";
    } else if (key === "M") {
      event.preventDefault();
      const missing = form.querySelector('input[name="missing"]');
      missing.checked = !missing.checked;
      missing.focus();
    }
  });

  // On arrival the grade takes the keyboard, or the confirmation when the server asks for it.
  document.addEventListener("DOMContentLoaded", () => {
    const form = unitForm();
    if (!form) return;
    if (!confirmPanel().hidden) {
      document.getElementById("confirm-missing").focus();
    } else if (!document.activeElement || document.activeElement === document.body) {
      (form.querySelector('input[name="grade"]:checked') || form.querySelector('input[name="grade"]')).focus();
    }
  });
})();
