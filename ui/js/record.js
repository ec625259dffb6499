// Record detail: stage, handoff, exception flags, fields, tasks, stage history and audit trail.

import { call } from './ipc.js';
import { fill, fmtDay, fmtTime, h, sheet, showError, statusWords, toast } from './dom.js';
import * as wizard from './wizard.js';
import * as brief from './brief.js';
import { draftBox } from './email.js';
import { vocab } from './vocab.js';

function ensureDialog() {
  return sheet('record-dialog', 'record-title');
}

/** Opens a record; re-opening redraws it. */
export async function open(id) {
  const d = ensureDialog();
  try {
    const detail = await call('record_detail', { id });
    const stages = await call('known_stages', { kind: detail.record.kind });
    draw(d, detail, stages);
    if (!d.open) d.showModal();
  } catch (e) {
    showError(e);
  }
}

function draw(d, detail, stages) {
  const r = detail.record;
  const latest = detail.handoffs[detail.handoffs.length - 1];
  const stageSelect = h('select', { id: 'stage-select', 'aria-label': 'Stage' },
    stages.map((s) => h('option', { value: s, selected: s === r.stage }, s)));
  const move = h('button', { type: 'button', class: 'primary', id: 'move-stage', onclick: () => moveTo(r, stageSelect.value) }, 'Move');
  fill(d,
    h('header', {},
      h('h2', { id: 'record-title' }, r.name),
      h('button', { type: 'button', class: 'link', 'aria-label': 'Close', onclick: () => d.close() }, '×')),
    h('p', { class: 'muted' }, [r.kind === 'deal' ? 'Deal' : 'Lead', r.external_id ? `CRM id ${r.external_id}` : null, r.owner ? `owned by ${r.owner}` : null].filter(Boolean).join(' · ')),
    h('div', { class: 'row' }, h('label', { for: 'stage-select' }, 'Stage'), stageSelect, move),
    latest ? handoffBox(r, latest) : h('p', { class: 'muted' }, 'No handoff yet: one starts when the record enters a playbook\'s trigger stage.'),
    detail.draft ? draftBox(detail.draft, () => open(r.id)) : null,
    h('fieldset', { class: 'flags' }, h('legend', {}, 'Exception flags (route the handoff to review)'),
      vocab.flags.map(({ key, words }) => h('label', {},
        h('input', { type: 'checkbox', checked: r.flags.includes(key), dataset: { flag: key },
          onchange: (e) => setFlag(r, key, e.target.checked) }), ` ${words}`))),
    h('h3', {}, 'Fields'),
    fieldsTable(r),
    detail.tasks.length ? [h('h3', {}, 'Tasks'), h('ul', { class: 'plain' }, detail.tasks.map((t) =>
      h('li', {}, `${t.title} — ${t.assignee || 'unassigned'}${t.due ? `, due ${fmtDay(t.due)}` : ''} (${t.status})`)))] : null,
    h('details', {}, h('summary', {}, `Stage history (${detail.history.length})`),
      h('ol', { class: 'plain' }, detail.history.map((s) => h('li', {}, `${fmtTime(s.at)}: ${s.from_stage || '—'} → ${s.to_stage} (${s.origin})`)))),
    h('details', {}, h('summary', {}, `Audit trail (${detail.events.length})`),
      h('ol', { class: 'plain' }, detail.events.map((e) => h('li', {}, `${fmtTime(e.at)} ${e.actor}: ${e.message}`)))));
}

function handoffBox(r, hd) {
  const actions = [];
  if (hd.status === 'paused' || hd.status === 'sent_back' || hd.status === 'escalated') {
    actions.push(h('button', { type: 'button', class: 'primary', id: 'open-wizard', onclick: () => wizard.open(hd.id, () => open(r.id)) }, 'Complete the checklist'));
  }
  actions.push(h('button', { type: 'button', id: 'open-brief', onclick: () => brief.open(r.id, () => open(r.id)) }, 'Brief'));
  return h('section', { class: `handoff ${hd.status}`, 'aria-label': 'Handoff' },
    h('p', {}, h('strong', {}, statusWords(hd.status)), hd.to_owner ? ` · next owner ${hd.to_owner}` : ''),
    hd.missing_labels.length ? h('p', {}, `Missing: ${hd.missing_labels.join(', ')}`) : null,
    hd.note ? h('p', { class: 'muted' }, `Note: ${hd.note}`) : null,
    h('div', { class: 'row' }, actions),
    sendBackBox(r, hd));
}

// The receiving side returns a handoff that came without the context it needs: a deal's new
// owner escalates it, sales sends a lead back to marketing. Both need a reason.
function sendBackBox(r, hd) {
  const deal = r.kind === 'deal' && ['handed_off', 'kickoff_scheduled', 'accepted'].includes(hd.status);
  const lead = r.kind === 'lead' && hd.status === 'handed_off';
  if (!deal && !lead) return null;
  const [id, label, done] = deal
    ? ['escalate-handoff', 'Escalate: context missing', 'Escalated: the checklist goes back to the seller.']
    : ['reject-handoff', 'Send back to marketing', 'Sent back to marketing.'];
  const args = () => ({ handoff: hd.id, reason: reason.value });
  const reason = h('input', { id: 'return-reason', 'aria-label': 'What is missing', placeholder: 'What is missing' });
  return h('form', { class: 'row', id: 'return-handoff', onsubmit: async (ev) => {
    ev.preventDefault();
    if (!reason.value.trim()) { toast('Say what is missing, so they know what to add.', 'error'); return; }
    try {
      await (deal ? call('escalate', args()) : call('reject', args()));
      toast(done);
      open(r.id);
    } catch (e) { showError(e); }
  } }, reason, h('button', { type: 'submit', id }, label));
}

function fieldsTable(r) {
  const rows = Object.entries(r.fields);
  const key = h('input', { 'aria-label': 'Field', placeholder: 'field, e.g. signed_scope' });
  const value = h('input', { 'aria-label': 'Value', placeholder: 'value' });
  return [
    rows.length ? h('table', { class: 'fields' }, h('tbody', {}, rows.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, v))))) : h('p', { class: 'muted' }, 'No fields yet.'),
    h('form', { class: 'row', onsubmit: async (e) => {
      e.preventDefault();
      try {
        await call('set_fields', { id: r.id, fields: [[key.value.trim(), value.value]] });
        open(r.id);
      } catch (err) { showError(err); }
    } }, key, value, h('button', { type: 'submit' }, 'Set field')),
  ];
}

async function moveTo(r, stage) {
  try {
    const fx = await call('move_record', { id: r.id, stage });
    const detail = await call('record_detail', { id: r.id });
    const latest = detail.handoffs[detail.handoffs.length - 1];
    if (fx.paused && latest && latest.status === 'paused') {
      // A trigger stage with fields missing: the wizard asks for them right away.
      wizard.open(latest.id, () => open(r.id));
    } else {
      if (fx.handed_off) toast(`Handed off${latest?.to_owner ? ` to ${latest.to_owner}` : ''}.`);
      if (fx.in_review) toast('Flagged: sent to review instead of onboarding.');
      open(r.id);
    }
  } catch (e) {
    showError(e);
  }
}

async function setFlag(r, key, on) {
  try {
    const fx = await call('set_flag', { id: r.id, flag: key, on });
    if (fx.in_review) toast('Flagged: the handoff went to review.');
    open(r.id);
  } catch (e) {
    showError(e);
  }
}
