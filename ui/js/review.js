// The review queue: handoffs an exception flag routed to a person. Approve hands off; send
// back returns it to the seller with a reason.

import { call } from './ipc.js';
import { fill, fmtTime, h, showError, toast } from './dom.js';
import * as record from './record.js';
import * as brief from './brief.js';

export async function render(view) {
  const list = await call('review_queue');
  fill(view,
    h('div', { class: 'toolbar' }, h('h1', {}, 'Review'), h('span', { class: 'muted' }, `${list.length} waiting`)),
    list.length === 0
      ? h('div', { class: 'empty' }, h('p', {}, 'No handoff waits for review. Custom Scope, Needs Founder Review, Missing Contract Detail and Delivery Risk send one here instead of onboarding.'))
      : h('ul', { class: 'tasks', id: 'review-queue' }, list.map(item)));
}

function item(hd) {
  const reason = h('input', { 'aria-label': 'Reason to send back', placeholder: 'Reason (to send back)' });
  return h('li', { class: 'task', dataset: { handoff: String(hd.id) } },
    h('div', { class: 'row' }, h('strong', {}, hd.record_name), h('span', { class: 'muted' }, `since ${fmtTime(hd.triggered_at)} · from ${hd.from_owner || 'unknown'}`)),
    hd.note ? h('p', { class: 'muted' }, hd.note) : null,
    h('div', { class: 'row' },
      h('button', { type: 'button', onclick: () => record.open(hd.record_id) }, 'Open record'),
      h('button', { type: 'button', onclick: () => brief.open(hd.record_id) }, 'Brief'),
      // Only its reviewer (and admins) may decide it: the database refuses anyone else, so
      // nobody else is offered the buttons.
      hd.may_decide ? [
        reason,
        h('button', { type: 'button', onclick: () => sendBack(hd, reason.value) }, 'Send back'),
        h('button', { type: 'button', class: 'primary', dataset: { action: 'approve' }, onclick: () => approve(hd) }, 'Approve'),
      ] : h('span', { class: 'muted waiting-for' }, `Waiting for ${hd.reviewer || 'an admin'} to review`)));
}

async function approve(hd) {
  try {
    const fx = await call('approve', { handoff: hd.id, note: null });
    toast(fx.paused ? 'Approved; it now waits for missing fields.' : 'Approved and handed off.');
  } catch (e) { showError(e); }
}

async function sendBack(hd, reason) {
  if (!reason.trim()) { toast('Say why it goes back, so the seller knows what to fix.', 'error'); return; }
  try {
    await call('send_back', { handoff: hd.id, reason });
    toast('Sent back to the seller.');
  } catch (e) { showError(e); }
}
