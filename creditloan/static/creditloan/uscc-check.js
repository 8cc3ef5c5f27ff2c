// Checks a 统一社会信用代码 as it is typed, with the server's own validator, and says what is wrong and where.
document.querySelectorAll("[data-uscc-check]").forEach((input) => {
  const feedback = document.createElement("div");
  feedback.id = input.id + "-live";
  feedback.setAttribute("aria-live", "polite");
  feedback.className = "form-text";
  input.after(feedback);
  input.setAttribute("aria-describedby", [input.getAttribute("aria-describedby"), feedback.id].filter(Boolean).join(" "));
  let pending;
  input.addEventListener("input", () => {
    clearTimeout(pending);
    pending = setTimeout(async () => {
      const code = input.value.trim();
      if (!code) { feedback.textContent = ""; input.classList.remove("is-valid", "is-invalid"); return; }
      const response = await fetch(input.form.dataset.usccCheckUrl + "?code=" + encodeURIComponent(code));
      const result = await response.json();
      input.classList.toggle("is-valid", result.valid);
      input.classList.toggle("is-invalid", !result.valid);
      feedback.className = result.valid ? "form-text text-success" : "form-text text-danger";
      feedback.textContent = result.valid ? input.dataset.validText || "✓" : result.message;
    }, 250);
  });
});
