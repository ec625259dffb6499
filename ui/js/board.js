// The pipeline board: one column per stage; each column a virtual list that fetches a page of
// cards at a time and draws only what is on screen, so 100k records stay smooth and light.

import { call } from './ipc.js';
import { fill, fmtCount, fmtMoney, flagWords, h, showError, statusWords } from './dom.js';
import * as record from './record.js';

const ROW = 68; // px per card, matching .card in app.css
const PAGE = 100;
const GROW = 30; // rows a column makes room for at a time
const state = { kind: 'deal', query: '' };

export async function render(view) {
  // `#board/lead` (the import screen's link) opens the board on that kind.
  const asked = location.hash.split('/')[1];
  if (asked === 'deal' || asked === 'lead') state.kind = asked;
  const columns = await call('board', { kind: state.kind, query: state.query });
  const total = columns.reduce((n, c) => n + c.count, 0);
  const search = h('input', {
    id: 'search', type: 'search', placeholder: 'Search name, company or CRM id  ( / )',
    'aria-label': 'Search records', value: state.query,
    oninput: debounce((e) => { state.query = e.target.value; render(view).then(() => document.getElementById('search')?.focus()); }, 200),
  });
  const kinds = h('div', { class: 'segmented', role: 'group', 'aria-label': 'Record kind' },
    ['deal', 'lead'].map((k) => h('button', {
      type: 'button', 'aria-pressed': String(state.kind === k),
      onclick: () => { state.kind = k; render(view); },
    }, k === 'deal' ? 'Deals' : 'Leads')));
  const head = h('div', { class: 'toolbar' }, h('h1', {}, 'Pipeline'), kinds, search,
    h('span', { class: 'muted' }, `${fmtCount(total)} ${state.kind}${total === 1 ? '' : 's'}${state.query ? ' found' : ''}`));
  if (total === 0 && !state.query) {
    fill(view, head, h('div', { class: 'empty' },
      h('p', {}, `No ${state.kind === 'deal' ? 'deals' : 'leads'} yet.`),
      h('p', {}, 'Drop a CSV exported from HubSpot, Pipedrive, Salesforce, Close or Zoho on this window, or '),
      h('a', { href: '#import', class: 'button primary' }, 'Import a CSV')));
    return;
  }
  // Moving a column (dragged by its header, or by its ‹ › buttons) keeps the new order for
  // this workspace.
  const move = async (i, by) => {
    if (by === 0) return;
    const order = columns.map((c) => c.stage);
    const [stage] = order.splice(i, 1);
    order.splice(i + by, 0, stage);
    try {
      await call('arrange_board', { kind: state.kind, order });
      await render(view);
      document.querySelector(`[data-stage-move="${CSS.escape(stage)}"][data-by="${by}"]`)?.focus();
    } catch (e) { showError(e); }
  };
  const board = h('div', { class: 'board', role: 'region', 'aria-label': 'Pipeline board' },
    columns.map((c, i) => column(c, i > 0 ? () => move(i, -1) : null, i < columns.length - 1 ? () => move(i, 1) : null)));
  board.querySelectorAll('.column > header').forEach((header, i) => draggable(board, header, i, (to) => move(i, to - i)));
  fill(view, head, board);
}

/**
 * Dragging a column by its header: the column follows the pointer and a bar marks where it will
 * land; letting go moves it there, Escape puts it back. Pointer events rather than HTML5 drag
 * and drop, which the desktop shell takes over for dropping files on the window.
 */
function draggable(board, header, from, drop) {
  header.addEventListener('pointerdown', (down) => {
    if (down.button !== 0 || down.target.closest('button')) return;
    const col = header.parentElement;
    const cols = [...board.querySelectorAll('.column')];
    // Where each column stands before the drag moves the dragged one (scrolling aside).
    const scroll0 = board.scrollLeft;
    const rights = cols.map((c) => c.getBoundingClientRect().right);
    let to = from;
    let dragging = false;
    const mark = () => cols.forEach((c, j) => {
      c.classList.toggle('drop-before', dragging && j === to && to < from);
      c.classList.toggle('drop-after', dragging && j === to && to > from);
    });
    const moved = (e) => {
      const dx = e.clientX - down.clientX;
      if (!dragging && Math.abs(dx) < 6) return;
      dragging = true;
      col.classList.add('dragging');
      col.style.transform = `translateX(${dx}px)`;
      // The column takes the place of the column under the pointer.
      const x = e.clientX + board.scrollLeft - scroll0;
      to = rights.findIndex((right) => x < right);
      if (to < 0) to = cols.length - 1;
      mark();
    };
    const end = (commit) => {
      header.removeEventListener('pointermove', moved);
      header.removeEventListener('pointerup', up);
      header.removeEventListener('pointercancel', cancel);
      document.removeEventListener('keydown', escape, true);
      col.classList.remove('dragging');
      col.style.transform = '';
      const target = to;
      dragging = false;
      mark();
      if (commit && target !== from) drop(target);
    };
    const up = () => end(true);
    const cancel = () => end(false);
    const escape = (e) => { if (e.key === 'Escape') { e.stopPropagation(); end(false); } };
    header.setPointerCapture?.(down.pointerId);
    header.addEventListener('pointermove', moved);
    header.addEventListener('pointerup', up);
    header.addEventListener('pointercancel', cancel);
    document.addEventListener('keydown', escape, true);
  });
}

function column(col, left, right) {
  const body = h('div', { class: 'col-body', tabindex: '0', role: 'list', 'aria-label': `${col.stage}: ${col.count} records` });
  const spacer = h('div', { class: 'spacer' });
  // The column makes room for a few screens of cards and grows as the user scrolls near its
  // end: the web view keeps memory in proportion to a scroller's height, and a column sized
  // for 11,000 cards cost it tens of MiB.
  let room = Math.min(col.count, GROW);
  const fit = () => { spacer.style.height = `${room * ROW}px`; };
  fit();
  body.append(spacer);
  const pages = new Map();
  const drawn = new Map();
  const draw = async () => {
    if (room < col.count && body.scrollTop + body.clientHeight >= (room - 10) * ROW) {
      room = Math.min(col.count, room + GROW);
      fit();
    }
    const first = Math.max(0, Math.floor(body.scrollTop / ROW) - 5);
    const last = Math.min(room, Math.ceil((body.scrollTop + body.clientHeight) / ROW) + 5);
    for (const [i, el] of drawn) if (i < first || i >= last) { el.remove(); drawn.delete(i); }
    for (let p = Math.floor(first / PAGE); p * PAGE < last; p++) {
      if (!pages.has(p)) {
        pages.set(p, call('board_page', { kind: state.kind, stage: col.stage, query: state.query, offset: p * PAGE, limit: PAGE }).catch((e) => { showError(e); return []; }));
      }
    }
    for (let i = first; i < last; i++) {
      if (drawn.has(i)) continue;
      const cards = await pages.get(Math.floor(i / PAGE));
      const c = cards[i % PAGE];
      if (!c || drawn.has(i)) continue;
      const el = card(c);
      el.style.transform = `translateY(${i * ROW}px)`;
      drawn.set(i, el);
      spacer.append(el);
    }
  };
  body.addEventListener('scroll', () => requestAnimationFrame(draw));
  requestAnimationFrame(draw);
  const amount = col.amount ? ` · ${fmtMoney(col.amount)}` : '';
  const mover = (by, go, arrow) => h('button', {
    type: 'button', class: 'link col-move', 'aria-label': `Move ${col.stage} ${by < 0 ? 'left' : 'right'}`,
    dataset: { stageMove: col.stage, by: String(by) }, disabled: !go, onclick: go,
  }, arrow);
  return h('section', { class: 'column', 'aria-label': col.stage },
    h('header', {}, h('h2', {}, col.stage),
      h('span', { class: 'muted' }, `${fmtCount(col.count)}${amount}`),
      h('span', { class: 'col-moves' }, mover(-1, left, '‹'), mover(1, right, '›'))),
    body);
}

function card(c) {
  return h('button', {
    type: 'button', class: 'card', role: 'listitem', dataset: { record: String(c.id) },
    onclick: () => record.open(c.id),
  },
  h('span', { class: 'card-name' }, c.name),
  h('span', { class: 'card-meta' },
    [c.company, c.amount !== null ? fmtMoney(c.amount) : null, c.owner].filter(Boolean).join(' · ')),
  h('span', { class: 'card-badges' },
    c.handoff ? h('span', { class: `badge ${c.handoff}` }, statusWords(c.handoff)) : null,
    c.flags.map((f) => h('span', { class: 'badge flag' }, flagWords(f)))));
}

function debounce(f, ms) {
  let t;
  return (...a) => { clearTimeout(t); t = setTimeout(() => f(...a), ms); };
}
