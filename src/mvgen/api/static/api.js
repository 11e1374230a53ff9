// The API client: the key lives in sessionStorage (gone when the tab closes).
const KEY = "mvgen.key";

export const auth = {
  get: () => sessionStorage.getItem(KEY),
  set: (key) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
  // "images[0]: ..." -> "images"; the field an error message names, if any.
  get field() {
    const m = /^([a-z_]+)(\[\d+\])?\s*:/.exec(this.message || "");
    return m ? m[1] : "";
  }
}

export async function api(path, { method = "GET", body, key } = {}) {
  const headers = { Authorization: `Token ${key || auth.get() || ""}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiError(0, "NetworkError", `the server did not answer (${err.message})`);
  }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, data.err_code || "Error", data.err_msg || res.statusText);
  return data;
}

export const MV = "/ent/v2/one-click/mv";
export const STUDIO = "/ent/v2/mv";
