// Import: drop a CSV or pick one; preview the detected CRM and the column mapping (editable);
// import with a progress bar; see the counts and per-row errors; undo the last import.

import { call, on } from './ipc.js';
import { fill, fmtCount, fmtTime, h, showError, toast } from './dom.js';
import { vocab } from './vocab.js';

let queued = null;

/** A dropped file waits here until the import screen is drawn. */
export function queue(path) {
  queued = path;
}

export async function render(view, opts = { fresh: true }) {
  const history = await call('imports');
  const box = document.getElementById('import-history-box');
  if (!opts.fresh && box) {
    // A change elsewhere (this import finishing) refreshes the history, not the panel.
    fill(box, historyTable(history));
    return;
  }
  fill(view,
    h('div', { class: 'toolbar' }, h('h1', {}, 'Import')),
    h('div', { class: 'dropzone', id: 'dropzone' },
      h('p', {}, 'Drop a CSV exported from HubSpot, Pipedrive, Salesforce, Close or Zoho anywhere on this window.'),
      h('button', { type: 'button', class: 'primary', onclick: pick }, 'Choose a file…')),
    h('section', { id: 'import-panel', 'aria-live': 'polite' }),
    h('h2', {}, 'Past imports'),
    h('div', { id: 'import-history-box' }, historyTable(history)));
  if (queued) {
    const path = queued;
    queued = null;
    await open(view, path);
  }
}

function historyTable(history) {
  if (history.length === 0) return h('p', { class: 'muted' }, 'None yet.');
  return h('table', { class: 'list', id: 'import-history' },
    h('thead', {}, h('tr', {}, ['When', 'File', 'CRM', 'Rows', 'New', 'Updated', 'Unchanged', 'Skipped', ''].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, history.map((i, n) => h('tr', {},
      h('td', {}, fmtTime(i.at)), h('td', {}, i.file), h('td', {}, i.source), h('td', {}, fmtCount(i.rows)),
      h('td', {}, fmtCount(i.inserted)), h('td', {}, fmtCount(i.updated)), h('td', {}, fmtCount(i.unchanged)), h('td', {}, fmtCount(i.rejected)),
      h('td', {}, i.undone_at ? `undone ${fmtTime(i.undone_at)}` : n === firstLive(history) ? h('button', { type: 'button', onclick: () => undo(i) }, 'Undo') : '')))));
}

function firstLive(history) {
  return history.findIndex((i) => !i.undone_at);
}

async function pick() {
  try {
    const path = await call('pick_csv');
    if (path) open(document.getElementById('view'), path);
  } catch (e) { showError(e); }
}

/** Shows the preview of `path` with its mapping, ready to import. */
export async function open(view, path, choice = {}) {
  if (!document.getElementById('import-panel')) await render(view, { fresh: true });
  const panel = document.getElementById('import-panel');
  let p;
  try {
    p = await call('preview_import', { path, choice });
  } catch (e) {
    fill(panel, h('p', { class: 'error', role: 'alert' }, e.message));
    return;
  }
  const maps = new Map(Object.entries(p.mapping));
  const source = h('select', { id: 'import-source', 'aria-label': 'CRM' }, vocab.sources.map((s) => h('option', { value: s.key, selected: s.key === p.source }, s.words)));
  source.addEventListener('change', () => open(view, path, { ...choice, source: source.value }));
  const skip = h('input', { type: 'checkbox', id: 'skip-bad' });
  const rows = p.rows;
  fill(panel,
    h('h2', {}, path.split(/[\\/]/).pop()),
    h('p', { id: 'import-detected' }, `Detected ${p.source} (${Math.round(p.confidence * 100)}% sure), ${p.kind}s, ${p.encoding}, delimiter "${p.delimiter === '\t' ? 'tab' : p.delimiter}"`,
      p.mapping_reused ? ' — using the mapping you chose last time for these columns' : ''),
    p.warnings.map((w) => h('p', { class: 'warn', role: 'alert' }, w)),
    h('div', { class: 'row' }, h('label', { for: 'import-source' }, 'CRM'), source),
    h('table', { class: 'list mapping' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Column'), h('th', { scope: 'col' }, 'Baton field'), rows.slice(0, 3).map((_, i) => h('th', { scope: 'col' }, `Row ${i + 1}`)))),
      h('tbody', {}, p.headers.map((header) => {
        const select = h('select', { 'aria-label': `Field for ${header}` },
          h('option', { value: '' }, '(keep as custom field)'),
          h('option', { value: '-' }, '(ignore)'),
          vocab.import_keys.map((k) => h('option', { value: k.key, selected: maps.get(header) === k.key }, k.words)));
        select.addEventListener('change', () => maps.set(header, select.value || null));
        return h('tr', {}, h('th', { scope: 'row' }, header), h('td', {}, select), rows.slice(0, 3).map((r) => h('td', {}, (r[header] || '').split('\n')[0])));
      }))),
    h('div', { class: 'row' },
      h('label', {}, skip, ' Skip bad rows and import the rest'),
      h('button', { type: 'button', class: 'primary', id: 'import-start', onclick: () => run(view, path, { ...choice, source: source.value }, p, maps, skip.checked) }, 'Import')));
}

async function run(view, path, choice, preview, maps, skipBad) {
  const panel = document.getElementById('import-panel');
  const changed = [...maps].filter(([header, key]) => (preview.mapping[header] || null) !== (key || null)).map(([header, key]) => [header, key || '-']);
  const bar = h('progress', { id: 'import-progress', max: '1', value: '0', 'aria-label': 'Import progress' });
  const label = h('span', { id: 'import-progress-label' }, 'Starting…');
  fill(panel, h('h2', {}, 'Importing…'), bar, ' ', label);
  const stop = on('import-progress', (pr) => {
    bar.max = pr.total_bytes || 1;
    bar.value = pr.bytes;
    label.textContent = `${fmtCount(pr.rows)} rows read`;
  });
  try {
    const r = await call('import_csv', { path, choice: { ...choice, maps: changed, skip_bad_rows: skipBad } });
    bar.value = bar.max;
    const hd = r.handoffs;
    fill(panel,
      h('h2', {}, 'Imported'),
      h('p', { id: 'import-result' }, `${fmtCount(r.rows)} rows: ${fmtCount(r.inserted)} new, ${fmtCount(r.updated)} updated, ${fmtCount(r.unchanged)} unchanged, ${fmtCount(r.rejected)} skipped.`),
      h('p', {}, `Handoffs: ${hd.fired} fired, ${hd.paused} paused, ${hd.handed_off} handed off, ${hd.in_review} in review, ${hd.resumed} resumed, ${hd.cancelled} cancelled.`),
      r.errors.length ? h('ul', { class: 'errors' }, r.errors.map((e) => h('li', {}, `Row ${e.row} (line ${e.line})${e.column ? `, "${e.column}"` : ''}: ${e.message}`))) : null,
      h('div', { class: 'row' }, h('a', { href: `#board/${r.kind}`, class: 'button primary', id: 'import-see-board' }, 'See them on the board'), h('button', { type: 'button', onclick: () => undo({ id: r.import_id }) }, 'Undo this import')));
  } catch (e) {
    fill(panel, h('p', { class: 'error', role: 'alert' }, e.message), h('p', { class: 'muted' }, 'Nothing was imported; the workspace is as it was.'));
  } finally {
    stop();
  }
}

async function undo(i) {
  try {
    const r = await call('undo_import', { id: i.id });
    toast(`Import ${r.import_id} undone: ${r.removed} records removed, ${r.restored} restored.`);
    render(document.getElementById('view'), { fresh: true });
  } catch (e) { showError(e); }
}
