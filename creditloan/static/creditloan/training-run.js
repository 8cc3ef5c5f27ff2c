// Follows a training run while it is queued or running: the bar, "step n of N" and the step's words (in the page's
// language, from the server), once a second; reloads the page when it ends, so that the outcome, the new version
// in the table and the offer to promote it show.
const run = document.getElementById("run");
if (run && ["queued", "running"].includes(run.dataset.runStatus)) {
  const follow = async () => {
    let state;
    try {
      state = await (await fetch(run.dataset.runUrl, { headers: { Accept: "application/json" } })).json();
    } catch {
      setTimeout(follow, 5000); // a lost answer (a restart, a dropped connection): ask again, less often
      return;
    }
    run.querySelector("progress").value = state.step;
    run.querySelector("[data-run-field=status]").textContent = state.status_label;
    run.querySelector("[data-run-field=progress]").textContent = state.progress;
    run.querySelector("[data-run-field=text]").textContent = state.text;
    if (state.status === "done" || state.status === "failed") {
      window.location.reload();
      return;
    }
    setTimeout(follow, 1000);
  };
  setTimeout(follow, 1000);
}
