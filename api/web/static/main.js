// Entry point: read the URL, render the view it names, and keep the search box in step with it.
import { renderArticle } from "./article-view.js";
import { h } from "./dom.js";
import { renderEntity } from "./entity-view.js";
import { current, go, onNavigate } from "./router.js";
import { searchState } from "./state.js";
import { renderSearch } from "./search-view.js";
import { errorNotice } from "./widgets.js";

const app = document.getElementById("app");
const announce = document.getElementById("announce");
const form = document.getElementById("search-form");
const input = document.getElementById("q");
let inFlight = null;

// Re-rendering replaces the elements; keyboard focus goes back to the one standing for the same thing (the same
// facet checkbox, chip, bar or page link), so that a keyboard user does not start again from the top.
function focusIdentity(element) {
  if (!element || element === app || !app.contains(element)) return null;
  const group = element.closest("[data-facet]");
  return [element.tagName, element.className, element.id, element.getAttribute("data-key"),
    element.getAttribute("data-date"), element.getAttribute("rel"), group ? group.getAttribute("data-facet") : "",
    element.tagName === "INPUT" || element.tagName === "SELECT" ? "" : element.textContent].join("|");
}

function restoreFocus(identity) {
  if (!identity) return;
  const tag = identity.split("|")[0];
  const same = [...app.querySelectorAll(tag)].find((element) => focusIdentity(element) === identity);
  const fallback = document.getElementById("results");
  if (same) same.focus();
  else if (fallback) fallback.focus();
}

// data-state tells tests and assistive tools where the page is: loading, results, empty, error, article, entity.
async function render() {
  if (inFlight) inFlight.abort(); // a newer navigation wins over a slower older answer
  const controller = new AbortController();
  inFlight = controller;
  const state = current();
  const focused = focusIdentity(document.activeElement);
  input.value = state.q;
  app.dataset.state = "loading";
  app.setAttribute("aria-busy", "true");
  const view = state.article ? renderArticle : state.entity ? renderEntity : renderSearch;
  let outcome;
  try {
    outcome = await view(app, state, controller.signal);
  } catch (error) {
    if (error.name === "AbortError") return;
    app.replaceChildren(h("section", { class: "results results-wide", id: "results" }, errorNotice(error)));
    app.dataset.error = String(error.status);
    outcome = "error";
  }
  if (controller !== inFlight) return;
  if (outcome !== "error") delete app.dataset.error;
  app.dataset.state = outcome;
  app.removeAttribute("aria-busy");
  if (!state.article && !state.entity) restoreFocus(focused);
  document.title = [state.q, "أخبار"].filter(Boolean).join(" — ");
  const total = document.getElementById("total");
  announce.textContent = outcome === "error" ? "تعذّر البحث" : total ? total.textContent : "";
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  go(searchState(current(), { q: input.value.trim(), page: 1 }));
});

// "/" focuses the search box from anywhere but a text field, as on most search sites.
document.addEventListener("keydown", (event) => {
  const tag = (event.target.tagName || "").toLowerCase();
  if (event.key === "/" && !["input", "textarea", "select"].includes(tag) && !event.ctrlKey && !event.metaKey) {
    event.preventDefault();
    input.focus();
  }
});

document.querySelector(".brand").addEventListener("click", (event) => {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  event.preventDefault();
  go(searchState(current(), { q: "", filters: {}, date_from: "", date_to: "", sort: "relevance", page: 1 }));
});

onNavigate(render);
render();
