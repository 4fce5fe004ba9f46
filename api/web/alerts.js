// Live alerts: an EventSource on /alerts/stream, a badge in the header counting the unseen ones, and their
// list in the alerts panel, newest first (the latest RECENT from GET /alerts, then each one as it arrives).
//
// The browser reconnects an EventSource by itself and sends Last-Event-ID, so the stream resumes where it
// stopped. When the API refuses the stream outright (an HTTP error, after which browsers give up), the page
// opens a new one after a growing delay, passing the last id it got as ?last_event_id=, and catches up with
// GET /alerts. An alert is known by its alert_id, so one that arrives twice (from the list and the stream,
// or replayed) is shown once.
//
// Unseen: alerted after the panel was last open. That moment (an alerted_at, the API's clock) is kept in
// localStorage, so a reload keeps the count; on a first visit, the alerts already there count as seen.
// Titles are user data: everything goes in through textContent.

import { ApiError, getJson } from "./api.js";
import { $, formatTime, plainClick, plural } from "./dom.js";
import { closePanel, isPanelOpen, onPanelClose, onPanelOpen } from "./panel.js";

const RECENT = 20; // alerts listed when the page opens
const KEPT = 200; // alerts the list keeps; older ones drop off its end
const SEEN_STORAGE = "newsflow.alertsSeenAt";
const REOPEN_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

const ui = {
  button: $("[data-testid=alerts-button]"),
  badge: $("[data-testid=alerts-badge]"),
  announcement: $("[data-testid=alerts-announcement]"),
  list: $("[data-testid=alerts-list]"),
  empty: $("[data-testid=alerts-empty]"),
  error: $("[data-testid=alerts-error]"),
  streamState: $("[data-testid=alerts-stream-state]"),
  template: $("#alert-template"),
};

let page = null; // what the page gives: links to its article view
const known = new Set(); // alert ids listed
const unseen = new Set(); // alert ids alerted after seenAt, counted in the badge
let seenAt = readSeenAt(); // ms since the epoch, or null on a first visit
let stream = null;
let lastEventId = ""; // the id of the last alert the stream sent
let reopenAttempts = 0;
let reopenTimer = 0;

export function initAlerts(pageLinks) {
  page = pageLinks;
  onPanelOpen(markAllSeen);
  onPanelClose(() => {
    for (const item of ui.list.querySelectorAll(".unseen")) item.classList.remove("unseen");
  });
  openStream();
  loadRecentAlerts();
}

// ---------------------------------------------------------------- the stream

function openStream() {
  clearTimeout(reopenTimer);
  // The browser's own reconnections send Last-Event-ID; a new EventSource has to say it in the address.
  const resume = lastEventId ? `?${new URLSearchParams({ last_event_id: lastEventId })}` : "";
  const source = new EventSource(`/alerts/stream${resume}`);
  stream = source;
  source.addEventListener("alert", (event) => {
    if (event.lastEventId) lastEventId = event.lastEventId;
    receiveAlert(event.data);
  });
  source.addEventListener("open", () => {
    setStreamState("live", "live");
    if (reopenAttempts > 0) loadRecentAlerts(); // a new stream starts from now: catch up with what it missed
    reopenAttempts = 0;
  });
  source.addEventListener("error", () => {
    if (source !== stream) return;
    if (source.readyState === EventSource.CLOSED) {
      reopenLater();
    } else {
      setStreamState("reconnecting", "reconnecting…");
    }
  });
}

/** The browser gave the stream up: open a new one after a delay that grows with each failure. */
function reopenLater() {
  stream.close();
  const delay = REOPEN_DELAYS_MS[Math.min(reopenAttempts, REOPEN_DELAYS_MS.length - 1)];
  reopenAttempts += 1;
  setStreamState("offline", `offline, retrying in ${Math.round(delay / 1000)} s`);
  reopenTimer = setTimeout(openStream, delay);
}

function setStreamState(state, text) {
  ui.streamState.dataset.state = state;
  ui.streamState.textContent = text;
  ui.streamState.title = state === "live" ? "New alerts appear as they happen" : "New alerts wait until it is back";
}

function receiveAlert(data) {
  let alert;
  try {
    alert = JSON.parse(data);
  } catch {
    console.warn("an alert event that is not JSON", data);
    return;
  }
  if (typeof alert?.alert_id !== "string") return;
  if (addAlert(alert, { live: true })) announce(alert);
}

// ---------------------------------------------------------------- the list

async function loadRecentAlerts() {
  try {
    const answer = await getJson(`/alerts?size=${RECENT}`);
    ui.error.hidden = true;
    const firstVisit = seenAt === null;
    for (const alert of answer.alerts) addAlert(alert, { live: false });
    // A first visit starts with nothing unseen: what was already there counts as seen.
    if (firstVisit && answer.alerts.length) rememberSeen(Math.max(...answer.alerts.map(alertedAt)));
  } catch (err) {
    ui.error.textContent = `Alerts unavailable: ${err instanceof ApiError ? err.detail : String(err)}`;
    ui.error.hidden = false;
  }
}

/** List ``alert`` unless it already is; true when it was new. */
function addAlert(alert, { live }) {
  if (known.has(alert.alert_id)) return false;
  known.add(alert.alert_id);
  const item = alertItem(alert);
  insertNewestFirst(item);
  dropOldest();
  ui.empty.hidden = true;
  const isNew = seenAt === null ? live : alertedAt(alert) > seenAt;
  if (isNew) {
    item.classList.add("unseen");
    if (panelInView()) rememberSeen(alertedAt(alert));
    else unseen.add(alert.alert_id);
    renderBadge();
  }
  return true;
}

function alertItem(alert) {
  const item = ui.template.content.firstElementChild.cloneNode(true);
  item.dataset.alertId = alert.alert_id;
  item.dataset.alertedAt = String(alertedAt(alert));
  item.dataset.savedSearchId = alert.saved_search_id;
  $("[data-testid=alert-search]", item).textContent = alert.saved_search_name;

  const link = $("[data-testid=alert-title]", item);
  link.textContent = alert.title;
  link.href = page.articleUrl(alert.article_id);
  link.addEventListener("click", (event) => {
    if (!plainClick(event)) return;
    event.preventDefault();
    closePanel({ returnFocus: false }); // the article view takes the focus
    page.openArticle(alert.article_id);
  });

  const outlet = $("[data-testid=alert-outlet]", item);
  outlet.textContent = alert.outlet ?? "Unknown outlet";
  outlet.classList.toggle("unknown", !alert.outlet);
  const time = $("[data-testid=alert-time]", item);
  time.dateTime = alert.alerted_at;
  time.textContent = formatTime(alert.alerted_at);
  time.title = `alerted ${formatTime(alert.alerted_at)}; the article is dated ${formatTime(alert.dated_at)}`;
  if (alert.duplicate_of || alert.copy_source_id) {
    const badge = $("[data-testid=alert-republication]", item);
    badge.hidden = false;
    badge.title = "A copy or near-duplicate of an article that already alerted for this search";
  }
  return item;
}

function insertNewestFirst(item) {
  const time = Number(item.dataset.alertedAt);
  const after = [...ui.list.children].find((other) => Number(other.dataset.alertedAt) <= time);
  ui.list.insertBefore(item, after ?? null);
}

function dropOldest() {
  while (ui.list.children.length > KEPT) {
    const oldest = ui.list.lastElementChild;
    known.delete(oldest.dataset.alertId);
    unseen.delete(oldest.dataset.alertId);
    oldest.remove();
  }
}

function alertedAt(alert) {
  return Date.parse(alert.alerted_at);
}

// ---------------------------------------------------------------- seen and unseen

function panelInView() {
  return isPanelOpen() && document.visibilityState === "visible";
}

function markAllSeen() {
  const times = [...ui.list.children].map((item) => Number(item.dataset.alertedAt));
  if (times.length) rememberSeen(Math.max(...times));
  unseen.clear();
  renderBadge();
}

function rememberSeen(time) {
  if (seenAt !== null && time <= seenAt) return;
  seenAt = time;
  try {
    localStorage.setItem(SEEN_STORAGE, String(time));
  } catch {
    // Storage refused: the count starts afresh on the next visit.
  }
}

function readSeenAt() {
  try {
    const stored = Number(localStorage.getItem(SEEN_STORAGE));
    return stored > 0 ? stored : null;
  } catch {
    return null;
  }
}

function renderBadge() {
  const count = unseen.size;
  ui.badge.hidden = count === 0;
  ui.badge.textContent = count > 99 ? "99+" : String(count);
  ui.badge.dataset.count = String(count);
  ui.button.setAttribute("aria-label", count ? `Alerts, ${plural(count, "unseen", "unseen")}` : "Alerts");
}

/** Tell screen readers about an alert that came live (the badge itself is a picture of the count). */
function announce(alert) {
  const count = unseen.size ? ` ${plural(unseen.size, "unseen alert", "unseen alerts")}.` : "";
  ui.announcement.textContent = `New alert for ${alert.saved_search_name}: ${alert.title}.${count}`;
}
