// Navigation without reloads: every state change is a history entry, every link a real, shareable URL.
import { h } from "./dom.js";
import { href, readState } from "./state.js";

let renderPage = () => {};

export function onNavigate(render) {
  renderPage = render;
  window.addEventListener("popstate", () => renderPage());
}

export function current() {
  return readState();
}

export function go(state, { replace = false } = {}) {
  const url = href(state);
  if (replace) window.history.replaceState(null, "", url);
  else window.history.pushState(null, "", url);
  renderPage();
}

export function link(state, attributes, ...children) {
  return h("a", {
    ...attributes,
    href: href(state),
    onclick: (event) => {
      // Let the browser open new tabs and windows itself.
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      event.preventDefault();
      go(state);
    },
  }, ...children);
}

export function refresh() {
  renderPage();
}
