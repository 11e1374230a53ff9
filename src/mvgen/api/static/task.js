// The task page: progress, player, timeline, shot cards (versions, edit), compose.
import { api, ApiError, MV, STUDIO } from "./api.js";
import { h, seconds, stateBadge } from "./util.js";
import { drawTimeline } from "./timeline.js";

const ACTIVE = new Set(["created", "processing"]);
const POLL_MS = 1200;

export function taskView(main, id) {
  const badge = h("span", {});
  const bar = h("progress", { id: "progress", max: 100, value: 0, "aria-labelledby": "progress-text" });
  const figure = h("p", { id: "progress-text", class: "muted", "aria-live": "polite" }, "Loading…");
  const player = h("video", { id: "player", controls: true, playsinline: true, preload: "metadata" });
  const download = h("a", { id: "download", class: "button", hidden: true }, "Download MV");
  const composeButton = h("button", { type: "button", id: "compose", class: "primary" }, "Compose chosen versions");
  const composeMsg = h("p", { id: "compose-msg", class: "muted", role: "status" });
  const noVideo = h("p", { class: "muted", id: "no-video" }, "The video appears here once it is composed.");
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.id = "timeline";
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "The song: loudness, beats, sections, sung lines and shots");
  const timelineNote = h("p", { class: "muted small" }, "The timeline appears once the song is analysed.");
  const shotsBox = h("div", { class: "shots", id: "shots" });
  const error = h("p", { class: "field-error", role: "alert" });

  main.replaceChildren(
    h("section", { class: "card" },
      h("div", { class: "row spread" }, h("h1", {}, `Video ${id}`), badge),
      bar, figure, error),
    h("section", { class: "card player-card", "aria-label": "Music video" },
      player, noVideo,
      h("div", { class: "row" }, composeButton, download), composeMsg),
    h("section", { class: "card", "aria-label": "Timeline" },
      h("h2", {}, "Timeline"), h("div", { class: "timeline-wrap" }, svg), timelineNote,
      h("p", { class: "legend small muted" },
        h("span", { class: "key wave" }), "loudness ", h("span", { class: "key beat" }), "beats ",
        h("span", { class: "key section" }), "sections ", h("span", { class: "key sung" }), "sung lines ",
        h("span", { class: "key shotk" }), "shots")),
    h("section", { "aria-label": "Shots" }, h("h2", { class: "pad" }, "Shots"), shotsBox));

  const cards = new Map();
  const chosen = {};
  let task = null;
  let analysis = null;
  let timer = 0;
  let gone = false;

  const shotJobs = (i) => task.job_records.find((r) => r.type === "generate_video" && r.index === i)?.jobs || [];
  const newestOk = (jobs) => [...jobs].reverse().find((j) => j.state === "success");
  const latestState = (i) => { const jobs = shotJobs(i); return jobs.length ? jobs[jobs.length - 1].state : "created"; };

  async function poll() {
    clearTimeout(timer);
    try {
      task = await api(`${MV}/${id}`);
      error.textContent = "";
      render();
    } catch (err) {
      error.textContent = err.message;
      if (err.status === 404) return;
    }
    if (gone) return;
    const busy = !task || ACTIVE.has(task.state)
      || task.job_records.some((r) => r.jobs.some((j) => ACTIVE.has(j.state)));
    if (busy) timer = setTimeout(poll, POLL_MS);
  }

  function render() {
    badge.replaceChildren(stateBadge(task.state));
    badge.id = "task-state";
    badge.dataset.state = task.state;
    const shots = task.job_records.filter((r) => r.type === "generate_video");
    const done = shots.filter((r) => r.jobs.some((j) => j.state === "success")).length;
    const composes = task.job_records.find((r) => r.type === "compose")?.jobs || [];
    const composing = composes.some((j) => ACTIVE.has(j.state));
    const pct = shots.length ? Math.round((100 * done) / shots.length) : (task.state === "success" ? 100 : 0);
    bar.value = pct;
    figure.textContent = !shots.length
      ? (task.state === "failed" ? `Failed: ${task.err_msg}` : "Analysing the song and writing the storyboard…")
      : `${done} of ${shots.length} shots rendered · ${pct} %` + (composing ? " · composing…" : "")
        + (task.state === "failed" ? ` · failed: ${task.err_msg}` : "");
    const mv = newestOk(composes);
    const src = mv ? mv.signed_url : task.signed_url;
    if (src && player.getAttribute("src") !== src) {
      player.setAttribute("src", src);
      player.dataset.job = mv ? mv.id : "";
    }
    noVideo.hidden = Boolean(src);
    player.hidden = !src;
    download.hidden = !src;
    if (src) {
      download.href = src;
      download.setAttribute("download", `mv-${id}.mp4`);
    }
    const last = composes[composes.length - 1];
    composeMsg.textContent = composing ? "Composing the chosen versions…"
      : last?.state === "failed" ? `Compose failed: ${last.err_msg}`
      : mv ? `Showing composition ${composes.filter((j) => j.state === "success").length}`
        + ` of this task. Pick a version per shot, then compose again.` : "";
    composeButton.disabled = composing || !shots.length || shots.some((r) => !newestOk(r.jobs));
    shots.forEach((r) => renderCard(r.index, r.jobs));
    if (shots.length && !analysis) loadAnalysis();
    else if (analysis) drawTimeline(svg, analysis, latestState, focusShot);
  }

  async function loadAnalysis() {
    try {
      analysis = await api(`${STUDIO}/tasks/${id}/analysis`);
      timelineNote.hidden = true;
      render(); // draws the timeline and puts the shots' times on their cards
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 409)) timelineNote.textContent = err.message;
    }
  }

  function focusShot(i) {
    const card = cards.get(i);
    card?.el.scrollIntoView({ behavior: "smooth", block: "center" });
    card?.el.focus({ preventScroll: true });
  }

  function renderCard(i, jobs) {
    let card = cards.get(i);
    if (!card) card = buildCard(i);
    const shown = jobs.find((j) => j.id === chosen[i]) || jobs[jobs.length - 1];
    const input = shown.mv_generate_video_input || {};
    card.badge.replaceChildren(stateBadge(shown.state));
    card.el.dataset.state = jobs[jobs.length - 1].state;
    card.el.dataset.versions = String(jobs.length);
    const span = analysis?.shots[i];
    card.title.textContent = `Shot ${i + 1} · ` + (span
      ? `${span.start.toFixed(1)}–${span.end.toFixed(1)} s` : seconds(input.duration || 0));
    card.lyric.textContent = input.lyric_text || "(instrumental)";
    if (!card.dirty) card.prompt.value = input.prompt || "";
    const url = shown.state === "success" ? shown.signed_url : "";
    if (card.video.getAttribute("src") !== url) {
      if (url) card.video.setAttribute("src", url); else card.video.removeAttribute("src");
    }
    card.video.hidden = !url;
    card.wait.hidden = Boolean(url);
    card.wait.textContent = shown.state === "failed" ? `Failed: ${shown.err_msg}` : "Rendering…";
    const sig = jobs.map((j) => `${j.id}:${j.state}`).join(",") + `|${chosen[i] || ""}`;
    if (sig !== card.sig) {
      card.sig = sig;
      const pick = chosen[i] || newestOk(jobs)?.id;
      card.versions.replaceChildren(h("legend", {}, "Versions"), ...jobs.map((j, v) =>
        h("label", { class: "version" },
          h("input", { type: "radio", name: `shot-${i}`, value: j.id, checked: j.id === pick,
            disabled: j.state !== "success", onchange: () => { chosen[i] = j.id; render(); } }),
          ` v${v + 1} `, stateBadge(j.state),
          h("span", { class: "small muted version-prompt" }, (j.mv_generate_video_input?.prompt || "").slice(0, 60)))));
    }
    card.regen.disabled = jobs.some((j) => ACTIVE.has(j.state));
  }

  function buildCard(i) {
    const card = {
      badge: h("span", {}), title: h("h3", {}), lyric: h("p", { class: "lyric" }),
      video: h("video", { controls: true, playsinline: true, preload: "metadata", class: "shot-video" }),
      wait: h("div", { class: "wait muted" }, "Rendering…"),
      versions: h("fieldset", { class: "versions" }),
      prompt: h("textarea", { id: `prompt-${i}`, rows: 3, maxlength: 3000 }),
      regen: h("button", { type: "submit", class: "small-button", id: `regen-${i}` }, "Regenerate shot"),
      err: h("p", { class: "field-error", id: `prompt-${i}-error`, role: "alert" }),
      dirty: false, sig: "",
    };
    card.prompt.addEventListener("input", () => { card.dirty = true; });
    const form = h("form", { class: "edit" },
      h("label", { for: `prompt-${i}` }, "Prompt"), card.prompt, card.err, card.regen);
    form.addEventListener("submit", (e) => { e.preventDefault(); edit(i, card); });
    card.el = h("article", { class: "card shot", id: `shot-${i}`, tabindex: "-1" },
      h("div", { class: "row spread" }, card.title, card.badge),
      card.lyric, card.video, card.wait, card.versions, form);
    shotsBox.append(card.el);
    cards.set(i, card);
    return card;
  }

  async function edit(i, card) {
    if (card.regen.disabled) return;
    card.regen.disabled = true;
    card.err.textContent = "";
    const base = shotJobs(i)[shotJobs(i).length - 1];
    try {
      await api(`${MV}/${id}/edit`, { method: "POST", body: { job_id: base.id, prompt: card.prompt.value } });
      card.dirty = false;
      delete chosen[i]; // the new version is chosen once it succeeds
    } catch (err) {
      card.err.textContent = err.message;
      card.regen.disabled = false;
    }
    poll();
  }

  composeButton.addEventListener("click", async () => {
    if (composeButton.disabled) return;
    composeButton.disabled = true;
    const ids = task.job_records.filter((r) => r.type === "generate_video").map((r) => {
      const pick = r.jobs.find((j) => j.id === chosen[r.index] && j.state === "success");
      return (pick || newestOk(r.jobs)).id;
    });
    composeMsg.textContent = "Composing the chosen versions…";
    try {
      await api(`${MV}/${id}/compose`, { method: "POST", body: { job_ids: ids } });
    } catch (err) {
      composeMsg.textContent = err.message;
    }
    poll();
  });

  poll();
  return () => { gone = true; clearTimeout(timer); };
}
