// Follows an uploaded file's import while it runs: the bar and the rows read, once a second; reloads the page when
// it ends, so the counts and the rejected rows show.
const box = document.getElementById("import-progress");
if (box && box.dataset.status === "running") {
  const follow = async () => {
    const state = await (await fetch(box.dataset.progressUrl, { headers: { Accept: "application/json" } })).json();
    if (state.status !== "running") { window.location.reload(); return; }
    box.querySelector("progress").value = state.percent;
    box.querySelector("progress").textContent = `${state.percent}%`;
    box.querySelector("[data-progress-field=percent]").textContent = state.percent;
    box.querySelector("[data-progress-field=rows]").textContent = state.rows;
    setTimeout(follow, 1000);
  };
  setTimeout(follow, 1000);
}
