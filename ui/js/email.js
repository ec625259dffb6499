// The welcome email, reviewed: edit subject and body, open it in the mail app as an .eml,
// copy it, mark it sent (the kickoff task's line is ticked and the draft stops changing).

import { call } from './ipc.js';
import { fmtTime, h, showError, toast } from './dom.js';

/** Copies text to the clipboard and says `done`, or says the clipboard is not available and
 * what to use `instead`. */
export async function copyText(text, done, instead) {
  try {
    await navigator.clipboard.writeText(text);
    toast(done);
  } catch {
    toast(`The clipboard is not available here; use ${instead} instead.`, 'error');
  }
}

/** Saves the kickoff invite of `task` where the person chooses, to add to their calendar. */
export async function addToCalendar(task) {
  try {
    const path = await call('save_invite', { task });
    if (path) toast(`Kickoff invite saved: ${path}. Open it to add it to your calendar.`);
  } catch (e) {
    showError(e);
  }
}

/** The draft's section of a dialog (the record's, `id` "draft", or the brief's); `redraw`
 * draws the dialog again after a change. */
export function draftBox(d, redraw, id = 'draft') {
  const head = h('h3', {}, 'Welcome email');
  const to = h('p', { class: 'muted' }, d.recipient ? `To ${d.recipient} (the CRM's contact)` : 'No contact email in the CRM: your mail app will ask for the recipient.');
  if (d.status === 'sent') {
    return h('section', { class: 'draft sent', id, 'aria-label': 'Welcome email' }, head,
      h('p', { id: `${id}-status` }, `Sent by ${d.sent_by || 'someone'} · ${fmtTime(d.sent_at)}`), to,
      h('p', { class: 'draft-subject' }, h('strong', {}, d.subject)),
      h('pre', { class: 'draft-body' }, d.body));
  }
  const subject = h('input', { id: `${id}-subject`, 'aria-label': 'Subject', value: d.subject });
  const body = h('textarea', { id: `${id}-body`, 'aria-label': 'Body', rows: 9 });
  body.value = d.body;
  const saved = h('span', { class: 'muted', id: `${id}-saved`, 'aria-live': 'polite' });
  let current = { subject: d.subject, body: d.body };
  // Edits are kept as they are typed (on leaving a field, and before any action), one save at a
  // time: leaving the subject for the body starts a save while the next may follow at once, and
  // an answer that came back late must not put back a part edited meanwhile.
  let saving = Promise.resolve(true);
  const save = () => {
    saving = saving.then(saveNow, saveNow);
    return saving;
  };
  const saveNow = async () => {
    if (subject.value === current.subject && body.value === current.body) return true;
    // A subject being retyped is no error yet: say it here, save once there is one.
    if (!subject.value.trim()) {
      saved.textContent = 'The email needs a subject before it is saved.';
      return false;
    }
    // Only what was edited here is sent: a teammate's edit of the other part stays, and shows.
    const edited = {
      subject: subject.value === current.subject ? null : subject.value,
      body: body.value === current.body ? null : body.value,
    };
    try {
      const after = await call('edit_draft', { id: d.id, ...edited });
      if (edited.subject === null && subject.value === current.subject) subject.value = after.subject;
      if (edited.body === null && body.value === current.body) body.value = after.body;
      current = { subject: after.subject, body: after.body };
      saved.textContent = 'Saved';
      return true;
    } catch (e) { showError(e); return false; }
  };
  subject.addEventListener('change', save);
  body.addEventListener('change', save);
  const openInMail = async () => {
    if (!(await save())) return;
    try {
      const path = await call('open_draft', { id: d.id });
      toast(`Opened in your mail app: ${path}`);
    } catch (e) { showError(e); }
  };
  const markSent = async () => {
    if (!(await save())) return;
    try {
      await call('mark_draft_sent', { id: d.id });
      toast('Marked as sent: the kickoff task\'s "Send the welcome email" is ticked.');
      redraw();
    } catch (e) { showError(e); }
  };
  return h('section', { class: 'draft', id, 'aria-label': 'Welcome email' }, head, to,
    h('label', { class: 'field' }, 'Subject', subject),
    h('label', { class: 'field' }, 'Body', body),
    h('div', { class: 'row' },
      h('button', { type: 'button', class: 'primary', id: `${id}-open`, onclick: openInMail }, 'Open in mail app'),
      h('button', { type: 'button', id: `${id}-copy`, onclick: async () => { await save(); copyText(`${subject.value}\n\n${body.value}`, 'Email copied.', 'Open in mail app'); } }, 'Copy'),
      h('button', { type: 'button', id: `${id}-sent`, onclick: markSent }, 'Mark as sent'),
      saved));
}
