// The search view: facets, selected chips, the date histogram, hits, sort and pagination — from GET /search.
import { api } from "./api.js";
import { formatDate, formatNumber, h, highlighted } from "./dom.js";
import { current, go, link } from "./router.js";
import {
  ENTITY_GROUPS, ENTITY_TYPES, FACETS, FACET_LABELS, FACET_SINGULAR, FACET_SIZE, PAGE_SIZE, SORTS, hasFilters,
  searchParams, searchState, withFilter,
} from "./state.js";
import { bars, bucketRange, entityLink, errorNotice, filterChip, notice } from "./widgets.js";

const MAX_WINDOW = 10000; // the API's page × size limit
const ENTITIES_PER_HIT = 3;

export async function renderSearch(app, state, signal) {
  const result = await api.search(searchParams(state), signal);
  const histogram = await loadHistogram(state, result, signal).catch((error) => {
    if (error.name === "AbortError") throw error;
    return null; // the bars are a help, not the answer: the hits still show
  });
  const names = facetNames(result);
  app.replaceChildren(
    h("aside", { class: "filters", "aria-label": "تضييق النتائج" }, facetPanel(state, result)),
    h("section", { class: "results", id: "results", tabindex: "-1", "aria-label": "النتائج" },
      summary(state, result),
      selectedChips(state, names),
      histogram ? histogramPanel(state, histogram) : null,
      result.hits.length ? hitList(state, result) : emptyNotice(state),
      pagination(state, result)));
  return result.total ? "results" : "empty";
}

export function searchError(app, error) {
  app.replaceChildren(h("section", { class: "results results-wide", id: "results" }, errorNotice(error)));
}

function facetNames(result) {
  const names = {};
  for (const facet of FACETS) {
    names[facet] = new Map((result.facets[facet] || []).map((value) => [value.key, value.name]));
  }
  return names;
}

function summary(state, result) {
  const count = formatNumber(result.total);
  const text = `النتائج: ${result.total_relation === "gte" ? "أكثر من " : ""}${count}`;
  const sort = h("select", {
    id: "sort", onchange: (event) => go(searchState(state, { sort: event.target.value, page: 1 })),
  }, Object.entries(SORTS).map(([value, label]) =>
    h("option", { value, selected: value === state.sort }, label)));
  return h("div", { class: "summary" },
    h("p", { class: "total", id: "total", "data-total": result.total }, text,
      state.q ? h("span", { class: "muted" }, " لـ «", state.q, "»") : null),
    h("label", { class: "sort" }, "الترتيب: ", sort));
}

// Values beyond the top ones: GET /facets/{name}?prefix= as one types (counts over the whole corpus).
function facetFinder(state, facet) {
  const list = h("ul", { class: "facet-found", "aria-live": "polite" });
  let timer = null;
  let asked = null;
  const find = async (prefix) => {
    if (asked) asked.abort();
    if (!prefix) { list.replaceChildren(); return; }
    asked = new AbortController();
    try {
      const { values } = await api.facetValues(facet, prefix, asked.signal);
      list.replaceChildren(...(values.length ? values.map((value) => h("li", {},
        link(withFilter(state, facet, value.key, true), { class: "facet-found-value", "data-key": value.key },
          h("span", { class: "facet-name" }, value.name), h("span", { class: "count" }, formatNumber(value.count)))))
        : [h("li", { class: "muted" }, "لا قيم تبدأ بهذا.")]));
    } catch (error) {
      if (error.name !== "AbortError") list.replaceChildren(h("li", { class: "muted" }, "تعذّر البحث في القيم."));
    }
  };
  const input = h("input", {
    type: "search", class: "facet-search", placeholder: `ابحث في ${FACET_LABELS[facet]}…`,
    "aria-label": `ابحث في قيم ${FACET_LABELS[facet]}`, autocomplete: "off", maxlength: "100",
    oninput: (event) => { clearTimeout(timer); timer = setTimeout(() => find(event.target.value.trim()), 200); },
  });
  return [input, list];
}

function facetPanel(state, result) {
  const groups = FACETS.filter((facet) => (result.facets[facet] || []).length).map((facet) =>
    h("fieldset", { class: "facet", "data-facet": facet },
      h("legend", {}, FACET_LABELS[facet]),
      // Only a full list can hide values worth looking for.
      result.facets[facet].length >= FACET_SIZE ? facetFinder(state, facet) : null,
      h("ul", {}, result.facets[facet].map((value) => h("li", {},
        h("label", { class: `facet-value${value.selected ? " is-selected" : ""}` },
          h("input", {
            type: "checkbox", checked: value.selected, "data-key": value.key,
            onchange: (event) => go(withFilter(state, facet, value.key, event.target.checked)),
          }),
          h("span", { class: "facet-name" }, value.name),
          h("span", { class: "count" }, formatNumber(value.count))))))));
  const details = h("details", { class: "filters-box", open: !window.matchMedia("(max-width: 760px)").matches },
    h("summary", {}, "تضييق النتائج"),
    groups.length ? groups : h("p", { class: "muted" }, "لا قيم للتصفية."));
  return details;
}

function selectedChips(state, names) {
  const chips = [];
  for (const facet of FACETS) {
    for (const key of state.filters[facet]) {
      const name = names[facet].get(key) || key;
      chips.push(h("li", { class: "selected-chip", "data-facet": facet, "data-key": key },
        h("span", { class: "chip-label" }, `${FACET_SINGULAR[facet]}: `, h("bdi", {}, name)),
        ENTITY_TYPES.includes(facet) ? entityLink(facet, key, "الملف", { class: "chip-profile" }) : null,
        link(withFilter(state, facet, key, false), { class: "chip-remove", "aria-label": `إزالة ${name}` }, "×")));
    }
  }
  if (state.date_from || state.date_to) {
    const range = `${state.date_from ? formatDate(state.date_from) : "…"} – ${state.date_to ? formatDate(state.date_to) : "…"}`;
    chips.push(h("li", { class: "selected-chip", "data-facet": "date" },
      h("span", { class: "chip-label" }, "التاريخ: ", h("bdi", {}, range)),
      link(searchState(state, { date_from: "", date_to: "", page: 1 }),
        { class: "chip-remove", "aria-label": "إزالة نطاق التاريخ" }, "×")));
  }
  if (!chips.length) return null;
  const clear = link(searchState(state, {
    filters: Object.fromEntries(FACETS.map((facet) => [facet, []])), date_from: "", date_to: "", page: 1,
  }), { class: "clear-all" }, "مسح الكل");
  return h("div", { class: "selected" }, h("ul", { class: "selected-list", "aria-label": "المرشحات المختارة" }, chips), clear);
}

// The finest interval that keeps the bars countable (at most ~60), from the month buckets' span.
function chooseInterval(monthBuckets) {
  if (monthBuckets.length < 1) return "month";
  const first = new Date(`${monthBuckets[0].date}T00:00:00Z`);
  const last = new Date(`${monthBuckets[monthBuckets.length - 1].date}T00:00:00Z`);
  const months = (last.getUTCFullYear() - first.getUTCFullYear()) * 12 + last.getUTCMonth() - first.getUTCMonth() + 1;
  if (months <= 2) return "day";
  if (months <= 12) return "week";
  return "month";
}

// The bars span every date of the search without its own date range, so a range can be widened or moved.
async function loadHistogram(state, result, signal) {
  const dated = Boolean(state.date_from || state.date_to);
  const only = { ...searchParams(state), date_from: "", date_to: "", page: 1, size: 0, facet_size: 0 };
  const months = dated ? (await api.search({ ...only, interval: "month" }, signal)).histogram : result.histogram;
  const interval = chooseInterval(months);
  const buckets = interval === "month" ? months : (await api.search({ ...only, interval }, signal)).histogram;
  return { interval, buckets };
}

function histogramPanel(state, { interval, buckets }) {
  if (!buckets.length) return null;
  const within = (bucket) => {
    const range = bucketRange(bucket.date, interval);
    return Boolean(state.date_from || state.date_to) &&
      (!state.date_from || range.to >= state.date_from) && (!state.date_to || range.from <= state.date_to);
  };
  const pick = (bucket, extend) => {
    const range = bucketRange(bucket.date, interval);
    let from = range.from;
    let to = range.to;
    if (extend && (state.date_from || state.date_to)) {
      from = state.date_from && state.date_from < from ? state.date_from : from;
      to = state.date_to && state.date_to > to ? state.date_to : to;
    } else if (state.date_from === from && state.date_to === to) {
      from = ""; to = ""; // a second click on the one selected bar clears it
    }
    go(searchState(state, { date_from: from, date_to: to, page: 1 }));
  };
  const dateForm = h("form", {
    class: "date-range",
    onsubmit: (event) => {
      event.preventDefault();
      const form = new FormData(event.target);
      go(searchState(state, { date_from: form.get("date_from") || "", date_to: form.get("date_to") || "", page: 1 }));
    },
  },
  h("label", {}, "من ", h("input", { type: "date", name: "date_from", value: state.date_from })),
  h("label", {}, "إلى ", h("input", { type: "date", name: "date_to", value: state.date_to })),
  h("button", { type: "submit", class: "button button-small" }, "تطبيق"));
  const unit = { month: "شهر", week: "أسبوع", day: "يوم" }[interval];
  return h("section", { class: "histogram", "aria-label": "التوزيع الزمني" },
    h("h2", { class: "panel-title" }, "التوزيع الزمني",
      h("span", { class: "muted hint" }, `عمود لكل ${unit}. انقر عمودًا لاختيار فترته، ومع Shift لتوسيع الفترة.`)),
    bars(buckets, interval, { selected: within, onPick: pick }),
    dateForm);
}

function hitList(state, result) {
  const start = (result.page - 1) * result.size;
  return h("ol", { class: "hits", start: start + 1 }, result.hits.map((hit) => h("li", { class: "hit", "data-id": hit.id },
    h("h3", { class: "hit-title" }, link(searchState(state, { article: hit.id }), {},
      hit.highlight && hit.highlight.title ? highlighted(hit.highlight.title) : hit.title)),
    h("p", { class: "meta" },
      hit.source ? filterChip("source", hit.source, hit.source, state) : null,
      hit.published_at ? h("time", { datetime: hit.published_at }, formatDate(hit.published_at)) : null),
    (hit.highlight && hit.highlight.snippets || []).map((snippet) => h("p", { class: "snippet" }, highlighted(snippet))),
    hitChips(state, hit))));
}

function hitChips(state, hit) {
  const chips = [];
  for (const [group, facet] of Object.entries(ENTITY_GROUPS)) {
    for (const entity of ((hit.entities || {})[group] || []).slice(0, ENTITIES_PER_HIT)) {
      chips.push(filterChip(facet, entity.key, entity.name, state));
    }
  }
  for (const topic of hit.topics || []) chips.push(filterChip("topic", topic.id, topic.ar, state));
  return chips.length ? h("div", { class: "chips", "aria-label": "الكيانات والمواضيع" }, chips) : null;
}

function emptyNotice(state) {
  const hints = [];
  if (hasFilters(state)) hints.push(h("li", {}, "أزل بعض المرشحات المختارة أعلاه."));
  if (state.q) hints.push(h("li", {}, "جرّب كلمات أقل أو أعمّ، أو «OR» بين البدائل."));
  return notice("empty", "لا توجد نتائج", hints.length ? h("ul", {}, hints) : h("p", {}, "لم تُفهرس أي مقالات بعد."));
}

function pagination(state, result) {
  const last = Math.max(1, Math.ceil(Math.min(result.total, MAX_WINDOW) / PAGE_SIZE));
  if (last <= 1 && state.page <= 1) return null;
  const page = state.page;
  const pageLink = (number, text, attributes = {}) => link(searchState(state, { page: number }), attributes, text);
  const numbers = [];
  for (let number = Math.max(1, page - 2); number <= Math.min(last, page + 2); number += 1) {
    numbers.push(h("li", {}, number === page
      ? h("span", { class: "page-current", "aria-current": "page" }, formatNumber(number))
      : pageLink(number, formatNumber(number), { "aria-label": `الصفحة ${number}` })));
  }
  return h("nav", { class: "pagination", "aria-label": "الصفحات" },
    page > 1 ? pageLink(page - 1, "→ السابق", { rel: "prev", class: "page-step" }) : null,
    h("ol", {}, numbers),
    page < last ? pageLink(page + 1, "التالي ←", { rel: "next", class: "page-step" }) : null);
}
