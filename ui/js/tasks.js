// My tasks, overdue first: tick checklist items, set the kickoff date, mark done.

import { call } from './ipc.js';
import { fill, fmtDay, h, showError, toast, today } from './dom.js';
import { app } from './main.js';
import * as record from './record.js';
import { addToCalendar } from './email.js';
import { words } from './vocab.js';


export async function render(view) {
  if (!app.me) {
    fill(view, h('h1', {}, 'My tasks'), h('div', { class: 'empty' }, h('p', {}, 'Baton does not know who you are yet.'), h('a', { href: '#settings', class: 'button primary' }, 'Tell it in Settings')));
    return;
  }
  const list = await call('tasks', { assignee: 'me', open: true });
  const now = today();
  list.sort((a, b) => (a.due || '9999').localeCompare(b.due || '9999'));
  fill(view,
    h('div', { class: 'toolbar' }, h('h1', {}, 'My tasks'), h('span', { class: 'muted' }, `${list.length} open`)),
    list.length === 0
      ? h('div', { class: 'empty' }, h('p', {}, 'Nothing on your plate. New kickoff and review tasks land here, with a desktop notification.'))
      : h('ul', { class: 'tasks', id: 'my-tasks' }, list.map((t) => task(t, now))));
}

function task(t, now) {
  const overdue = t.due && t.due < now;
  const date = h('input', { type: 'date', 'aria-label': 'Kickoff date', value: t.kickoff_date || '' });
  return h('li', { class: `task ${overdue ? 'overdue' : ''}`, dataset: { task: String(t.id) } },
    h('div', { class: 'row' },
      h('span', { class: 'badge' }, words('task_kinds', t.kind)),
      h('strong', {}, t.title),
      h('span', { class: overdue ? 'warn' : 'muted' }, t.due ? `${overdue ? 'Overdue since' : 'Due'} ${fmtDay(t.due)}` : '')),
    t.checklist.length ? h('ul', { class: 'checklist' }, t.checklist.map((c, i) => h('li', {},
      h('label', {}, h('input', { type: 'checkbox', checked: c.done, onchange: (e) => check(t, i + 1, e.target.checked) }), ` ${c.item}`),
      // The welcome email line leads to the draft to review and send.
      !c.done && /welcome email/i.test(c.item) ? [' ', h('button', { type: 'button', class: 'link', dataset: { reviewEmail: String(t.id) }, onclick: () => record.open(t.record_id) }, 'Review the email')] : null))) : null,
    h('div', { class: 'row' },
      h('button', { type: 'button', onclick: () => record.open(t.record_id) }, 'Open record'),
      // The invite proposes the due date until the kickoff is scheduled here.
      t.kind === 'kickoff' ? [h('button', { type: 'button', dataset: { invite: String(t.id) }, onclick: () => addToCalendar(t.id) }, 'Add to calendar'), h('label', {}, 'Kickoff on ', date)] : null,
      h('button', { type: 'button', class: 'primary', onclick: () => done(t, date.value) }, t.kind === 'kickoff' ? 'Schedule kickoff and close' : 'Done')));
}

async function check(t, item, on) {
  try { await call('check_item', { task: t.id, item, done: on }); } catch (e) { showError(e); }
}

async function done(t, kickoffDate) {
  try {
    await call('complete_task', { task: t.id, kickoffDate: kickoffDate || null });
    toast(t.kind === 'kickoff' ? 'Kickoff scheduled.' : 'Done.');
  } catch (e) { showError(e); }
}
