// The article view: GET /articles/{id} for the text and its entities, GET /articles/{id}/related beside it.
import { api } from "./api.js";
import { formatDate, h } from "./dom.js";
import { link } from "./router.js";
import { ENTITY_GROUPS, FACET_LABELS, searchState } from "./state.js";
import { articleList, entityLink, errorNotice, filterChip } from "./widgets.js";

export async function renderArticle(app, state, signal) {
  const article = await api.article(state.article, signal);
  const related = h("section", { class: "related", "aria-label": "مقالات ذات صلة" },
    h("h2", { class: "panel-title" }, "مقالات ذات صلة"), h("p", { class: "muted" }, "جارٍ التحميل…"));
  const title = h("h1", { class: "article-title", tabindex: "-1" }, article.title);
  app.replaceChildren(h("article", { class: "article-view", "data-id": article.id },
    h("p", {}, link(searchState(state), { class: "back" }, "→ العودة إلى النتائج")),
    title,
    h("p", { class: "meta" },
      article.source ? h("span", { class: "source" }, article.source) : null,
      article.published_at ? h("time", { datetime: article.published_at }, formatDate(article.published_at)) : null,
      article.author ? h("span", { class: "author" }, article.author) : null,
      article.url ? h("a", { href: article.url, rel: "noopener noreferrer", class: "original" }, "المصدر الأصلي") : null),
    (article.topics || []).length
      ? h("div", { class: "chips" }, article.topics.map((topic) => filterChip("topic", topic.id, topic.ar, searchState(state))))
      : null,
    h("div", { class: "article-columns" },
      h("div", { class: "article-body" }, String(article.body || "").split(/\n+/).filter(Boolean)
        .map((paragraph) => h("p", {}, paragraph))),
      h("aside", { class: "article-side" }, entitiesPanel(state, article.entities || {}), related))));
  title.focus();
  loadRelated(related, state.article, state, signal);
  return "article";
}

function entitiesPanel(state, entities) {
  const groups = Object.entries(ENTITY_GROUPS).filter(([group]) => (entities[group] || []).length)
    .map(([group, type]) => h("section", { class: "entity-group" },
      h("h3", {}, FACET_LABELS[type]),
      h("ul", {}, entities[group].map((entity) => h("li", {},
        filterChip(type, entity.key, entity.name, searchState(state, { filters: emptyFilters(state) })),
        " ", entityLink(type, entity.key, "الملف", { "aria-label": `ملف ${entity.name}` }))))));
  return h("section", { class: "entities", "aria-label": "الكيانات" },
    h("h2", { class: "panel-title" }, "الكيانات في المقال"),
    groups.length ? groups : h("p", { class: "muted" }, "لم يُعثر على كيانات."));
}

// A chip in an article starts a new search by that entity rather than adding to the old filters.
function emptyFilters(state) {
  return Object.fromEntries(Object.keys(state.filters).map((facet) => [facet, []]));
}

async function loadRelated(section, id, state, signal) {
  let content;
  try {
    const result = await api.related(id, signal);
    content = result.articles.length
      ? articleList(state, result.articles)
      : h("p", { class: "muted" }, "لا مقالات ذات صلة.");
  } catch (error) {
    if (error.name === "AbortError") return;
    content = error.status === 404
      ? h("p", { class: "muted", "data-missing": "related" }, "هذا الخادم لا يقدّم المقالات ذات الصلة بعد.")
      : errorNotice(error, { what: "جلب المقالات ذات الصلة" });
  }
  section.replaceChildren(section.firstChild, content);
}
