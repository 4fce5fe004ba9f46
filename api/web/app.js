// The newsflow search page: plain ES module, no framework, no build step, no external asset.
//
// The URL's query string is the single source of truth (q, sort, filters, grouping, open article or
// story), so reload,
// back/forward and shared links all show the same page. Every user action computes the next state,
// pushes it into the history and calls render(), which fetches only what changed.
//
// Safety rule: the only strings inserted as HTML are title_html and snippets, which the API has
// HTML-escaped itself (with <mark> around matches). Everything else goes through textContent.
//
// Entities are filtered by id (entity=person:volodymyr-zelensky) and shown by canonical name: every answer
// that pairs an id with its name (facets, hits, an article, suggestions) is remembered, and a filter
// whose name was never seen (a shared link) asks /entities/{id}. A filter value that is not an id is a
// name filter, as the API reads it.
//
// Results are grouped by story unless the address says group=none: one hit per story (/search?group=story),
// with a "+N reports from M outlets" link to the story's view (/stories/{id}), a timeline of its articles.
//
// This module is the search; beside it: api.js (requests, ApiError), dom.js (DOM and formatting helpers),
// saved-searches.js (the "Save this search" dialog and the list), alerts.js (the live stream, the badge and
// the list) and panel.js (the alerts panel holding both lists). They get what they need of the search
// through ``pageLinks`` below.

import { ApiError, getJson } from "./api.js";
import {
  $, button, formatDay, formatTime, languageName, listItem, numberFormat, plainClick, plural, span,
} from "./dom.js";
import { initAlerts } from "./alerts.js";
import { initSavedSearches } from "./saved-searches.js";

const LIST_PARAMS = ["entity", "outlet", "language"];
const SORTS = ["relevance", "newest", "oldest"];
const CHIPS_PER_TYPE = 4;
const SUGGESTIONS = 8;
const STORY_ARTICLES = 200; // articles a story view lists
const SUGGEST_DELAY_MS = 150;
const ENTITY_TYPES = [
  { field: "people", type: "person", label: "People", singular: "Person" },
  { field: "organizations", type: "organization", label: "Organisations", singular: "Organisation" },
  { field: "places", type: "place", label: "Places", singular: "Place" },
];
// The short lists first, so that every group starts within the first screen.
const FACETS = [
  { field: "outlets", label: "Outlets", param: "outlet", testid: "facet-outlets" },
  { field: "languages", label: "Languages", param: "language", testid: "facet-languages" },
  { field: "people", label: "People", param: "entity", testid: "facet-people", chip: "person" },
  { field: "organizations", label: "Organisations", param: "entity", testid: "facet-organisations", chip: "organization" },
  { field: "places", label: "Places", param: "entity", testid: "facet-places", chip: "place" },
];
const FACET_VALUES_SHOWN = 5; // per group until "Show more"
const FILTER_LABELS = { entity: "Entity", outlet: "Outlet", language: "Language" };
const ENTITY_ID = /^(person|organization|place):/;

const ui = {
  searchForm: $("[data-testid=search-form]"),
  q: $("#q"),
  sort: $("#sort"),
  expand: $("#expand"),
  group: $("#group"),
  entityForm: $("[data-testid=entity-form]"),
  entityInput: $("#entity-input"),
  entityOptions: $("#entity-options"),
  facetGroups: $("#facet-groups"),
  main: $("#main"),
  total: $("[data-testid=total]"),
  message: $("[data-testid=error]"),
  activeFilters: $("[data-testid=active-filters]"),
  resultsView: $("#results-view"),
  results: $("[data-testid=results]"),
  empty: $("[data-testid=empty]"),
  loadMore: $("[data-testid=load-more]"),
  chartFigure: $("[data-testid=date-chart-figure]"),
  chart: $("[data-testid=date-chart]"),
  chartAxis: $(".chart-axis"),
  articleView: $("#article-view"),
  storyView: $("#story-view"),
  resultTemplate: $("#result-template"),
};

let current = readState(location.search);
let lastSearchKey = null; // the /search query the results on screen answer
let nextCursor = null;
let searchController = null;
let articleController = null;
let storyController = null;
let suggestController = null;
let suggestTimer = 0;
const suggestions = new Map(); // option text -> suggestion, for the datalist's current options
const entityNames = new Map(); // entity id -> { name, type }, from every answer that paired them
const namesAsked = new Set(); // ids whose name was asked of /entities/{id}, so each is asked once
const expandedFacets = new Set(); // facet groups showing all their values

// ---------------------------------------------------------------- state <-> URL

function readState(search) {
  const params = new URLSearchParams(search);
  const sort = params.get("sort");
  return {
    q: params.get("q") ?? "",
    sort: SORTS.includes(sort) ? sort : "relevance",
    expand: params.get("expand_duplicates") === "true",
    entity: params.getAll("entity"),
    outlet: params.getAll("outlet"),
    language: params.getAll("language"),
    since: params.get("since") ?? "",
    until: params.get("until") ?? "",
    article: params.get("article") ?? "",
    story: params.get("story") ?? "",
    group: params.get("group") !== "none",
  };
}

/** The /search parameters of a state (everything but the open article or story). */
function searchParams(state) {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  if (state.sort !== "relevance") params.set("sort", state.sort);
  if (state.expand) params.set("expand_duplicates", "true");
  for (const name of LIST_PARAMS) {
    for (const value of state[name]) params.append(name, value);
  }
  if (state.since) params.set("since", state.since);
  if (state.until) params.set("until", state.until);
  if (state.group) params.set("group", "story");
  return params;
}

function pageUrl(state) {
  const params = searchParams(state);
  // Grouping is the page's default: its address names only the exception.
  params.delete("group");
  if (!state.group) params.set("group", "none");
  if (state.article) params.set("article", state.article);
  if (state.story) params.set("story", state.story);
  const query = params.toString();
  return query ? `?${query}` : location.pathname;
}

function navigate(changes) {
  const next = { ...current, ...changes };
  // Remember whether a view was opened from the page before it, so "back" can simply go back.
  const opened = (next.article && !current.article) || (next.story && !current.story);
  const historyState = { fromResults: Boolean(opened) };
  history.pushState(historyState, "", pageUrl(next));
  render(next);
}

function render(state) {
  current = state;
  syncControls(state);
  renderActiveFilters(state);
  runSearch(state);
  const viewOpen = !ui.articleView.hidden || !ui.storyView.hidden;
  if (state.article) {
    openArticle(state.article);
  } else {
    closeArticle();
  }
  if (state.story && !state.article) {
    openStory(state.story);
  } else {
    // An article opened from a story keeps the story loaded, for the way back.
    closeStory(Boolean(state.story));
  }
  ui.resultsView.hidden = Boolean(state.article || state.story);
  if (viewOpen && !ui.resultsView.hidden) ui.q.focus({ preventScroll: true });
}

function syncControls(state) {
  ui.q.value = state.q;
  ui.sort.value = state.sort;
  ui.expand.checked = state.expand;
  ui.group.checked = state.group;
  document.title = state.q ? `${state.q} – newsflow search` : "newsflow search";
}

// ---------------------------------------------------------------- filters

function toggleFilter(param, value) {
  const values = current[param];
  const next = values.includes(value) ? values.filter((v) => v !== value) : [...values, value];
  filter({ [param]: next });
}

function addFilter(param, value) {
  filter({ [param]: withValue(current[param], value) });
}

function clearFilters() {
  filter({ entity: [], outlet: [], language: [], since: "", until: "" });
}

/** Apply new filters, back on the results, scrolled up to them if the click came from further down. */
function filter(changes) {
  navigate({ ...changes, article: "", story: "" });
  if (ui.main.getBoundingClientRect().top < 0) window.scrollTo({ top: 0 });
}

function renderActiveFilters(state) {
  const chips = [];
  for (const param of LIST_PARAMS) {
    for (const value of state[param]) {
      const label = displayValue(param, value);
      chips.push(filterChip(filterKind(param, value), label, () => toggleFilter(param, value), value));
    }
  }
  if (state.since || state.until) {
    chips.push(filterChip("Date", dateRangeLabel(state.since, state.until), () => filter({ since: "", until: "" })));
  }
  if (chips.length > 1) {
    const clear = button("Clear all", "clear-filters", clearFilters);
    clear.className = "link-button";
    chips.push(clear);
  }
  ui.activeFilters.replaceChildren(...chips);
  ui.activeFilters.hidden = chips.length === 0;
}

function filterChip(kind, value, onRemove, filterValue = "") {
  const chip = button("", "active-filter", onRemove);
  chip.className = "filter-chip";
  chip.dataset.value = filterValue;
  chip.setAttribute("aria-label", `Remove filter ${kind}: ${value}`);
  chip.append(span("kind", kind), span("value", value), span("remove", "×"));
  chip.lastChild.setAttribute("aria-hidden", "true");
  return chip;
}

function filterKind(param, value) {
  if (param !== "entity" || !isEntityId(value)) return FILTER_LABELS[param];
  const type = entityType(value);
  return ENTITY_TYPES.find((t) => t.type === type)?.singular ?? FILTER_LABELS.entity;
}

function displayValue(param, value) {
  if (param === "language") return languageName(value);
  if (param === "entity" && isEntityId(value)) return entityName(value);
  return value;
}

// ---------------------------------------------------------------- entity ids and names

function isEntityId(value) {
  return ENTITY_ID.test(value);
}

function entityType(id) {
  return entityNames.get(id)?.type ?? id.slice(0, id.indexOf(":"));
}

/** The canonical name of an entity id; the id itself while no answer has named it yet. */
function entityName(id) {
  return entityNames.get(id)?.name ?? id;
}

function rememberEntity(id, name, type) {
  if (id && name) entityNames.set(id, { name, type });
}

async function askEntityName(id) {
  if (namesAsked.has(id)) return;
  namesAsked.add(id);
  try {
    const entity = await getJson(`/entities/${encodeURIComponent(id)}?size=1`);
    rememberEntity(entity.id, entity.name, entity.type);
    renderActiveFilters(current);
    // Other parts of the page that show filters (the saved searches) name it too.
    document.dispatchEvent(new CustomEvent("entitynamed", { detail: { id: entity.id } }));
  } catch {
    // Unknown or malformed: the chip keeps showing the id, and the search itself reports a malformed one.
  }
}

// ---------------------------------------------------------------- errors

function showError(err) {
  if (err.name === "AbortError") return;
  const known = err instanceof ApiError;
  $(".message-title", ui.message).textContent = known ? err.error : "Something went wrong";
  $(".message-detail", ui.message).textContent = known ? err.detail : String(err);
  ui.message.hidden = false;
  if (!known) console.error(err);
}

function clearError() {
  ui.message.hidden = true;
}

function retry() {
  clearError();
  lastSearchKey = null;
  ui.articleView.dataset.articleId = "";
  ui.storyView.dataset.storyId = "";
  render(current);
}

// ---------------------------------------------------------------- search results

async function runSearch(state) {
  const params = searchParams(state);
  const key = params.toString();
  if (key === lastSearchKey) return;
  lastSearchKey = key;
  searchController?.abort();
  const controller = new AbortController();
  searchController = controller;
  setBusy(true);
  try {
    const page = await getJson(`/search?${key}`, controller.signal);
    clearError();
    renderPage(page, { append: false });
  } catch (err) {
    if (err.name === "AbortError") return;
    lastSearchKey = null; // so that Retry, or the same search again, asks the API again
    showFailedSearch();
    showError(err);
  } finally {
    if (searchController === controller) setBusy(false);
  }
}

async function loadMore() {
  if (!nextCursor) return;
  const params = searchParams(current);
  params.set("cursor", nextCursor);
  params.set("facets", "false"); // the first page's facets stay; the next pages come faster without them
  ui.loadMore.disabled = true;
  try {
    renderPage(await getJson(`/search?${params}`), { append: true });
  } catch (err) {
    showError(err);
  } finally {
    ui.loadMore.disabled = false;
  }
}

function setBusy(busy) {
  ui.results.setAttribute("aria-busy", String(busy));
  ui.resultsView.classList.toggle("busy", busy);
}

function showFailedSearch() {
  ui.total.textContent = "";
  ui.results.replaceChildren();
  ui.loadMore.hidden = true;
  ui.empty.hidden = true;
}

function renderPage(page, { append }) {
  for (const hit of page.hits) {
    for (const entity of hit.entities) rememberEntity(entity.id, entity.name, entity.type);
  }
  for (const { field, type } of ENTITY_TYPES) {
    for (const bucket of page.facets[field]) rememberEntity(bucket.id, bucket.name, type);
  }
  // A filter from a shared link is named by the answer's facets, almost always; else /entities/{id} names it.
  renderActiveFilters(current);
  for (const value of current.entity) {
    if (isEntityId(value) && !entityNames.has(value)) askEntityName(value);
  }
  const hits = page.hits.map(renderHit);
  if (append) {
    ui.results.append(...hits);
  } else {
    ui.results.replaceChildren(...hits);
    renderTotal(page);
    renderFacets(page.facets);
    renderChart(page.facets.dates, page.facets.date_interval);
  }
  nextCursor = page.next_cursor;
  ui.loadMore.hidden = !nextCursor;
  ui.empty.hidden = page.total > 0;
}

function renderTotal(page) {
  const articles = plural(page.total, "article", "articles");
  const stories = page.total_stories == null ? null : plural(page.total_stories, "story", "stories");
  ui.total.textContent = stories ? `${stories} (${articles})` : articles;
  ui.total.title = `found in ${page.took_ms} ms`;
}

function renderHit(hit) {
  const item = ui.resultTemplate.content.firstElementChild.cloneNode(true);
  item.dataset.articleId = hit.article_id;

  const title = $("[data-testid=result-title]", item);
  title.innerHTML = hit.title_html; // escaped by the API, matches in <mark>
  title.href = pageUrl({ ...current, article: hit.article_id });
  title.addEventListener("click", (event) => followLink(event, hit.article_id));

  renderCopiesBadge($("[data-testid=copies-badge]", item), hit);
  const republication = $("[data-testid=republication-badge]", item);
  if (hit.near_duplicate_of) {
    republication.hidden = false;
    republication.title = "A near-duplicate republication; shown because near-duplicates are expanded";
  }

  const outlet = $("[data-testid=result-outlet]", item);
  outlet.textContent = hit.outlet ?? "Unknown outlet";
  outlet.classList.toggle("unknown", !hit.outlet);
  renderDate($("[data-testid=result-date]", item), hit.published_at, hit.dated_at);

  $("[data-testid=snippets]", item).append(...hit.snippets.map(renderSnippet));
  $("[data-testid=result-entities]", item).append(...entityChips(hit));
  renderStoryLine($(".story-line", item), hit);
  return item;
}

/** "+N reports from M outlets" under a grouped hit, a plain link to the story otherwise; both open it. */
function renderStoryLine(line, hit) {
  const { story } = hit;
  if (!hit.story_id || (story && story.other_reports === 0)) return;
  const link = $("[data-testid=story-link]", line);
  if (story) {
    const outlets = story.outlet_count ? ` from ${plural(story.outlet_count, "outlet", "outlets")}` : "";
    link.textContent = `+${plural(story.other_reports, "report", "reports")}${outlets}`;
    link.title = `${plural(story.matching_articles, "article", "articles")} of this story match; see its timeline`;
  } else {
    link.textContent = "Story timeline";
    link.title = "Every report of this story, in time order";
  }
  link.href = pageUrl({ ...current, story: hit.story_id, article: "" });
  link.dataset.storyId = hit.story_id;
  link.addEventListener("click", (event) => {
    if (!plainClick(event)) return;
    event.preventDefault();
    navigate({ story: hit.story_id, article: "" });
  });
  line.hidden = false;
}

function renderSnippet(html) {
  const paragraph = document.createElement("p");
  paragraph.className = "snippet";
  paragraph.innerHTML = html; // escaped by the API, matches in <mark>
  return paragraph;
}

function renderCopiesBadge(badge, hit) {
  const copies = hit.copy_count + hit.near_duplicate_count;
  if (copies === 0) return;
  badge.hidden = false;
  badge.textContent = `+${copies} ${copies === 1 ? "copy" : "copies"}`;
  const parts = [];
  if (hit.copy_count) parts.push(plural(hit.copy_count, "exact copy", "exact copies"));
  if (hit.near_duplicate_count) parts.push(plural(hit.near_duplicate_count, "republication", "republications"));
  badge.title = `${parts.join(" and ")} of this article`;
}

function renderDate(element, publishedAt, datedAt) {
  element.dateTime = datedAt;
  const shown = formatDay(datedAt);
  element.textContent = publishedAt ? shown : `received ${shown}`;
  element.title = publishedAt ? `published ${formatTime(publishedAt)}` : "no publication date given";
}

function entityChips(hit) {
  const chips = [];
  for (const { type, label } of ENTITY_TYPES) {
    const ofType = hit.entities.filter((e) => e.type === type);
    for (const entity of ofType.slice(0, CHIPS_PER_TYPE)) {
      chips.push(listItem(entityButton(entity)));
    }
    if (ofType.length > CHIPS_PER_TYPE) {
      const more = listItem(span("more", `+${ofType.length - CHIPS_PER_TYPE}`));
      more.title = `${label}: ${ofType.slice(CHIPS_PER_TYPE).map((e) => e.name).join(", ")}`;
      chips.push(more);
    }
  }
  return chips;
}

/** A chip that filters the results by the entity's id, showing its canonical name. */
function entityButton(entity) {
  const chip = button(entity.name, "entity-chip", () => addFilter("entity", entity.id));
  decorateEntityChip(chip, entity);
  return chip;
}

function decorateEntityChip(chip, entity) {
  const active = current.entity.includes(entity.id);
  chip.className = `chip chip-${entity.type}`;
  chip.classList.toggle("active", active);
  chip.dataset.value = entity.id;
  // A button is pressed; a link (the article view's) is not a toggle, its class shows the filter in use.
  if (chip.tagName === "BUTTON") chip.setAttribute("aria-pressed", String(active));
  chip.title = `Only articles mentioning ${entity.name}`;
}

/** Open an article inside the page, unless the user asked for a new tab or window. */
function followLink(event, articleId) {
  if (!plainClick(event)) return;
  event.preventDefault();
  navigate({ article: articleId });
}

// ---------------------------------------------------------------- facets

function renderFacets(facets) {
  const groups = FACETS.map((facet) => renderFacetGroup(facet, facets[facet.field]));
  ui.facetGroups.replaceChildren(...groups);
}

function renderFacetGroup(facet, buckets) {
  const section = document.createElement("section");
  section.className = "facet";
  section.dataset.testid = facet.testid;
  const heading = document.createElement("h2");
  heading.id = `${facet.testid}-heading`;
  heading.textContent = facet.label;
  section.setAttribute("aria-labelledby", heading.id);
  section.append(heading);
  if (buckets.length === 0) {
    section.append(span("facet-none", "none in these results"));
    return section;
  }
  const max = Math.max(...buckets.map((b) => b.count));
  const items = buckets.map((bucket) => listItem(facetButton(facet, bucket, max)));
  const list = document.createElement("ul");
  list.append(...items);
  section.append(list);
  // Values past the first few fold away, except active ones: a filter in use stays visible.
  const foldable = items.filter((item, index) => index >= FACET_VALUES_SHOWN && !isPressed(item.firstChild));
  if (foldable.length) section.append(foldToggle(facet, foldable));
  return section;
}

function isPressed(element) {
  return element.getAttribute("aria-pressed") === "true";
}

function foldToggle(facet, foldable) {
  const toggle = button("", "facet-more", () => {
    if (expandedFacets.has(facet.field)) expandedFacets.delete(facet.field);
    else expandedFacets.add(facet.field);
    applyFold();
  });
  toggle.className = "link-button facet-more";
  const applyFold = () => {
    const expanded = expandedFacets.has(facet.field);
    for (const item of foldable) item.hidden = !expanded;
    toggle.textContent = expanded ? "Show fewer" : `Show ${foldable.length} more`;
    toggle.setAttribute("aria-expanded", String(expanded));
  };
  applyFold();
  return toggle;
}

function facetButton(facet, bucket, max) {
  // Entity facets filter by id and show the canonical name; the others filter by and show their value.
  const value = facet.chip ? bucket.id : bucket.value;
  const active = current[facet.param].includes(value);
  const label = facet.chip ? bucket.name : displayValue(facet.param, value);
  const item = button("", "facet-value", () => toggleFilter(facet.param, value));
  item.className = `facet-value${facet.chip ? ` facet-${facet.chip}` : ""}`;
  item.dataset.value = value;
  item.setAttribute("aria-pressed", String(active));
  item.style.setProperty("--share", `${Math.round((bucket.count / max) * 100)}%`);
  item.title = active ? `Remove the filter ${label}` : `Only articles with ${label}`;
  item.append(span("facet-name", label), span("facet-count", numberFormat.format(bucket.count)));
  return item;
}

// ---------------------------------------------------------------- date chart

function renderChart(buckets, interval) {
  ui.chartFigure.hidden = buckets.length === 0;
  if (buckets.length === 0) {
    ui.chart.replaceChildren();
    return;
  }
  // The svg element is parsed from the HTML, so it already has the SVG namespace to create bars in.
  const svgNs = ui.chart.namespaceURI;
  const [width, height] = [600, 80];
  const slot = width / buckets.length;
  const gap = Math.min(slot * 0.2, 6);
  const barWidth = Math.min(slot - gap, 48); // a lone bucket is a bar, not a block
  const max = Math.max(...buckets.map((b) => b.count), 1);
  const ranges = bucketRanges(buckets, interval);
  const withTime = /[smh]$/.test(interval ?? "");

  const bars = buckets.map((bucket, index) => {
    const { since, until } = ranges[index];
    const label = `${formatBucket(since, withTime)}: ${plural(bucket.count, "article", "articles")}`;
    const group = document.createElementNS(svgNs, "g");
    group.classList.add("bar");
    group.classList.toggle("active", current.since === since && current.until === until);
    group.dataset.testid = "date-bar";
    group.setAttribute("role", "button");
    group.setAttribute("tabindex", "0");
    group.setAttribute("aria-label", `${label}; keep only this period`);
    const tooltip = document.createElementNS(svgNs, "title");
    tooltip.textContent = label;
    // A full-height transparent target, so even short bars are easy to click.
    const target = svgRect(svgNs, "bar-target", index * slot, 0, slot, height);
    const barHeight = bucket.count ? Math.max(2, (bucket.count / max) * (height - 4)) : 0;
    const x = index * slot + (slot - barWidth) / 2;
    const bar = svgRect(svgNs, "bar-fill", x, height - barHeight, barWidth, barHeight);
    group.append(tooltip, target, bar);
    const choose = () => filter({ since, until });
    group.addEventListener("click", choose);
    group.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        choose();
      }
    });
    return group;
  });
  ui.chart.replaceChildren(...bars);
  const [first, last] = ui.chartAxis.children;
  // Label the first and the last bar by their start.
  first.textContent = formatBucket(ranges[0].since, withTime);
  last.textContent = buckets.length > 1 ? formatBucket(ranges.at(-1).since, withTime) : "";
  ui.chartAxis.classList.toggle("single", buckets.length === 1);
}

function svgRect(svgNs, className, x, y, width, height) {
  const rect = document.createElementNS(svgNs, "rect");
  rect.classList.add(className);
  for (const [name, value] of Object.entries({ x, y, width, height })) {
    rect.setAttribute(name, String(Math.max(0, value)));
  }
  return rect;
}

/** Each bucket's since/until (inclusive, ISO): a bucket ends where the next one starts. */
function bucketRanges(buckets, interval) {
  return buckets.map((bucket, index) => {
    const start = new Date(bucket.start);
    const next = buckets[index + 1];
    const end = next ? new Date(next.start) : addInterval(start, interval, buckets);
    return { since: start.toISOString(), until: new Date(end.getTime() - 1).toISOString() };
  });
}

/** ``start`` plus an Elasticsearch interval such as "1s", "30m", "7d", "3M" or "1y". */
function addInterval(start, interval, buckets) {
  const match = /^(\d+)([smhdwMy])$/.exec(interval ?? "");
  const end = new Date(start);
  if (!match) {
    // Unknown width: use the spacing of the buckets, or a day for a single one.
    const step = buckets.length > 1 ? new Date(buckets[1].start) - new Date(buckets[0].start) : 86_400_000;
    return new Date(start.getTime() + step);
  }
  const amount = Number(match[1]);
  const unitMs = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
  if (match[2] === "M") end.setUTCMonth(end.getUTCMonth() + amount);
  else if (match[2] === "y") end.setUTCFullYear(end.getUTCFullYear() + amount);
  else end.setTime(end.getTime() + amount * unitMs[match[2]]);
  return end;
}

function formatBucket(iso, withTime) {
  return withTime ? formatTime(iso) : formatDay(iso);
}

function dateRangeLabel(since, until) {
  // A date-only bound (typed into the URL) shows as a day; the chart's bounds carry a time.
  const format = (iso) => (iso.includes("T") ? formatTime(iso) : formatDay(iso));
  if (since && until) {
    // One chart bucket often reads the same at both ends (e.g. one day): say it once.
    return format(since) === format(until) ? format(since) : `${format(since)} – ${format(until)}`;
  }
  return since ? `from ${format(since)}` : `until ${format(until)}`;
}

// ---------------------------------------------------------------- article view

async function openArticle(articleId) {
  ui.articleView.hidden = false;
  if (ui.articleView.dataset.articleId === articleId) return;
  ui.articleView.dataset.articleId = articleId;
  articleController?.abort();
  const controller = new AbortController();
  articleController = controller;
  renderArticleLoading();
  try {
    const article = await getJson(`/articles/${encodeURIComponent(articleId)}`, controller.signal);
    clearError();
    renderArticle(article);
    window.scrollTo({ top: 0 });
    ui.articleView.focus({ preventScroll: true });
  } catch (err) {
    if (err.name === "AbortError") return;
    ui.articleView.dataset.articleId = "";
    $("[data-testid=article-title]", ui.articleView).textContent = "Article unavailable";
    showError(err);
  }
}

function closeArticle() {
  articleController?.abort();
  ui.articleView.hidden = true;
  ui.articleView.dataset.articleId = "";
}

function backToResults() {
  if (history.state?.fromResults) history.back();
  else navigate({ article: "" });
}

function renderArticleLoading() {
  $("[data-testid=article-title]", ui.articleView).textContent = "Loading…";
  for (const selector of ["[data-testid=article-meta]", "[data-testid=article-body]", ".entity-groups",
    ".related-content", ".source-list"]) {
    $(selector, ui.articleView).replaceChildren();
  }
}

function renderArticle(article) {
  const view = ui.articleView;
  $("[data-testid=article-title]", view).textContent = article.title;
  $("[data-testid=article-meta]", view).replaceChildren(...articleMeta(article));
  $("[data-testid=article-body]", view).replaceChildren(...paragraphs(article.body));
  $(".entity-groups", view).replaceChildren(...entityGroups(article.entities));
  $(".related-content", view).replaceChildren(...relatedArticles(article));
  $(".source-list", view).replaceChildren(...sourceDetails(article));
}

function articleMeta(article) {
  const parts = [span(article.outlet ? "outlet" : "outlet unknown", article.outlet ?? "Unknown outlet")];
  const date = document.createElement("time");
  renderDate(date, article.published_at, article.dated_at);
  parts.push(date, span("", languageName(article.language)), span("", plural(article.word_count, "word", "words")));
  const link = externalLink(article.url);
  if (link) parts.push(link);
  return parts;
}

/** A link to the article's original address, only for web addresses (never javascript: and the like). */
function externalLink(url) {
  if (!url) return null;
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return null;
  const link = document.createElement("a");
  link.href = parsed.href;
  link.rel = "noopener noreferrer";
  link.target = "_blank";
  link.textContent = `${parsed.hostname} ↗`;
  return link;
}

function paragraphs(body) {
  return body
    .split(/\n+/)
    .map((text) => text.trim())
    .filter(Boolean)
    .map((text) => {
      const paragraph = document.createElement("p");
      paragraph.textContent = text;
      return paragraph;
    });
}

function entityGroups(entities) {
  const groups = ENTITY_TYPES.map(({ type, label }) => {
    const ofType = entities.filter((e) => e.type === type).sort((a, b) => b.mentions - a.mentions);
    if (ofType.length === 0) return null;
    const group = document.createElement("div");
    group.className = "entity-group";
    group.dataset.testid = `article-${type}`;
    const heading = document.createElement("h3");
    heading.textContent = label;
    const list = document.createElement("ul");
    list.className = "chips";
    for (const entity of ofType) {
      rememberEntity(entity.id, entity.canonical, entity.type);
      list.append(listItem(entityLink(entity)));
    }
    group.append(heading, list);
    return group;
  }).filter(Boolean);
  return groups.length ? groups : [span("muted", "No named entities recognised.")];
}

/** An article's entity as a link to the results filtered by its id (a new tab works too). */
function entityLink(entity) {
  const link = document.createElement("a");
  link.dataset.testid = "article-entity";
  link.href = pageUrl({ ...current, entity: withValue(current.entity, entity.id), article: "" });
  decorateEntityChip(link, { id: entity.id, name: entity.canonical, type: entity.type });
  link.append(span("entity-name", entity.canonical), span("chip-count", `×${entity.mentions}`));
  const confidence = `type confidence ${Math.round(entity.confidence * 100)}%`;
  const written = entity.surface_forms.join(", ");
  link.title = `${entity.canonical} (${entity.id}): written as ${written}; ${confidence}. Click for articles mentioning it.`;
  link.addEventListener("click", (event) => {
    if (!plainClick(event)) return;
    event.preventDefault();
    addFilter("entity", entity.id);
  });
  return link;
}

function withValue(values, value) {
  return values.includes(value) ? values : [...values, value];
}

function relatedArticles(article) {
  const parts = [];
  if (article.near_duplicate_of) {
    parts.push(relatedList("Republishes", [article.near_duplicate_of], "near-duplicate-of"));
  }
  if (article.near_duplicates.length) {
    parts.push(relatedList("Republished as", article.near_duplicates, "near-duplicates"));
  }
  if (article.copies.length) {
    parts.push(copiesList(article.copies));
  }
  return parts.length ? parts : [span("muted", "No copies or near-duplicates.")];
}

function relatedList(title, related, testid) {
  const block = document.createElement("div");
  block.dataset.testid = testid;
  const heading = document.createElement("h3");
  heading.textContent = title;
  const list = document.createElement("ul");
  list.className = "related-list";
  for (const other of related) {
    const link = document.createElement("a");
    link.href = pageUrl({ ...current, article: other.article_id });
    link.dataset.testid = "related-link";
    link.textContent = other.title;
    link.addEventListener("click", (event) => followLink(event, other.article_id));
    const details = [other.outlet ?? "Unknown outlet", formatDay(other.dated_at)];
    if (other.similarity != null) details.push(`${Math.round(other.similarity * 100)}% similar`);
    list.append(listItem(link, span("meta", details.join(" · "))));
  }
  block.append(heading, list);
  return block;
}

function copiesList(copies) {
  const block = document.createElement("div");
  block.dataset.testid = "copies";
  const heading = document.createElement("h3");
  heading.textContent = plural(copies.length, "exact copy", "exact copies");
  const list = document.createElement("ul");
  list.className = "related-list";
  for (const copy of copies) {
    const details = [copy.outlet ?? "Unknown outlet", copy.format, formatTime(copy.received_at)];
    list.append(listItem(span("path", copy.path), span("meta", details.join(" · "))));
  }
  block.append(heading, list);
  return block;
}

function sourceDetails(article) {
  const { source } = article;
  const rows = [
    ["File", source.path],
    ["Format", `${source.format}, record ${source.record_index + 1}`],
    ["Received", formatTime(source.received_at)],
    ["Indexed", formatTime(article.ingested_at)],
    ["File SHA-256", `${source.file_sha256.slice(0, 16)}…`],
    ["Article id", article.article_id],
  ];
  return rows.flatMap(([term, value]) => {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.textContent = value;
    if (term === "File SHA-256") dd.title = source.file_sha256;
    return [dt, dd];
  });
}

// ---------------------------------------------------------------- story view

async function openStory(storyId) {
  ui.storyView.hidden = false;
  if (ui.storyView.dataset.storyId === storyId) return;
  ui.storyView.dataset.storyId = storyId;
  storyController?.abort();
  const controller = new AbortController();
  storyController = controller;
  renderStoryLoading();
  try {
    const story = await getJson(`/stories/${encodeURIComponent(storyId)}?size=${STORY_ARTICLES}`, controller.signal);
    clearError();
    renderStory(story);
    window.scrollTo({ top: 0 });
    ui.storyView.focus({ preventScroll: true });
  } catch (err) {
    if (err.name === "AbortError") return;
    ui.storyView.dataset.storyId = "";
    $("[data-testid=story-title]", ui.storyView).textContent = "Story unavailable";
    showError(err);
  }
}

/** Hide the story view; ``keep`` leaves it loaded (an article opened from it, to come back to). */
function closeStory(keep) {
  ui.storyView.hidden = true;
  if (keep) return;
  storyController?.abort();
  ui.storyView.dataset.storyId = "";
}

function backFromStory() {
  if (history.state?.fromResults) history.back();
  else navigate({ story: "" });
}

function renderStoryLoading() {
  $("[data-testid=story-title]", ui.storyView).textContent = "Loading…";
  for (const selector of ["[data-testid=story-meta]", "[data-testid=story-timeline]", ".outlet-list",
    "[data-testid=story-entities] .chips"]) {
    $(selector, ui.storyView).replaceChildren();
  }
  $("[data-testid=story-more]", ui.storyView).hidden = true;
}

function renderStory(story) {
  const view = ui.storyView;
  $("[data-testid=story-title]", view).textContent = story.headline;
  const [first, last] = [formatTime(story.first_seen), formatTime(story.last_seen)];
  const period = span("", first === last ? first : `${first} – ${last}`);
  period.dataset.testid = "story-span";
  const meta = [period];
  meta.push(
    span("", plural(story.article_count, "article", "articles")),
    span("", plural(story.outlet_count, "outlet", "outlets")),
    span("", languageName(story.language)),
  );
  $("[data-testid=story-meta]", view).replaceChildren(...meta);
  $("[data-testid=story-timeline]", view).replaceChildren(...story.articles.map(timelineItem));
  const more = $("[data-testid=story-more]", view);
  more.hidden = story.articles_total <= story.articles.length;
  more.textContent = `The first ${numberFormat.format(story.articles.length)} of ${numberFormat.format(story.articles_total)} articles.`;
  const outlets = story.outlets.map((outlet) =>
    listItem(span("outlet", outlet.name), span("facet-count", numberFormat.format(outlet.articles))));
  $(".outlet-list", view).replaceChildren(...(outlets.length ? outlets : [listItem(span("muted", "No outlet named."))]));
  const entities = story.top_entities.map((entity) => {
    rememberEntity(entity.id, entity.name, entity.type);
    return listItem(storyEntityLink(entity));
  });
  $("[data-testid=story-entities] .chips", view).replaceChildren(
    ...(entities.length ? entities : [listItem(span("muted", "No named entities."))]));
}

/** One article of the timeline: when, which outlet, its title (opens it), and whether it republishes another. */
function timelineItem(article) {
  const item = document.createElement("li");
  item.className = "timeline-item";
  item.classList.toggle("republication", Boolean(article.near_duplicate_of));
  item.dataset.testid = "timeline-item";
  item.dataset.articleId = article.article_id;
  const date = document.createElement("time");
  date.dataset.testid = "timeline-date";
  date.dateTime = article.dated_at;
  date.textContent = formatTime(article.dated_at);
  date.title = article.published_at ? "published" : "received (no publication date given)";
  const outlet = span(article.outlet ? "outlet" : "outlet unknown", article.outlet ?? "Unknown outlet");
  outlet.dataset.testid = "timeline-outlet";
  const meta = document.createElement("p");
  meta.className = "meta";
  meta.append(date, outlet);
  const link = document.createElement("a");
  link.dataset.testid = "timeline-title";
  link.textContent = article.title;
  link.href = pageUrl({ ...current, article: article.article_id });
  link.addEventListener("click", (event) => followLink(event, article.article_id));
  const title = document.createElement("div");
  title.append(link);
  if (article.near_duplicate_of) {
    const badge = span("badge republication", "republication");
    badge.title = "A near-duplicate of an earlier article of this story";
    title.append(badge);
  }
  item.append(meta, title);
  return item;
}

/** A story's entity as a link to the results filtered by its id. */
function storyEntityLink(entity) {
  const link = document.createElement("a");
  link.dataset.testid = "story-entity";
  link.href = pageUrl({ ...current, entity: withValue(current.entity, entity.id), article: "", story: "" });
  decorateEntityChip(link, entity);
  link.append(span("entity-name", entity.name), span("chip-count", `×${entity.articles}`));
  link.title = `${entity.name}: named in ${plural(entity.articles, "article", "articles")} of this story. Click for articles mentioning it.`;
  link.addEventListener("click", (event) => {
    if (!plainClick(event)) return;
    event.preventDefault();
    addFilter("entity", entity.id);
  });
  return link;
}

// ---------------------------------------------------------------- entity autocomplete

function onEntityInput(event) {
  const value = ui.entityInput.value.trim();
  // Picking a datalist option fires an input event without typed text: take it as the choice.
  const picked = !event.inputType || event.inputType === "insertReplacementText";
  if (picked && suggestions.has(value)) {
    chooseEntity(value);
    return;
  }
  clearTimeout(suggestTimer);
  suggestTimer = setTimeout(() => suggestEntities(value), SUGGEST_DELAY_MS);
}

async function suggestEntities(prefix) {
  suggestController?.abort();
  if (!prefix) {
    fillSuggestions([]);
    return;
  }
  const controller = new AbortController();
  suggestController = controller;
  const params = new URLSearchParams({ prefix, size: String(SUGGESTIONS) });
  try {
    const answer = await getJson(`/entities?${params}`, controller.signal);
    fillSuggestions(answer.entities);
  } catch (err) {
    showError(err);
  }
}

function fillSuggestions(entities) {
  suggestions.clear();
  const options = entities.map((entity) => {
    rememberEntity(entity.id, entity.name, entity.type);
    const type = ENTITY_TYPES.find((t) => t.type === entity.type);
    // Two entities may share a name (Georgia the place, Georgia a person): the second one says its type.
    const text = suggestions.has(entity.name) ? `${entity.name} (${type?.singular ?? entity.type})` : entity.name;
    suggestions.set(text, entity);
    const option = document.createElement("option");
    option.value = text;
    option.label = `${type?.singular ?? entity.type} · ${plural(entity.articles, "article", "articles")}`;
    return option;
  });
  ui.entityOptions.replaceChildren(...options);
}

/** The Add button or Enter: the suggestion matching what was typed (any case), else the first one. */
function onEntitySubmit(event) {
  event.preventDefault();
  const typed = ui.entityInput.value.trim();
  if (!typed) return;
  const lower = typed.toLowerCase();
  const match = [...suggestions.keys()].find((text) => text.toLowerCase() === lower);
  chooseEntity(match ?? suggestions.keys().next().value ?? typed);
}

/** Filter by the suggestion's id; text that matched no suggestion stays a filter by that name. */
function chooseEntity(text) {
  const entity = suggestions.get(text);
  ui.entityInput.value = "";
  fillSuggestions([]);
  addFilter("entity", entity ? entity.id : text);
}

// ---------------------------------------------------------------- saved searches and alerts

/** The filters of a state as /search (and a saved search) takes them; empty ones left out. */
function filtersOf(state) {
  const filters = { entity: state.entity, outlet: state.outlet, language: state.language };
  if (state.q) filters.q = state.q;
  if (state.since) filters.since = state.since;
  if (state.until) filters.until = state.until;
  return filters;
}

/** The page's results for ``filters`` (a saved search's), keeping the current sort and grouping. */
function stateOfFilters(filters) {
  return {
    ...current,
    q: filters.q ?? "",
    entity: filters.entity ?? [],
    outlet: filters.outlet ?? [],
    language: filters.language ?? [],
    since: filters.since ?? "",
    until: filters.until ?? "",
    article: "",
    story: "",
  };
}

/** Filters for people: [{kind, value}], words first, entities by name, as the filter chips show them. */
function describeFilters(filters) {
  const parts = [];
  if (filters.q) parts.push({ kind: "Words", value: filters.q });
  for (const param of LIST_PARAMS) {
    for (const value of filters[param] ?? []) {
      if (param === "entity" && isEntityId(value) && !entityNames.has(value)) askEntityName(value);
      parts.push({ kind: filterKind(param, value), value: displayValue(param, value), param });
    }
  }
  if (filters.entity_type) parts.push({ kind: "Entity type", value: filters.entity_type });
  if (filters.since || filters.until) parts.push({ kind: "Date", value: dateRangeLabel(filters.since, filters.until) });
  return parts;
}

/** What the saved-search and alert modules may ask of the page. */
const pageLinks = {
  currentFilters: () => filtersOf(current),
  describeFilters,
  searchUrl: (filters) => pageUrl(stateOfFilters(filters)),
  showSearch: (filters) => filter(stateOfFilters(filters)),
  articleUrl: (articleId) => pageUrl({ ...current, article: articleId }),
  openArticle: (articleId) => navigate({ article: articleId }),
};

// ---------------------------------------------------------------- wiring

function focusSearchOnSlash(event) {
  if (document.querySelector("dialog[open]")) return; // a dialog has the keyboard
  const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement?.tagName);
  if (event.key === "/" && !typing) {
    event.preventDefault();
    ui.q.focus();
    ui.q.select();
  } else if (event.key === "Escape" && !ui.articleView.hidden && !typing) {
    backToResults();
  } else if (event.key === "Escape" && !ui.storyView.hidden && !typing) {
    backFromStory();
  }
}

ui.searchForm.addEventListener("submit", (event) => {
  event.preventDefault();
  navigate({ q: ui.q.value.trim(), article: "", story: "" });
});
ui.sort.addEventListener("change", () => navigate({ sort: ui.sort.value, article: "", story: "" }));
ui.expand.addEventListener("change", () => navigate({ expand: ui.expand.checked, article: "", story: "" }));
ui.group.addEventListener("change", () => navigate({ group: ui.group.checked, article: "", story: "" }));
ui.loadMore.addEventListener("click", loadMore);
$(".message-retry", ui.message).addEventListener("click", retry);
$("[data-testid=article-back]", ui.articleView).addEventListener("click", backToResults);
$("[data-testid=story-back]", ui.storyView).addEventListener("click", backFromStory);
ui.entityInput.addEventListener("input", onEntityInput);
ui.entityForm.addEventListener("submit", onEntitySubmit);
document.addEventListener("keydown", focusSearchOnSlash);
window.addEventListener("popstate", () => render(readState(location.search)));

render(current);
initSavedSearches(pageLinks);
initAlerts(pageLinks);
