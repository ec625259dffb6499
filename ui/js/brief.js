// The handoff brief: the four answers, the facts from the CRM, the human context; copy it as
// Markdown or save it.

import { call } from './ipc.js';
import { fill, h, sheet, showError, toast } from './dom.js';
import { addToCalendar, copyText, draftBox } from './email.js';

/** Opens the brief of a record; `changed` is told when the welcome email changes here, so the
 * dialog underneath can draw it again. */
export async function open(recordId, changed = () => {}) {
  const dialog = sheet('brief-dialog', 'brief-title');
  let view;
  try {
    view = await call('brief', { id: recordId });
  } catch (e) {
    showError(e);
    return;
  }
  const b = view.brief;
  const a = b.answers;
  fill(dialog,
    h('header', {},
      h('h2', { id: 'brief-title' }, `Brief: ${b.title}`),
      h('button', { type: 'button', class: 'link', 'aria-label': 'Close', onclick: () => dialog.close() }, '×')),
    h('p', { class: 'muted' }, [b.client, b.status ? b.status.replace('_', ' ') : null].filter(Boolean).join(' · ')),
    h('dl', { class: 'answers', id: 'brief-answers' },
      h('dt', {}, 'Who owns the next step'), h('dd', {}, a.who_owns_next_step),
      h('dt', {}, 'What was promised'), h('dd', {}, a.what_was_promised),
      h('dt', {}, 'What the client expects next'), h('dd', {}, a.what_client_expects_next),
      h('dt', {}, 'Which task starts the work'), h('dd', {}, a.which_task_starts_work)),
    b.flags.length ? h('p', { class: 'warn' }, `Exception flags: ${b.flags.join(', ')}`) : null,
    b.missing.length ? h('p', { class: 'warn' }, `Missing: ${b.missing.join(', ')}`) : null,
    h('h3', {}, 'From the CRM'),
    h('table', { class: 'fields' }, h('tbody', {}, b.facts.map((l) => h('tr', {}, h('th', { scope: 'row' }, l.label), h('td', {}, l.value || '—'))))),
    h('h3', {}, 'Judgment'),
    h('table', { class: 'fields' }, h('tbody', {}, b.context.map((l) => h('tr', {}, h('th', { scope: 'row' }, l.label), h('td', {}, l.value || '—'))))),
    view.draft ? draftBox(view.draft, () => { changed(); open(recordId, changed); }, 'brief-draft') : null,
    h('footer', { class: 'row end' },
      view.invite_task ? h('button', { type: 'button', id: 'brief-invite', onclick: () => addToCalendar(view.invite_task) }, 'Add to calendar') : null,
      view.owner ? h('button', { type: 'button', id: 'brief-email', onclick: () => emailOwner(recordId, view.owner) }, `Email to ${view.owner}`) : null,
      h('button', { type: 'button', id: 'brief-slack', onclick: () => copyText(view.slack, 'Brief copied for Slack.', 'Save') }, 'Copy for Slack'),
      h('button', { type: 'button', onclick: () => copyText(view.markdown, 'Brief copied as Markdown.', 'Save') }, 'Copy as Markdown'),
      h('button', { type: 'button', class: 'primary', onclick: () => save(b, view.markdown) }, 'Save…')));
  if (!dialog.open) dialog.showModal();
}

async function save(b, markdown) {
  try {
    const name = `brief-${b.title.replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-|-$/g, '').toLowerCase()}.md`;
    const path = await call('save_text', { suggestedName: name, text: markdown });
    if (path) toast(`Saved ${path}`);
  } catch (e) {
    showError(e);
  }
}

async function emailOwner(recordId, owner) {
  try {
    const path = await call('open_brief_email', { id: recordId });
    toast(`The brief for ${owner} opened in your mail app: ${path}`);
  } catch (e) {
    showError(e);
  }
}
