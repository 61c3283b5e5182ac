// Pieces the search, article and entity views share.
import { formatDate, formatMonth, formatNumber, h } from "./dom.js";
import { current, link, refresh } from "./router.js";
import { FACET_SINGULAR, searchState, withFilter } from "./state.js";

export function notice(kind, title, ...body) {
  return h("div", { class: `notice notice-${kind}`, role: kind === "error" ? "alert" : "status" },
    h("h2", { class: "notice-title" }, title), ...body);
}

// The API's error shape {"error","message","details"} as a message a reader understands, and what to do next.
export function errorNotice(error, { what = "البحث" } = {}) {
  const retry = h("button", { type: "button", class: "button", onclick: () => refresh() }, "أعد المحاولة");
  if (error.status === 0) {
    return notice("error", "تعذّر الوصول إلى الخادم", h("p", {}, "تحقق من اتصالك ثم أعد المحاولة."), retry);
  }
  if (error.status === 503) {
    return notice("error", "محرك البحث غير متاح الآن",
      h("p", {}, "الخادم يعمل لكن محرك البحث لا يجيب. يعود البحث من تلقاء نفسه حين يعود المحرك."), retry);
  }
  if (error.status === 400) {
    const fields = (error.details && error.details.fields) || {};
    const problems = Object.entries(fields).map(([field, messages]) =>
      h("li", {}, h("code", {}, field), ": ", [].concat(messages).join("، ")));
    return notice("error", `تعذّر تنفيذ ${what}: في الطلب ما لا يقبله الخادم`,
      h("p", { dir: "auto", class: "api-message" }, error.message),
      problems.length ? h("ul", { class: "api-details", dir: "ltr" }, problems) : null,
      h("p", {}, fixLink(Object.keys(fields))));
  }
  if (error.status === 404) {
    return notice("info", "غير موجود", h("p", { dir: "auto", class: "api-message" }, error.message));
  }
  return notice("error", "حدث خطأ غير متوقع", h("p", { dir: "auto", class: "api-message" }, error.message), retry);
}

// The way out of a refused request: drop what the API named (dates, page, query), else start over.
function fixLink(named) {
  const state = current();
  const changes = { page: 1 };
  if (named.some((field) => field.startsWith("date"))) Object.assign(changes, { date_from: "", date_to: "" });
  if (named.includes("q")) changes.q = "";
  const text = changes.date_from === "" ? "ابحث بلا التواريخ" : changes.q === "" ? "امسح نص البحث"
    : named.includes("page") ? "عُد إلى الصفحة الأولى" : "ابدأ بحثًا جديدًا";
  const next = text === "ابدأ بحثًا جديدًا" ? searchState(state, { q: "", filters: {}, date_from: "", date_to: "", page: 1 })
    : searchState(state, changes);
  return link(next, { class: "button" }, text);
}

// An entity or topic as a chip: a click narrows the search to it (again: widens it back).
export function filterChip(facet, key, name, state = current()) {
  const on = (state.filters[facet] || []).includes(key);
  return link(withFilter(state, facet, key, !on), {
    class: `chip chip-${facet}`,
    "aria-pressed": on ? "true" : "false",
    title: on ? `إلغاء التصفية بـ${FACET_SINGULAR[facet]}: ${name}` : `صفِّ النتائج بـ${FACET_SINGULAR[facet]}: ${name}`,
    "data-facet": facet,
    "data-key": key,
  }, name);
}

export function entityLink(type, key, name, attributes = {}) {
  return link(searchState(current(), { entity_type: type, entity: key }), { class: "entity-link", ...attributes }, name);
}

// A short list of articles (related, latest): title, then source and date on a line of their own.
export function articleList(state, articles) {
  return h("ol", { class: "related-list" }, articles.map((item) => h("li", {},
    link(searchState(state, { article: item.id }), {}, item.title),
    h("div", { class: "meta" },
      item.source ? h("bdi", {}, item.source) : null,
      item.published_at ? h("time", { datetime: item.published_at }, formatDate(item.published_at)) : null))));
}

// Start and last day of a histogram bucket, as the API's date_from and date_to.
export function bucketRange(date, interval) {
  const start = new Date(`${date}T00:00:00Z`);
  const end = new Date(start);
  if (interval === "month") end.setUTCMonth(end.getUTCMonth() + 1, 0);
  else if (interval === "week") end.setUTCDate(end.getUTCDate() + 6);
  return { from: date, to: end.toISOString().slice(0, 10) };
}

function bucketLabel(date, interval) {
  if (interval === "month") return formatMonth(date);
  const range = bucketRange(date, interval);
  return interval === "week" ? `${formatDate(range.from)} – ${formatDate(range.to)}` : formatDate(date);
}

function nextBucket(date, interval) {
  const next = new Date(`${date}T00:00:00Z`);
  if (interval === "month") next.setUTCMonth(next.getUTCMonth() + 1);
  else next.setUTCDate(next.getUTCDate() + (interval === "week" ? 7 : 1));
  return next.toISOString().slice(0, 10);
}

// The API leaves out empty periods; the bars show them, so that gaps in time look like gaps.
export function fillGaps(buckets, interval, limit = 400) {
  if (buckets.length < 2) return buckets;
  const counts = new Map(buckets.map((bucket) => [bucket.date, bucket.count]));
  const filled = [];
  const last = buckets[buckets.length - 1].date;
  for (let date = buckets[0].date; date <= last && filled.length < limit; date = nextBucket(date, interval)) {
    filled.push({ date, count: counts.get(date) || 0 });
  }
  return filled.length < limit ? filled : buckets;
}

// One tab stop for all the bars (the selected one, else the latest); the arrow keys move between them.
function rovingFocus(items, current) {
  const start = current >= 0 ? current : items.length - 1;
  items.forEach((item, index) => {
    item.tabIndex = index === start ? 0 : -1;
    item.addEventListener("keydown", (event) => {
      const step = { ArrowLeft: -1, ArrowRight: 1, Home: -index, End: items.length - 1 - index }[event.key];
      if (step === undefined) return;
      event.preventDefault();
      const next = items[Math.min(items.length - 1, Math.max(0, index + step))];
      item.tabIndex = -1;
      next.tabIndex = 0;
      next.focus();
    });
  });
}

// Counts over time as small bars. With onPick, each bar is a button (shift-click extends the range).
export function bars(sparse, interval, { selected = () => false, onPick = null, label = "عدد المقالات" } = {}) {
  const buckets = fillGaps(sparse, interval);
  const max = Math.max(1, ...buckets.map((bucket) => bucket.count));
  const items = buckets.map((bucket) => {
    const text = `${bucketLabel(bucket.date, interval)}: ${formatNumber(bucket.count)}`;
    const height = `${Math.max(bucket.count ? 6 : 0, Math.round((bucket.count / max) * 100))}%`;
    const fill = h("span", { class: "bar-fill" });
    fill.style.height = height;
    const attributes = { class: `bar${selected(bucket) ? " bar-selected" : ""}`, title: text, "aria-label": text,
      "data-date": bucket.date };
    if (!onPick) return h("span", { ...attributes, role: "img" }, fill);
    return h("button", { ...attributes, type: "button", "aria-pressed": selected(bucket) ? "true" : "false",
      onclick: (event) => onPick(bucket, event.shiftKey) }, fill);
  });
  if (onPick) rovingFocus(items, items.findIndex((item) => item.getAttribute("aria-pressed") === "true"));
  const first = buckets[0];
  const last = buckets[buckets.length - 1];
  return h("figure", { class: "bars-figure" },
    h("div", { class: "bars", role: onPick ? "group" : "list", "aria-label": label }, items),
    first ? h("figcaption", { class: "bars-axis" },
      h("span", {}, bucketLabel(first.date, interval === "week" ? "day" : interval)),
      last !== first ? h("span", {}, bucketLabel(last.date, interval === "week" ? "day" : interval)) : null) : null);
}
