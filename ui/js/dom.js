// Building the page from data: createElement and textContent only, never HTML strings.

/**
 * h('button', {class: 'primary', dataset: {action: 'save'}, onclick}, 'Save')
 * Strings and numbers become text nodes; null/false children are skipped.
 */
import { words } from './vocab.js';

export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'text') el.textContent = value;
    else if (key === 'value') el.value = value;
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const money = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const timeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const count = new Intl.NumberFormat();

/** An amount, as the user's locale writes numbers. */
export function fmtMoney(n, currency) {
  if (n === null || n === undefined || Number.isNaN(Number(n))) return '';
  if (currency) {
    try {
      return new Intl.NumberFormat(undefined, { style: 'currency', currency, maximumFractionDigits: 0 }).format(n);
    } catch { /* an unknown currency code falls through */ }
  }
  return money.format(n);
}

/** A YYYY-MM-DD day in the user's locale. */
export function fmtDay(day) {
  if (!day) return '';
  const [y, m, d] = day.slice(0, 10).split('-').map(Number);
  return dateFmt.format(new Date(y, m - 1, d));
}

/** An RFC 3339 instant in the user's locale. */
export function fmtTime(stamp) {
  return stamp ? timeFmt.format(new Date(stamp)) : '';
}

/** A count. */
export function fmtCount(n) {
  return count.format(n);
}

/** Today as YYYY-MM-DD in local time. */
export function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** A handoff status in words. */
export function statusWords(s) {
  return words('statuses', s);
}

/** An exception flag in words. */
export function flagWords(key) {
  return words('flags', key);
}

/** The sheet dialog `id`, titled by the element `titleId`: made the first time it is asked for,
 * the same element after that. */
export function sheet(id, titleId, wide = false) {
  let dialog = document.getElementById(id);
  if (!dialog) {
    dialog = h('dialog', { id, class: wide ? 'sheet wide' : 'sheet', 'aria-labelledby': titleId });
    document.body.append(dialog);
  }
  return dialog;
}

/** A short-lived message in the live region; errors stay until dismissed. */
export function toast(message, kind = 'info') {
  const region = document.getElementById('toasts');
  const close = h('button', { class: 'link', 'aria-label': 'Dismiss', onclick: () => item.remove() }, '×');
  const item = h('div', { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, h('span', {}, message), close);
  region.append(item);
  // Errors stay until dismissed; a wait stays until what it waits for is over.
  if (kind === 'info') setTimeout(() => item.remove(), 5000);
  return item;
}

/** Shows a command's error as one sentence. */
export function showError(e) {
  toast(e && e.message ? e.message : String(e), 'error');
}
