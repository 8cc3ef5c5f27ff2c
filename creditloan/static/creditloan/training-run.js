// Follows a training run while it is queued or running: the bar and the step, once a second; reloads the page
// when it ends, so that the new version shows in the table.
const run = document.getElementById("run");
if (run && ["queued", "running"].includes(run.dataset.runStatus)) {
  const follow = async () => {
    const state = await (await fetch(run.dataset.runUrl)).json();
    run.querySelector("progress").value = state.step;
    run.querySelector("[data-run-field=text]").textContent = state.status === "done" || state.status === "failed" ? state.message : state.text;
    if (state.status === "done" || state.status === "failed") { window.location.reload(); return; }
    setTimeout(follow, 1000);
  };
  setTimeout(follow, 1000);
}
