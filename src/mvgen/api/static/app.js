// The studio's shell: sign in / out, the hash router (#/tasks, #/new, #/task/<id>).
import { api, auth, ApiError, STUDIO } from "./api.js";
import { h, stateBadge, when } from "./util.js";
import { createView } from "./create.js";
import { taskView } from "./task.js";

const main = document.getElementById("main");
let leave = () => {};

export async function refreshAccount() {
  try {
    const me = await api(`${STUDIO}/account`);
    document.getElementById("account").textContent = `${me.name} · ${me.credits} credits`;
    return me;
  } catch (err) {
    if (err.status === 401) signOut();
    throw err;
  }
}

function signOut() {
  auth.clear();
  location.hash = "#/";
  route();
}

function signInView() {
  const error = h("p", { class: "field-error", id: "key-error", role: "alert" });
  const input = h("input", {
    id: "api-key", type: "password", autocomplete: "current-password", required: true,
    "aria-describedby": "key-help key-error",
  });
  const button = h("button", { type: "submit", class: "primary", id: "sign-in" }, "Sign in");
  const form = h("form", { class: "card narrow", id: "sign-in-form" },
    h("h1", {}, "Sign in"),
    h("label", { for: "api-key" }, "API key"),
    input,
    h("p", { class: "muted", id: "key-help" },
      "Your key stays in this tab only (session storage). Ask the operator for one: ",
      h("code", {}, "mvgen keys create")),
    error, button);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    error.textContent = "";
    try {
      await api(`${STUDIO}/account`, { key: input.value.trim() });
      auth.set(input.value.trim());
      location.hash = "#/tasks";
    } catch (err) {
      error.textContent = err instanceof ApiError ? err.message : String(err);
      input.setAttribute("aria-invalid", "true");
      button.disabled = false;
    }
  });
  main.replaceChildren(form);
  input.focus();
  return () => {};
}

function listView() {
  const list = h("ol", { class: "tasks", id: "task-list", "aria-live": "polite" });
  const section = h("section", { class: "card" },
    h("div", { class: "row spread" },
      h("h1", {}, "My videos"),
      h("a", { href: "#/new", class: "button primary" }, "New MV")),
    list);
  main.replaceChildren(section);
  let timer = 0;
  const load = async () => {
    try {
      const { tasks } = await api(`${STUDIO}/tasks`);
      list.replaceChildren(...(tasks.length ? tasks.map(taskItem)
        : [h("li", { class: "muted" }, "No videos yet. Make your first one with New MV.")]));
      if (tasks.some((t) => t.state === "created" || t.state === "processing")) {
        timer = setTimeout(load, 2000);
      }
    } catch (err) {
      list.replaceChildren(h("li", { class: "field-error" }, err.message));
    }
  };
  load();
  return () => clearTimeout(timer);
}

function taskItem(t) {
  return h("li", {},
    h("a", { href: `#/task/${t.id}`, class: "task-link" },
      h("span", { class: "task-prompt" }, t.prompt || "(no prompt)"),
      h("span", { class: "muted" }, `${when(t.created_at)} · ${t.shot_count} shots`
        + (t.audio_seconds ? ` · ${Math.round(t.audio_seconds)} s` : "")),
      stateBadge(t.state)));
}

function route() {
  leave();
  const signedIn = Boolean(auth.get());
  document.getElementById("nav").hidden = !signedIn;
  if (!signedIn) {
    leave = signInView();
    return;
  }
  refreshAccount().catch(() => {});
  const hash = location.hash || "#/tasks";
  const task = /^#\/task\/(\d+)/.exec(hash);
  if (task) leave = taskView(main, task[1]);
  else if (hash.startsWith("#/new")) leave = createView(main);
  else leave = listView();
  main.focus({ preventScroll: true });
}

document.getElementById("sign-out").addEventListener("click", signOut);
window.addEventListener("hashchange", route);
route();
