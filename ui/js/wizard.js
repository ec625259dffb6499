// The Closed Won checklist wizard: one step per group of missing fields, then the questions
// only a person can answer, then a review of the brief and the task handing off creates.

import { call } from './ipc.js';
import { fill, fmtDay, h, sheet, showError, toast } from './dom.js';

/** Opens the wizard for a handoff; `done` runs after it closes. */
export async function open(handoffId, done = () => {}) {
  const dialog = sheet('wizard', 'wizard-title', true);
  let w;
  try {
    w = await call('wizard', { handoff: handoffId });
  } catch (e) {
    showError(e);
    return;
  }
  const values = {};
  for (const s of w.steps) for (const f of s.fields) values[f.key] = f.value || '';
  const context = Object.fromEntries(w.context.map((q) => [q.key, q.value]));
  // What the wizard opened with: saving sends only what the person changed, so what a teammate
  // filled in meanwhile stays.
  const shown = { values: { ...values }, context: { ...context } };
  const changed = (now, was) => Object.entries(now).filter(([k, v]) => v !== was[k]);
  const pages = [...w.steps.map((s) => ({ kind: 'fields', step: s })), { kind: 'context' }, { kind: 'review' }];
  let at = 0;
  const onClose = () => { dialog.removeEventListener('close', onClose); done(); };
  dialog.addEventListener('close', onClose);

  const missingNow = () => w.steps.flatMap((s) => s.fields).filter((f) => !values[f.key].trim());

  const draw = async () => {
    const page = pages[at];
    let body;
    if (page.kind === 'fields') body = fieldsPage(page.step, values);
    else if (page.kind === 'context') body = contextPage(w, context);
    else {
      try {
        const typed = Object.entries(values).filter(([, v]) => v.trim());
        body = reviewPage(await call('wizard_review', { handoff: w.handoff.id, fields: typed, context }), missingNow());
      } catch (e) {
        showError(e);
        at--;
        return;
      }
    }
    const back = h('button', { type: 'button', id: 'wizard-back', 'data-reads': true, disabled: at === 0, onclick: () => { at--; draw(); } }, 'Back');
    const next = page.kind !== 'review'
      ? h('button', { type: 'button', class: 'primary', 'data-reads': true, id: 'wizard-next', onclick: () => { at++; draw(); } }, 'Next')
      : null;
    const finish = page.kind === 'review' ? [
      h('button', { type: 'button', id: 'wizard-pause', disabled: missingNow().length === 0, onclick: () => save(false) }, 'Save as paused'),
      h('button', { type: 'button', class: 'primary', id: 'wizard-hand-off', disabled: missingNow().length > 0, onclick: () => save(true) }, 'Hand off'),
    ] : [];
    fill(dialog,
      h('header', {},
        h('h2', { id: 'wizard-title' }, `Hand off ${w.record.name}`),
        h('button', { type: 'button', class: 'link', 'data-reads': true, 'aria-label': 'Close', onclick: () => dialog.close() }, '×')),
      h('ol', { class: 'steps', 'aria-label': 'Steps' }, pages.map((p, i) => h('li', { 'aria-current': i === at ? 'step' : null },
        p.kind === 'fields' ? p.step.title : p.kind === 'context' ? 'Your judgment' : 'Review'))),
      h('div', { class: 'wizard-body' }, body),
      h('footer', { class: 'row end' }, back, next, finish));
    dialog.querySelector('input, textarea, button.primary')?.focus();
  };

  // One call saves everything or nothing: on an error the dialog stays open with every answer.
  const save = async (handOff) => {
    try {
      const typed = changed(values, shown.values).filter(([, v]) => v.trim());
      const answers = Object.fromEntries(changed(context, shown.context));
      const saved = await call('wizard_save', { handoff: w.handoff.id, fields: typed, context: answers });
      dialog.close();
      const t = saved.task;
      if (saved.meanwhile) toast(`${saved.meanwhile}. Your answers were saved with it.`, 'error');
      else if (handOff && saved.handoff.status === 'in_review') toast('An exception flag sent this handoff to review instead of onboarding.');
      else if (handOff && t) toast(`Handed off to ${t.assignee || 'nobody'}: "${t.title}" due ${fmtDay(t.due)}.`);
      else toast('Saved; the handoff stays paused until the rest is filled.');
    } catch (e) {
      showError(e);
    }
  };

  draw();
  if (!dialog.open) dialog.showModal();
}

function fieldsPage(step, values) {
  return [
    h('p', { class: 'muted' }, 'Delivery needs these before work changes hands.'),
    step.fields.map((f) => {
      const id = `wf-${f.key}`;
      const input = f.input === 'date'
        ? h('input', { id, type: 'date', value: values[f.key], oninput: (e) => { values[f.key] = e.target.value; } })
        : h('textarea', { id, rows: '2', value: values[f.key], oninput: (e) => { values[f.key] = e.target.value; } });
      return h('div', { class: 'field' }, h('label', { for: id }, f.label, f.missing ? h('span', { class: 'req' }, ' (missing)') : ''), input);
    }),
  ];
}

function contextPage(w, context) {
  return [
    h('p', { class: 'muted' }, 'The CRM cannot answer these; a sentence each is enough.'),
    w.context.map((q) => {
      const id = `wc-${q.key}`;
      return h('div', { class: 'field' }, h('label', { for: id }, q.question),
        h('textarea', { id, rows: '2', value: context[q.key], oninput: (e) => { context[q.key] = e.target.value; } }));
    }),
  ];
}

function reviewPage(review, missing) {
  const a = review.brief.answers;
  const t = review.first_task;
  return [
    missing.length
      ? h('p', { class: 'warn', role: 'status' }, `Still missing: ${missing.map((f) => f.label).join(', ')}. Save as paused, or go back and fill them to hand off.`)
      : h('p', { class: 'ok', role: 'status' }, 'Every required field is filled.'),
    h('h3', {}, 'The brief'),
    h('dl', { class: 'answers' },
      h('dt', {}, 'Who owns the next step'), h('dd', { id: 'answer-who' }, a.who_owns_next_step),
      h('dt', {}, 'What was promised'), h('dd', { id: 'answer-promised' }, a.what_was_promised),
      h('dt', {}, 'What the client expects next'), h('dd', { id: 'answer-expects' }, a.what_client_expects_next),
      h('dt', {}, 'Which task starts the work'), h('dd', { id: 'answer-task' }, `${t.title} (due ${fmtDay(t.due)})`)),
    h('h3', {}, 'What handing off creates'),
    h('ul', { class: 'plain' },
      h('li', {}, `${t.kind === 'follow_up' ? 'Follow-up' : 'Kickoff'} task "${t.title}" for ${t.assignee || 'nobody'} (${t.reason}), due ${fmtDay(t.due)}`),
      h('li', {}, `Checklist: ${t.checklist.join('; ')}`),
      h('li', {}, 'The brief linked to the task, a welcome email drafted for review, and a notification to the new owner')),
  ];
}
