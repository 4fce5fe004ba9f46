// Small DOM and formatting helpers shared by the page's modules. Text always goes in through
// textContent: nothing here inserts HTML.

export const $ = (selector, root = document) => root.querySelector(selector);

export const numberFormat = new Intl.NumberFormat();
const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
const languageNames = makeLanguageNames();

export function button(text, testid, onClick) {
  const element = document.createElement("button");
  element.type = "button";
  element.textContent = text;
  element.dataset.testid = testid;
  element.addEventListener("click", onClick);
  return element;
}

export function span(className, text) {
  const element = document.createElement("span");
  if (className) element.className = className;
  element.textContent = text;
  return element;
}

export function listItem(...children) {
  const item = document.createElement("li");
  item.append(...children);
  return item;
}

export function plural(count, one, many) {
  return `${numberFormat.format(count)} ${count === 1 ? one : many}`;
}

/** A left click without modifier keys (the others open a new tab or window: leave them to the browser). */
export function plainClick(event) {
  return !(event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey);
}

export function formatDay(iso) {
  return formatWith(dayFormat, iso);
}

export function formatTime(iso) {
  return formatWith(timeFormat, iso);
}

/** A date for people; a value that is no date (e.g. typed into the URL) is shown as it is. */
function formatWith(format, iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : format.format(date);
}

function makeLanguageNames() {
  try {
    return new Intl.DisplayNames(undefined, { type: "language" });
  } catch {
    return null; // very old browsers: show the code
  }
}

export function languageName(code) {
  try {
    return languageNames?.of(code) ?? code;
  } catch {
    return code; // not a valid language tag
  }
}
