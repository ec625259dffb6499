// The playbook editor: trigger, required fields, owner rule, due days, checklist, templates,
// exception flags, reviewer. Saving replaces the playbooks in one go (the core validates).

import { call } from './ipc.js';
import { fill, flagWords, h, showError, toast } from './dom.js';
import { vocab } from './vocab.js';
import { app } from './main.js';


export async function render(view) {
  const [list, people] = await Promise.all([call('playbooks'), call('people')]);
  const forms = list.map((pb) => editor(pb, people));
  // Saving first says what the change does to the handoffs under way, then asks again.
  const impact = h('div', { id: 'playbook-impact', class: 'notice', role: 'status', hidden: true });
  // On a team workspace playbooks are the admins' to change (the database refuses anyone else).
  const mayChange = !app.login || app.login.admin;
  fill(view,
    h('div', { class: 'toolbar' }, h('h1', {}, 'Playbooks'),
      h('button', { type: 'button', class: 'primary', id: 'playbooks-save', disabled: !mayChange,
        title: mayChange ? null : 'Only an admin can change playbooks.', onclick: () => review(impact, forms) }, 'Save playbooks')),
    impact,
    forms.map((f) => f.el));
}

async function review(impact, forms) {
  const playbooks = forms.map((f) => f.read());
  try {
    const { sentence } = await call('playbook_impact', { playbooks });
    fill(impact,
      h('p', {}, sentence),
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'primary', id: 'playbooks-confirm', onclick: () => save(impact, playbooks) }, 'Save these playbooks'),
        h('button', { type: 'button', onclick: () => { impact.hidden = true; } }, 'Keep editing')));
    impact.hidden = false;
    impact.scrollIntoView({ block: 'nearest' });
  } catch (e) { showError(e); }
}

function editor(pb, people) {
  const pick = [...(pb.kind === 'deal' ? vocab.deal_fields : vocab.lead_fields), ...vocab.common_fields]
    .map((f) => f.key).filter((k) => k !== 'name' && k !== 'stage');
  const extra = pb.required_fields.filter((f) => !pick.includes(f));
  const input = (label, value, props = {}) => {
    const el = h(props.multiline ? 'textarea' : 'input', { value: String(value ?? ''), rows: props.multiline ? String(props.rows || 3) : null, type: props.type || null, min: props.min || null });
    return { el, row: h('label', { class: 'field' }, h('span', {}, label), el) };
  };
  const name = input('Name', pb.name);
  const trigger = input('Trigger: the record enters stage', pb.trigger_stage);
  const enabled = h('input', { type: 'checkbox', checked: pb.enabled });
  const required = pick.concat(extra).map((f) => h('input', { type: 'checkbox', value: f, checked: pb.required_fields.includes(f) }));
  const ruleType = h('select', { 'aria-label': 'Owner rule' }, [['round_robin', 'Round-robin over a role'], ['least_open_tasks', 'Fewest open tasks in a role'], ['fixed', 'Always one person']].map(([v, t]) => h('option', { value: v, selected: pb.owner_rule.rule === v }, t)));
  const role = h('select', { 'aria-label': 'Role' }, vocab.roles.map((r) => h('option', { value: r.key, selected: pb.owner_rule.role === r.key }, r.words)));
  const person = h('select', { 'aria-label': 'Person' }, people.map((p) => h('option', { value: p.name, selected: pb.owner_rule.person === p.name }, p.name)));
  const due = input('Due in business days', pb.due_business_days, { type: 'number', min: '0' });
  const title = input('Task title (template)', pb.task_title);
  const checklist = input('Checklist (one item per line)', pb.checklist.join('\n'), { multiline: true, rows: 5 });
  const subject = input('Welcome email subject (template)', pb.email_subject);
  const body = input('Welcome email body (template)', pb.email_body, { multiline: true, rows: 7 });
  const flags = vocab.flags.map(({ key: k }) => h('input', { type: 'checkbox', value: k, checked: pb.exception_flags.includes(k) }));
  const reviewer = h('select', { 'aria-label': 'Reviewer' }, h('option', { value: '' }, '(any founder)'), people.map((p) => h('option', { value: p.name, selected: pb.reviewer === p.name }, p.name)));
  const el = h('section', { class: 'playbook' },
    h('h2', {}, pb.name, h('span', { class: 'muted' }, ` · ${pb.kind === 'deal' ? 'deals' : 'leads'}`)),
    h('label', {}, enabled, ' On'),
    name.row, trigger.row,
    h('fieldset', {}, h('legend', {}, 'Required fields: a missing one pauses the handoff'),
      h('div', { class: 'checks' }, required.map((c) => h('label', {}, c, ` ${c.value}`)))),
    h('fieldset', {}, h('legend', {}, 'Who owns the next step'), h('div', { class: 'row' }, ruleType, role, person)),
    due.row, title.row, checklist.row, subject.row, body.row,
    h('fieldset', {}, h('legend', {}, 'Exception flags that route to review'),
      h('div', { class: 'checks' }, flags.map((c) => h('label', {}, c, ` ${flagWords(c.value)}`)))),
    h('label', { class: 'field' }, h('span', {}, 'Reviewer'), reviewer));
  const read = () => ({
    ...pb,
    name: name.el.value.trim(),
    enabled: enabled.checked,
    trigger_stage: trigger.el.value.trim(),
    required_fields: required.filter((c) => c.checked).map((c) => c.value),
    owner_rule: ruleType.value === 'fixed' ? { rule: 'fixed', person: person.value } : { rule: ruleType.value, role: role.value },
    due_business_days: Number(due.el.value),
    task_title: title.el.value,
    checklist: checklist.el.value.split('\n').map((s) => s.trim()).filter(Boolean),
    email_subject: subject.el.value,
    email_body: body.el.value,
    exception_flags: flags.filter((c) => c.checked).map((c) => c.value),
    reviewer: reviewer.value || null,
  });
  return { el, read };
}

async function save(impact, playbooks) {
  try {
    const sentence = await call('save_playbooks', { playbooks });
    impact.hidden = true;
    toast(`Playbooks saved. ${sentence}`);
  } catch (e) { showError(e); }
}
