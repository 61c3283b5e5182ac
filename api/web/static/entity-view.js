// The entity view: profile, monthly timeline and co-occurring entities from GET /entities/{type}/{key},
// with its latest articles from GET /search.
import { api } from "./api.js";
import { formatDate, formatNumber, h } from "./dom.js";
import { link } from "./router.js";
import { ENTITY_TYPES, FACETS, FACET_LABELS, FACET_SINGULAR, searchState } from "./state.js";
import { articleList, bars, entityLink, filterChip, notice } from "./widgets.js";

// A new search for the articles naming this entity (any alias's key finds them).
function articlesOf(state, type, key) {
  return searchState(state, {
    q: "", date_from: "", date_to: "", page: 1, sort: "newest",
    filters: Object.fromEntries(FACETS.map((facet) => [facet, facet === type ? [key] : []])),
  });
}

export async function renderEntity(app, state, signal) {
  const type = state.entity_type;
  let onlyThis = articlesOf(state, type, state.entity);
  const back = h("p", {}, link(searchState(state), { class: "back" }, "→ العودة إلى النتائج"));
  if (!ENTITY_TYPES.includes(type)) {
    app.replaceChildren(h("section", { class: "entity-view" }, back,
      notice("info", "نوع كيان غير معروف", h("p", {}, "الأنواع: شخص، مؤسسة، مكان."))));
    return "entity-missing";
  }
  let entity;
  try {
    entity = await api.entity(type, state.entity, signal);
  } catch (error) {
    if (error.status !== 404) throw error;
    app.replaceChildren(h("section", { class: "entity-view", "data-state": "missing" }, back,
      notice("info", "لا ملف لهذا الكيان",
        h("p", {}, "لم يجد الخادم ", h("bdi", {}, state.entity),
          " في سجل الكيانات، أو أنه لا يقدّم صفحات الكيانات بعد (", h("code", { dir: "ltr" }, "GET /entities"), ")."),
        h("p", {}, link(onlyThis, { class: "button" }, "ابحث عن المقالات التي تذكره")))));
    return "entity-missing";
  }
  onlyThis = articlesOf(state, type, entity.key);
  const latest = h("section", { class: "latest" }, h("h2", { class: "panel-title" }, "أحدث المقالات"));
  const title = h("h1", { class: "entity-name", tabindex: "-1" }, entity.name);
  app.replaceChildren(h("section", { class: "entity-view", "data-key": entity.key },
    back,
    h("p", { class: "entity-type" }, FACET_SINGULAR[type]),
    title,
    h("p", { class: "meta" },
      h("span", {}, `عدد المقالات: ${formatNumber(entity.article_count)}`),
      entity.first_seen ? h("span", {}, `من ${formatDate(entity.first_seen)} إلى ${formatDate(entity.last_seen)}`) : null),
    h("p", {}, link(onlyThis, { class: "button button-small all-articles" }, "كل مقالاته")),
    (entity.aliases || []).length > 1 ? h("p", { class: "aliases" }, "يُكتب أيضًا: ",
      entity.aliases.filter((alias) => alias.name !== entity.name).map((alias, index) =>
        [index ? "، " : "", h("bdi", {}, alias.name), h("span", { class: "muted" }, ` (${formatNumber(alias.count)})`)])) : null,
    (entity.timeline || []).length ? h("section", { class: "histogram" },
      h("h2", { class: "panel-title" }, "الحضور عبر الزمن ", h("span", { class: "muted" }, "(عمود لكل شهر)")),
      bars(entity.timeline, "month", { label: "مقالات كل شهر" })) : null,
    h("div", { class: "related-entities" },
      ENTITY_TYPES.filter((other) => ((entity.related || {})[other] || []).length).map((other) =>
        h("section", { class: "entity-group" }, h("h2", { class: "panel-title" }, `${FACET_LABELS[other]} يَرِدون معه`),
          h("ul", {}, entity.related[other].map((item) => h("li", {},
            entityLink(other, item.key, item.name), " ", h("span", { class: "count" }, formatNumber(item.count))))))),
      (entity.topics || []).length ? h("section", { class: "entity-group" }, h("h2", { class: "panel-title" }, "مواضيعه"),
        h("div", { class: "chips" }, entity.topics.map((topic) => filterChip("topic", topic.key, topic.name, onlyThis))))
        : null),
    latest));
  title.focus();
  loadLatest(latest, type, entity.key, state, signal);
  return "entity";
}

async function loadLatest(section, type, key, state, signal) {
  try {
    const result = await api.search({ [type]: key, sort: "newest", size: 5, facet_size: 0 }, signal);
    section.append(articleList(state, result.hits));
  } catch (error) {
    if (error.name !== "AbortError") section.append(h("p", { class: "muted" }, "تعذّر جلب المقالات."));
  }
}
