// Every handoff by status: what is paused, in review, handed off, scheduled; and where they stand
// written back for the CRM the deals came from.

import { call } from './ipc.js';
import { fill, fmtTime, h, showError, statusWords, toast } from './dom.js';
import * as record from './record.js';
import * as wizard from './wizard.js';
import { vocab } from './vocab.js';

let status = 'paused';

export async function render(view) {
  const [list, crms] = await Promise.all([call('handoffs', { status }), call('writeback_crms')]);
  const tabs = h('div', { class: 'segmented', role: 'group', 'aria-label': 'Status' }, vocab.statuses.map(({ key: s }) =>
    h('button', { type: 'button', 'aria-pressed': String(s === status), onclick: () => { status = s; render(view); } }, statusWords(s))));
  fill(view,
    h('div', { class: 'toolbar' }, h('h1', {}, 'Handoffs'), tabs,
      crms.map((c) => h('button', { type: 'button', id: `export-${c.key}`, onclick: () => exportUpdates(c) }, `Export updates for ${c.words}`))),
    list.length === 0 ? h('p', { class: 'empty' }, `No handoff is ${statusWords(status).toLowerCase()}.`)
      : h('table', { class: 'list' },
        h('thead', {}, h('tr', {}, ['Record', 'Playbook', 'From', 'To', 'Since', 'Missing', ''].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, list.map((hd) => h('tr', {},
          h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => record.open(hd.record_id) }, hd.record_name)),
          h('td', {}, hd.playbook), h('td', {}, hd.from_owner || ''), h('td', {}, hd.to_owner || ''),
          h('td', {}, fmtTime(hd.triggered_at)), h('td', {}, hd.missing_labels.join(', ')),
          h('td', {}, hd.status === 'paused' ? h('button', { type: 'button', 'data-complete': hd.id, onclick: () => wizard.open(hd.id, () => render(view)) }, 'Complete') : ''))))));
}

/** Saves where each deal's handoff stands as the CRM's own update import file, tasks beside it. */
async function exportUpdates(crm) {
  try {
    const saved = await call('save_writeback', { crm: crm.key });
    if (!saved) return;
    const n = (count, one) => `${count} ${one}${count === 1 ? '' : 's'}`;
    toast(`Saved ${n(saved.deals, 'deal')} to ${saved.file} and ${n(saved.tasks, 'task')} to ${saved.tasks_file}. `
      + `Import the first into ${crm.words} as an update of existing deals, the second as tasks.`);
  } catch (e) {
    showError(e);
  }
}
