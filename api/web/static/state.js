// The page's whole state lives in the URL (shareable, and the back button works): these names are the API's own.

export const FACETS = ["person", "organization", "location", "topic", "source"];
export const FACET_LABELS = {
  person: "أشخاص", organization: "مؤسسات", location: "أماكن", topic: "مواضيع", source: "مصادر",
};
export const FACET_SINGULAR = { person: "شخص", organization: "مؤسسة", location: "مكان", topic: "موضوع", source: "مصدر" };
export const ENTITY_TYPES = ["person", "organization", "location"];
// Hits carry entities under plural names; facets and filters use the singular.
export const ENTITY_GROUPS = { persons: "person", organizations: "organization", locations: "location" };
export const SORTS = { relevance: "الأكثر صلة", newest: "الأحدث", oldest: "الأقدم" };
export const PAGE_SIZE = 10;
export const FACET_SIZE = 10;

export function readState(search = window.location.search) {
  const params = new URLSearchParams(search);
  const filters = {};
  for (const facet of FACETS) filters[facet] = params.getAll(facet);
  const page = Number.parseInt(params.get("page") || "1", 10);
  return {
    q: params.get("q") || "",
    filters,
    date_from: params.get("date_from") || "",
    date_to: params.get("date_to") || "",
    sort: params.get("sort") || "relevance",
    page: Number.isFinite(page) ? page : 1,
    article: params.get("article") || "",
    entity_type: params.get("entity_type") || "",
    entity: params.get("entity") || "",
  };
}

export function href(state) {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  for (const facet of FACETS) for (const key of state.filters[facet] || []) params.append(facet, key);
  if (state.date_from) params.set("date_from", state.date_from);
  if (state.date_to) params.set("date_to", state.date_to);
  if (state.sort && state.sort !== "relevance") params.set("sort", state.sort);
  if (state.page && state.page !== 1) params.set("page", String(state.page));
  if (state.article) params.set("article", state.article);
  if (state.entity_type && state.entity) {
    params.set("entity_type", state.entity_type);
    params.set("entity", state.entity);
  }
  const query = params.toString();
  return query ? `/?${query}` : "/";
}

// The search this state stands for, leaving any article or entity view.
export function searchState(state, changes = {}) {
  return { ...state, article: "", entity_type: "", entity: "", ...changes };
}

export function withFilter(state, facet, key, on = true) {
  const values = (state.filters[facet] || []).filter((value) => value !== key);
  if (on) values.push(key);
  return searchState(state, { filters: { ...state.filters, [facet]: values }, page: 1 });
}

export function hasFilters(state) {
  return FACETS.some((facet) => state.filters[facet].length) || Boolean(state.date_from || state.date_to);
}

export function searchParams(state) {
  return {
    q: state.q, ...state.filters, date_from: state.date_from, date_to: state.date_to,
    sort: state.sort, page: state.page, size: PAGE_SIZE, facet_size: FACET_SIZE,
  };
}
