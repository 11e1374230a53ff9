// The create form: song + images (with previews), options, the cost, one submit.
import { api, ApiError, MV, STUDIO } from "./api.js";
import { h, readDataUrl, seconds } from "./util.js";

const FIELDS = { audio_url: "song", images: "images", srt_url: "srt", lyrics: "lyrics",
  prompt: "prompt", aspect_ratio: "aspect", resolution: "resolution", language: "language",
  subtitle_color: "color", add_subtitle: "subtitles", lip_sync: "lipsync" };

function field(id, label, control, help) {
  return h("div", { class: "field", id: `field-${id}` },
    h("label", { for: id }, label), control,
    help ? h("p", { class: "muted small", id: `${id}-help` }, help) : null,
    h("p", { class: "field-error", id: `${id}-error`, role: "alert" }));
}

function select(id, options, value) {
  return h("select", { id, name: id }, options.map(([v, text]) =>
    h("option", { value: v, selected: v === value }, text)));
}

function fileBox(id, accept, multiple, text) {
  const input = h("input", { id, type: "file", accept, multiple, "aria-describedby": `${id}-help ${id}-error` });
  const zone = h("div", { class: "drop" }, input, h("span", { class: "muted small" }, text));
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    input.files = e.dataTransfer.files;
    input.dispatchEvent(new Event("change"));
  });
  return { input, zone };
}

export function createView(main) {
  const song = fileBox("song", "audio/*,.mp3,.wav,.m4a,.aac", false, "or drop an mp3, wav, m4a or aac (10–300 s)");
  const images = fileBox("images", "image/*", true, "or drop 1 to 7 png, jpeg or webp pictures");
  const srt = fileBox("srt", ".srt,.lrc,text/plain", false, "optional: timed lyrics (SRT or LRC)");
  const audioPreview = h("audio", { controls: true, hidden: true, id: "song-preview" });
  const thumbs = h("ul", { class: "thumbs", id: "image-previews", "aria-label": "Chosen pictures" });
  const cost = h("p", { class: "cost", id: "cost", "aria-live": "polite" }, "Choose a song to see the cost.");
  const submit = h("button", { type: "submit", class: "primary big", id: "submit" }, "Make the video");
  const formError = h("p", { class: "field-error", id: "form-error", role: "alert" });
  const prompt = h("textarea", { id: "prompt", rows: 3, maxlength: 3000,
    placeholder: "neon city at night, slow dolly shots, rain on glass" });
  const lyrics = h("textarea", { id: "lyrics", rows: 3, placeholder: "One sung line per line (optional)" });
  const subtitles = h("input", { id: "subtitles", type: "checkbox" });
  const color = h("input", { id: "color", type: "color", value: "#ffffff" });
  const lipsync = h("input", { id: "lipsync", type: "checkbox" });
  const aspect = select("aspect", [["16:9", "16:9 landscape"], ["9:16", "9:16 portrait"],
    ["1:1", "1:1 square"], ["4:3", "4:3"], ["3:4", "3:4"]], "16:9");
  const resolution = select("resolution", [["540p", "540p (fastest)"], ["720p", "720p"], ["1080p", "1080p"]], "720p");
  const language = select("language", [["auto", "Detect"], ["en", "English"], ["zh", "Chinese"]], "auto");

  const form = h("form", { class: "card create", id: "create-form", novalidate: true },
    h("h1", {}, "New music video"),
    h("div", { class: "grid2" },
      h("div", {},
        field("song", "Song", song.zone, null), audioPreview,
        field("images", "Pictures (1–7)", images.zone, null), thumbs),
      h("div", {},
        field("prompt", "What should the video look like?", prompt),
        h("div", { class: "grid3" },
          field("aspect", "Aspect ratio", aspect),
          field("resolution", "Resolution", resolution),
          field("language", "Language", language)),
        h("fieldset", {},
          h("legend", {}, "Lyrics and subtitles"),
          h("div", { class: "row" },
            h("div", { class: "check", id: "field-subtitles" }, subtitles, h("label", { for: "subtitles" }, "Burn subtitles in")),
            h("div", { class: "check", id: "field-color" }, color, h("label", { for: "color" }, "Subtitle colour")),
            h("div", { class: "check", id: "field-lipsync" }, lipsync, h("label", { for: "lipsync" }, "Lip-sync faces"))),
          h("p", { class: "field-error", id: "color-error", role: "alert" }),
          field("srt", "Subtitle file", srt.zone, null),
          field("lyrics", "Lyrics", lyrics, "Known words are kept; their times are found in the vocals.")))),
    h("div", { class: "submit-row" }, cost, submit), formError);
  main.replaceChildren(form);

  let duration = null;
  let account = null;
  api(`${STUDIO}/account`).then((a) => { account = a; showCost(); }).catch(() => {});

  function showCost() {
    if (duration === null) return;
    const base = Math.max(1, Math.ceil(Math.round(duration * 1000) / 1000));
    const perSecond = account ? account.credits_per_second : 1;
    const lip = account ? account.lip_sync_credits_per_second : 4;
    const total = base * perSecond + (lipsync.checked ? base * lip : 0);
    cost.replaceChildren("Cost: ", h("strong", { id: "cost-credits" }, `${total} credits`),
      ` for ${seconds(duration)} of song${lipsync.checked ? " with lip-sync" : ""}`,
      account ? ` · you have ${account.credits}` : "");
  }

  song.input.addEventListener("change", () => {
    clearError("song");
    const file = song.input.files[0];
    if (!file) return;
    audioPreview.src = URL.createObjectURL(file);
    audioPreview.hidden = false;
    audioPreview.onloadedmetadata = () => { duration = audioPreview.duration; showCost(); };
  });
  lipsync.addEventListener("change", showCost);
  images.input.addEventListener("change", () => {
    clearError("images");
    thumbs.replaceChildren(...[...images.input.files].map((file, i) =>
      h("li", {}, h("img", { src: URL.createObjectURL(file), alt: `Picture ${i + 1}: ${file.name}` }),
        h("span", { class: "small muted" }, file.name))));
  });

  function clearError(id) {
    const el = document.getElementById(`${id}-error`);
    if (el) el.textContent = "";
    document.getElementById(id)?.removeAttribute("aria-invalid");
  }

  function showError(err) {
    const id = FIELDS[err.field];
    const target = id && document.getElementById(`${id}-error`);
    (target || formError).textContent = err.message;
    if (id) {
      const control = document.getElementById(id);
      control?.setAttribute("aria-invalid", "true");
      control?.focus();
    }
  }

  async function body() {
    const out = {
      audio_url: song.input.files[0] ? await readDataUrl(song.input.files[0]) : "",
      images: await Promise.all([...images.input.files].map(readDataUrl)),
      prompt: prompt.value,
      aspect_ratio: aspect.value,
      resolution: resolution.value,
      language: language.value,
      add_subtitle: subtitles.checked,
      subtitle_color: color.value.toUpperCase(),
      lip_sync: lipsync.checked,
    };
    if (srt.input.files[0]) out.srt_url = await readDataUrl(srt.input.files[0]);
    if (lyrics.value.trim()) out.lyrics = lyrics.value;
    return out;
  }

  let busy = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return; // a double click submits once
    busy = true;
    submit.disabled = true;
    submit.textContent = "Sending…";
    for (const id of Object.values(FIELDS)) clearError(id);
    formError.textContent = "";
    try {
      const { id } = await api(MV, { method: "POST", body: await body() });
      location.hash = `#/task/${id}`;
    } catch (err) {
      if (err instanceof ApiError) showError(err);
      else formError.textContent = String(err);
      busy = false;
      submit.disabled = false;
      submit.textContent = "Make the video";
    }
  });
  return () => {};
}
