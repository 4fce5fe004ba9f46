// Talking to the newsflow API: JSON in and out; every failure becomes an ApiError carrying the API's
// {error, detail}, so that the page can show the API's own words.

export class ApiError extends Error {
  constructor(status, error, detail) {
    super(`${error}: ${detail}`);
    this.status = status;
    this.error = error;
    this.detail = detail;
  }
}

/** GET a JSON document of the API. */
export function getJson(path, signal) {
  return requestJson(path, { signal });
}

/** Send ``body`` (null: none) as JSON with ``method``; the answer's JSON, or null when it has none (204). */
export function sendJson(method, path, body, { headers = {}, signal } = {}) {
  const init = { method, signal, headers: { ...headers } };
  if (body != null) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  return requestJson(path, init);
}

async function requestJson(path, init) {
  let response;
  try {
    response = await fetch(path, { ...init, headers: { Accept: "application/json", ...init.headers } });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, "API unreachable", "the newsflow API did not answer; is it running?");
  }
  let body = null;
  try {
    body = response.status === 204 ? null : await response.json();
  } catch {
    // Not JSON (e.g. a proxy's error page): the status line is all there is to show.
  }
  if (!response.ok) {
    throw new ApiError(response.status, body?.error ?? `HTTP ${response.status}`, body?.detail ?? response.statusText);
  }
  return body;
}
