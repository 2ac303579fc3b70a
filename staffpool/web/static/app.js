// Polls a queued or running run through the API and reloads the page when it ends;
// fills the side-by-side form from the two runs ticked. No framework, no build step.
"use strict";
(function () {
  const box = document.getElementById("run");
  if (box && (box.dataset.status === "queued" || box.dataset.status === "running")) {
    const id = box.dataset.run;
    const bar = document.getElementById("progress");
    const text = document.getElementById("progress-text");
    const poll = function () {
      fetch("/api/runs/" + id, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (run) {
        const p = run.progress || {};
        if (p.total) { bar.max = p.total; }
        bar.value = p.done || 0;
        text.textContent = (p.done || 0) + "/" + (p.total === null || p.total === undefined ? "?" : p.total);
        if (run.status !== "queued" && run.status !== "running") { window.location.reload(); }
        else { setTimeout(poll, 500); }
      }).catch(function () { setTimeout(poll, 2000); });
    };
    setTimeout(poll, 300);
  }
  const form = document.getElementById("compare-form");
  if (form) {
    form.addEventListener("submit", function (e) {
      const picked = Array.from(form.querySelectorAll("input[name=pick]:checked")).map(function (c) { return c.value; });
      if (picked.length !== 2) { e.preventDefault(); return; }
      document.getElementById("compare-a").value = picked[0];
      document.getElementById("compare-b").value = picked[1];
      form.querySelectorAll("input[name=pick]").forEach(function (c) { c.disabled = true; });
    });
  }
})();
