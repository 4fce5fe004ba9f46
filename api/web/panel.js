// The alerts panel: a drawer beside the results, opened and closed by the header's Alerts button, its
// close button or Escape. The modules that fill it hear when it opens and closes.

import { $ } from "./dom.js";

const toggle = $("[data-testid=alerts-button]");
const panel = $("#alerts-panel");
const listeners = { open: [], close: [] };

export function onPanelOpen(listener) {
  listeners.open.push(listener);
}

export function onPanelClose(listener) {
  listeners.close.push(listener);
}

export function isPanelOpen() {
  return !panel.hidden;
}

export function openPanel() {
  if (isPanelOpen()) return;
  panel.hidden = false;
  toggle.setAttribute("aria-expanded", "true");
  for (const listener of listeners.open) listener();
  panel.focus();
}

/** Close the panel; focus goes back to the Alerts button unless the user is going elsewhere (a link). */
export function closePanel({ returnFocus = true } = {}) {
  if (!isPanelOpen()) return;
  panel.hidden = true;
  toggle.setAttribute("aria-expanded", "false");
  for (const listener of listeners.close) listener();
  if (returnFocus) toggle.focus();
}

toggle.addEventListener("click", () => (isPanelOpen() ? closePanel() : openPanel()));
$("[data-testid=alerts-close]", panel).addEventListener("click", () => closePanel());
panel.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  event.stopPropagation(); // the page's own Escape (back from an article) is for when the panel is closed
  closePanel();
});
