// The public API, and nothing else: every request this page makes goes through getJson.

export class ApiError extends Error {
  // status 0 means the API itself could not be reached.
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.error = (body && body.error) || (status === 0 ? "unreachable" : "error");
    this.details = (body && body.details) || {};
  }
}

export function apiUrl(path, params = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(params)) {
    for (const one of Array.isArray(value) ? value : [value]) {
      if (one !== undefined && one !== null && one !== "") url.searchParams.append(name, one);
    }
  }
  return url;
}

export async function getJson(path, params = {}, signal = undefined) {
  let response;
  try {
    response = await fetch(apiUrl(path, params), { headers: { Accept: "application/json" }, signal });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, null);
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null; // a proxy's HTML error page: the status still says what happened
  }
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

export const api = {
  search: (params, signal) => getJson("/search", params, signal),
  facetValues: (facet, prefix, signal) =>
    getJson(`/facets/${encodeURIComponent(facet)}`, { prefix, size: 8 }, signal),
  article: (id, signal) => getJson(`/articles/${encodeURIComponent(id)}`, {}, signal),
  related: (id, signal) => getJson(`/articles/${encodeURIComponent(id)}/related`, { size: 5 }, signal),
  entity: (type, key, signal) =>
    getJson(`/entities/${encodeURIComponent(type)}/${encodeURIComponent(key)}`, {}, signal),
};
