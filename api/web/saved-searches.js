// Saved searches: the "Save this search" dialog, their list in the alerts panel, changing and deleting one.
//
// A saved search is the page's current words and filters (exactly what it sends to /search), a name, and
// how to deliver its alerts. Changing one reuses the save dialog and sends only what changed (PATCH): the
// webhook's address, which the API never shows whole, stays unless a new one is typed or it is removed. Writing one needs the API's admin key (header X-Admin-Key): the page asks for
// it when it has none and keeps it in sessionStorage, for this tab only; never in localStorage nor in the
// address. A key the API refuses (401) is forgotten at once.

import { ApiError, getJson, sendJson } from "./api.js";
import { $, formatTime, plainClick, span } from "./dom.js";
import { closePanel, isPanelOpen, onPanelOpen, openPanel } from "./panel.js";

const ADMIN_KEY_STORAGE = "newsflow.adminKey";
const MAX_NAME_CHARS = 200;

const ui = {
  saveButton: $("[data-testid=save-search]"),
  saveDialog: $("[data-testid=save-dialog]"),
  saveForm: $("[data-testid=save-form]"),
  saveSummary: $("[data-testid=save-summary]"),
  saveName: $("[data-testid=save-name]"),
  saveWebhook: $("[data-testid=save-webhook]"),
  saveDuplicates: $("[data-testid=save-duplicates]"),
  saveKeyField: $("[data-testid=save-admin-key-field]"),
  saveKey: $("[data-testid=save-admin-key]"),
  saveError: $("[data-testid=save-error]"),
  saveSubmit: $("[data-testid=save-submit]"),
  saveTitle: $("[data-testid=save-title]"),
  saveIntro: $("[data-testid=save-intro]"),
  saveWebhookHint: $("[data-testid=save-webhook-hint]"),
  replaceFiltersField: $("[data-testid=save-replace-filters-field]"),
  replaceFilters: $("[data-testid=save-replace-filters]"),
  removeWebhookField: $("[data-testid=save-remove-webhook-field]"),
  removeWebhook: $("[data-testid=save-remove-webhook]"),
  resumeWebhookField: $("[data-testid=save-resume-webhook-field]"),
  resumeWebhook: $("[data-testid=save-resume-webhook]"),
  deleteDialog: $("[data-testid=delete-dialog]"),
  deleteForm: $("[data-testid=delete-form]"),
  deleteName: $("[data-testid=delete-name]"),
  deleteKeyField: $("[data-testid=delete-admin-key-field]"),
  deleteKey: $("[data-testid=delete-admin-key]"),
  deleteError: $("[data-testid=delete-error]"),
  deleteSubmit: $("[data-testid=delete-submit]"),
  list: $("[data-testid=saved-searches]"),
  empty: $("[data-testid=saved-empty]"),
  listError: $("[data-testid=saved-error]"),
  forgetKey: $("[data-testid=forget-admin-key]"),
  notice: $("[data-testid=notice]"),
  template: $("#saved-search-template"),
};

let page = null; // what the page gives: its filters, names for them, links to its results
let savedSearches = null; // as last listed (null: not yet); the API's first page, sorted by name
let savedTotal = 0;
let filtersToSave = null; // the filters the open save dialog is about
let toEdit = null; // the saved search the open dialog changes (null: it saves a new one)
let toDelete = null; // the saved search the open delete dialog is about
let adminKeyInMemory = null; // when the browser refuses sessionStorage

export function initSavedSearches(pageLinks) {
  page = pageLinks;
  ui.saveButton.addEventListener("click", openSaveDialog);
  ui.saveForm.addEventListener("submit", saveSearch);
  $("[data-testid=save-cancel]").addEventListener("click", () => ui.saveDialog.close());
  ui.replaceFilters.addEventListener("change", showFiltersToSave);
  ui.removeWebhook.addEventListener("change", () => {
    ui.saveWebhook.disabled = ui.removeWebhook.checked;
    ui.resumeWebhook.disabled = ui.removeWebhook.checked;
  });
  ui.deleteForm.addEventListener("submit", deleteSavedSearch);
  $("[data-testid=delete-cancel]").addEventListener("click", () => ui.deleteDialog.close());
  ui.forgetKey.addEventListener("click", () => {
    forgetAdminKey();
    showNotice("The admin key is forgotten: the page asks for it again before any change.");
  });
  $("[data-testid=notice-dismiss]").addEventListener("click", hideNotice);
  onPanelOpen(listSavedSearches);
  // An entity id named late (a saved search made elsewhere) reads better once it has its name.
  document.addEventListener("entitynamed", () => {
    if (savedSearches) renderSavedSearches();
  });
}

// ---------------------------------------------------------------- the admin key

function storedAdminKey() {
  try {
    return sessionStorage.getItem(ADMIN_KEY_STORAGE) ?? adminKeyInMemory;
  } catch {
    return adminKeyInMemory;
  }
}

function storeAdminKey(key) {
  adminKeyInMemory = key;
  try {
    sessionStorage.setItem(ADMIN_KEY_STORAGE, key);
    adminKeyInMemory = null; // one copy is enough
  } catch {
    // Storage refused (a privacy mode): the key lives as long as the page.
  }
  ui.forgetKey.hidden = false;
}

function forgetAdminKey() {
  adminKeyInMemory = null;
  try {
    sessionStorage.removeItem(ADMIN_KEY_STORAGE);
  } catch {
    // nothing stored
  }
  ui.forgetKey.hidden = true;
}

/** Show a dialog's admin key field when the page has no key; the value is never prefilled. */
function prepareAdminKeyField(field, input) {
  input.value = "";
  field.hidden = Boolean(storedAdminKey());
}

/** The key typed into the dialog when its field is shown, else the stored one. */
function adminKeyOf(field, input) {
  return field.hidden ? storedAdminKey() : input.value.trim();
}

// ---------------------------------------------------------------- saving

function openSaveDialog() {
  toEdit = null;
  filtersToSave = page.currentFilters();
  ui.saveTitle.textContent = "Save this search";
  ui.saveIntro.textContent = "Alert me each time a newly indexed article matches:";
  ui.saveSubmit.textContent = "Save search";
  ui.saveWebhookHint.textContent = "An http or https address; it receives a POST with each alert as JSON.";
  const parts = page.describeFilters(filtersToSave);
  showSummary(parts);
  ui.saveName.value = suggestedName(parts);
  ui.saveDuplicates.checked = false;
  ui.replaceFiltersField.hidden = true;
  ui.removeWebhookField.hidden = true;
  ui.resumeWebhookField.hidden = true;
  showSaveDialog();
}

/** The same dialog, about a saved search: its name, filters and delivery, to change. */
function openEditDialog(saved) {
  toEdit = saved;
  filtersToSave = saved.filters;
  ui.saveTitle.textContent = "Change the saved search";
  ui.saveIntro.textContent = "It alerts on each newly indexed article that matches:";
  ui.saveSubmit.textContent = "Save changes";
  ui.saveName.value = saved.name;
  ui.saveDuplicates.checked = saved.notify_duplicates;
  ui.replaceFiltersField.hidden = false;
  ui.replaceFilters.checked = false;
  showFiltersToSave();
  const webhook = saved.webhook;
  ui.saveWebhookHint.textContent = webhook
    ? `Now ${webhook.url}. Leave empty to keep it (its full address is not shown); a new address replaces it.`
    : "An http or https address; it receives a POST with each alert as JSON.";
  ui.removeWebhookField.hidden = !webhook;
  ui.resumeWebhookField.hidden = webhook?.state !== "disabled";
  showSaveDialog();
}

function showSaveDialog() {
  ui.saveWebhook.value = "";
  ui.saveWebhook.disabled = false;
  ui.removeWebhook.checked = false;
  ui.resumeWebhook.checked = false;
  ui.resumeWebhook.disabled = false;
  prepareAdminKeyField(ui.saveKeyField, ui.saveKey);
  hideError(ui.saveError);
  ui.saveDialog.showModal();
  ui.saveName.select();
}

/** While changing a search: its own filters, or the page's when they are to replace them. */
function showFiltersToSave() {
  filtersToSave = ui.replaceFilters.checked ? page.currentFilters() : toEdit.filters;
  showSummary(page.describeFilters(filtersToSave));
}

function showSummary(parts) {
  const summary = parts.map(({ kind, value }) => summaryLine(kind, value));
  ui.saveSummary.replaceChildren(...(summary.length ? summary : [summaryLine("", "Every article: no words or filters")]));
}

function summaryLine(kind, value) {
  const item = document.createElement("li");
  if (kind) item.append(span("kind", kind));
  item.append(span("value", value));
  return item;
}

/** A name from the words and entities ("HIMARS · Volodymyr Zelensky"); else from the other filters. */
function suggestedName(parts) {
  const main = parts.filter((part) => part.kind === "Words" || part.param === "entity");
  const chosen = main.length ? main : parts;
  const name = chosen.map((part) => part.value).join(" · ") || "All articles";
  return name.length > MAX_NAME_CHARS ? `${name.slice(0, MAX_NAME_CHARS - 1)}…` : name;
}

async function saveSearch(event) {
  event.preventDefault();
  hideError(ui.saveError);
  const name = ui.saveName.value.trim();
  const webhook = ui.saveWebhook.value.trim();
  const key = adminKeyOf(ui.saveKeyField, ui.saveKey);
  const problem = saveFormProblem(name, ui.removeWebhook.checked ? "" : webhook, key);
  if (problem) {
    showError(ui.saveError, problem.text, problem.field);
    return;
  }
  ui.saveSubmit.disabled = true;
  try {
    const [method, path, body] = toEdit
      ? ["PATCH", `/saved-searches/${encodeURIComponent(toEdit.saved_search_id)}`, changes(name, webhook)]
      : ["POST", "/saved-searches", newSearch(name, webhook)];
    const saved = await sendJson(method, path, body, { headers: { "X-Admin-Key": key } });
    storeAdminKey(key);
    ui.saveDialog.close();
    if (toEdit) {
      showNotice(`Changed “${saved.name}”.`);
      listSavedSearches();
    } else {
      showNotice(`Saved “${saved.name}”: each new matching article now raises an alert.`, "Show saved searches", () => {
        hideNotice();
        openPanel();
      });
      if (isPanelOpen()) listSavedSearches();
    }
  } catch (err) {
    explainRefusal(err, toEdit ? "Not changed" : "Not saved", ui.saveError, ui.saveKeyField, ui.saveKey, key);
  } finally {
    ui.saveSubmit.disabled = false;
  }
}

/** The POST body of a new saved search: the page's filters, a name, its delivery. */
function newSearch(name, webhook) {
  return { ...filtersToSave, name, notify_duplicates: ui.saveDuplicates.checked, webhook_url: webhook || null };
}

/** The PATCH body: the name, delivery and filters as the dialog has them; the webhook only when it changes. */
function changes(name, webhook) {
  const body = { name, notify_duplicates: ui.saveDuplicates.checked };
  if (ui.replaceFilters.checked) Object.assign(body, blankFilters(), filtersToSave);
  if (ui.removeWebhook.checked) body.webhook_url = null;
  else if (webhook) body.webhook_url = webhook;
  else if (ui.resumeWebhook.checked) body.resume_webhook = true;
  return body;
}

/** Every filter unset: the page's filters replace the saved ones whole, not field by field. */
function blankFilters() {
  return { q: null, entity: [], entity_type: null, outlet: [], language: [], since: null, until: null };
}

/** What keeps the form from being sent, said in plain words; the API checks everything again. */
function saveFormProblem(name, webhook, key) {
  if (!name) return { text: "Give the search a name.", field: ui.saveName };
  if (webhook && !isWebAddress(webhook)) {
    return { text: "The webhook URL must be a full http or https address.", field: ui.saveWebhook };
  }
  if (!key) return { text: "Enter the admin key to save a search.", field: ui.saveKey };
  return null;
}

function isWebAddress(text) {
  try {
    const url = new URL(text);
    return (url.protocol === "http:" || url.protocol === "https:") && Boolean(url.hostname);
  } catch {
    return false;
  }
}

/** Say in plain words why the API refused a change; a refused key is forgotten and asked for again. */
function explainRefusal(err, what, errorElement, keyField, keyInput, key) {
  if (!(err instanceof ApiError)) {
    showError(errorElement, `${what}: ${String(err)}`);
    console.error(err);
    return;
  }
  if (err.status === 401) {
    forgetAdminKey();
    keyField.hidden = false;
    keyInput.value = "";
    showError(errorElement, "The API did not accept this admin key. Enter the key set as NEWSFLOW_ADMIN_KEY "
      + "where the API runs.", keyInput);
  } else if (err.status === 403) {
    showError(errorElement, "This API accepts no changes to saved searches: no admin key is configured on it. "
      + "Whoever runs it can set NEWSFLOW_ADMIN_KEY and restart it.");
  } else {
    // The key got past the API's check (it checks it before anything else): keep it for the next try.
    if (err.status >= 400 && err.status < 500 && key) storeAdminKey(key);
    showError(errorElement, `${what}: ${err.detail}`);
  }
}

// ---------------------------------------------------------------- the list

async function listSavedSearches() {
  ui.list.setAttribute("aria-busy", "true");
  ui.forgetKey.hidden = !storedAdminKey();
  try {
    const answer = await getJson("/saved-searches");
    savedSearches = answer.saved_searches;
    savedTotal = answer.total;
    hideError(ui.listError);
    renderSavedSearches();
  } catch (err) {
    showError(ui.listError, `Saved searches unavailable: ${err instanceof ApiError ? err.detail : String(err)}`);
  } finally {
    ui.list.setAttribute("aria-busy", "false");
  }
}

function renderSavedSearches() {
  const items = savedSearches.map(savedSearchItem);
  if (savedTotal > savedSearches.length) {
    const more = document.createElement("li");
    more.className = "muted";
    more.textContent = `and ${savedTotal - savedSearches.length} more (newsflow alerts list shows them all)`;
    items.push(more);
  }
  ui.list.replaceChildren(...items);
  ui.empty.hidden = savedSearches.length > 0;
}

function savedSearchItem(saved) {
  const item = ui.template.content.firstElementChild.cloneNode(true);
  item.dataset.savedSearchId = saved.saved_search_id;

  const name = $("[data-testid=saved-search-name]", item);
  name.textContent = saved.name;
  name.href = page.searchUrl(saved.filters);
  name.title = "Show the articles this search matches";
  name.addEventListener("click", (event) => {
    if (!plainClick(event)) return;
    event.preventDefault();
    closePanel({ returnFocus: false });
    page.showSearch(saved.filters);
  });

  const edit = $("[data-testid=saved-search-edit]", item);
  edit.setAttribute("aria-label", `Change the saved search “${saved.name}”`);
  edit.addEventListener("click", () => openEditDialog(saved));

  const remove = $("[data-testid=saved-search-delete]", item);
  remove.setAttribute("aria-label", `Delete the saved search “${saved.name}”`);
  remove.addEventListener("click", () => openDeleteDialog(saved));

  const filters = page.describeFilters(saved.filters).map(({ kind, value }) => `${kind}: ${value}`);
  $("[data-testid=saved-search-filters]", item).textContent = filters.length ? filters.join(" · ") : "Every article";
  $("[data-testid=saved-search-delivery]", item).replaceChildren(
    span("", saved.notify_duplicates ? "Alerts on republications too" : "One alert per text"),
    span("", `saved ${formatTime(saved.created_at)}`),
  );
  if (saved.webhook) renderWebhook($("[data-testid=saved-search-webhook]", item), saved.webhook);
  return item;
}

/** The webhook's address (credentials already hidden by the API) and whether it still gets alerts, and why not. */
function renderWebhook(line, webhook) {
  const disabled = webhook.state === "disabled";
  line.hidden = false;
  line.dataset.state = webhook.state;
  const state = span(`badge webhook-state ${disabled ? "disabled" : "active"}`, disabled ? "disabled" : "active");
  state.dataset.testid = "webhook-state";
  const url = span("webhook-url", webhook.url);
  url.title = webhook.url;
  const parts = [span("webhook-label", "Webhook"), url, state];
  if (disabled) {
    const when = webhook.disabled_at ? ` since ${formatTime(webhook.disabled_at)}` : "";
    const reason = span("webhook-reason", `${webhook.disabled_reason ?? "too many failed deliveries"}${when}. `
      + "Edit the search to re-enable it.");
    reason.dataset.testid = "webhook-reason";
    parts.push(reason);
  } else if (webhook.consecutive_failures > 0) {
    parts.push(span("webhook-reason", `${webhook.consecutive_failures} failed in a row`));
  }
  line.replaceChildren(...parts);
}

// ---------------------------------------------------------------- deleting

function openDeleteDialog(saved) {
  toDelete = saved;
  ui.deleteName.textContent = `“${saved.name}”`;
  prepareAdminKeyField(ui.deleteKeyField, ui.deleteKey);
  hideError(ui.deleteError);
  ui.deleteDialog.showModal();
  (ui.deleteKeyField.hidden ? $("[data-testid=delete-cancel]") : ui.deleteKey).focus();
}

async function deleteSavedSearch(event) {
  event.preventDefault();
  hideError(ui.deleteError);
  const key = adminKeyOf(ui.deleteKeyField, ui.deleteKey);
  if (!key) {
    showError(ui.deleteError, "Enter the admin key to delete a saved search.", ui.deleteKey);
    return;
  }
  const path = `/saved-searches/${encodeURIComponent(toDelete.saved_search_id)}`;
  ui.deleteSubmit.disabled = true;
  try {
    await sendJson("DELETE", path, null, { headers: { "X-Admin-Key": key } });
    deleted(key);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) deleted(key); // already gone: the list catches up
    else explainRefusal(err, "Not deleted", ui.deleteError, ui.deleteKeyField, ui.deleteKey, key);
  } finally {
    ui.deleteSubmit.disabled = false;
  }
}

function deleted(key) {
  storeAdminKey(key);
  ui.deleteDialog.close();
  showNotice(`Deleted “${toDelete.name}”.`);
  listSavedSearches();
  $("[data-testid=alerts-panel]").focus();
}

// ---------------------------------------------------------------- messages

function showError(element, text, focus = null) {
  element.textContent = text;
  element.hidden = false;
  focus?.focus();
}

function hideError(element) {
  element.hidden = true;
  element.textContent = "";
}

/** A short message above the results (role=status), with an optional action button. */
function showNotice(text, actionLabel = "", action = null) {
  $(".notice-text", ui.notice).textContent = text;
  const button = $("[data-testid=notice-action]", ui.notice);
  button.hidden = !action;
  button.textContent = actionLabel;
  button.onclick = action;
  ui.notice.hidden = false;
}

function hideNotice() {
  ui.notice.hidden = true;
}
