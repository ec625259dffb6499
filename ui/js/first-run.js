// First run: who are you, and a demo workspace or an empty one.

import { call } from './ipc.js';
import { fill, h, showError } from './dom.js';

export function render(view, done) {
  const name = h('input', { id: 'me-name', required: true, autocomplete: 'name', 'aria-label': 'Your name' });
  const role = h('select', { id: 'me-role', 'aria-label': 'Your role' },
    [['founder', 'Founder'], ['sales', 'Sales'], ['marketing', 'Marketing'], ['delivery', 'Delivery']].map(([v, t]) => h('option', { value: v }, t)));
  const start = async (demo) => {
    if (!demo && !name.value.trim()) { name.focus(); name.reportValidity(); return; }
    try {
      await call('start_workspace', { name: name.value.trim(), role: role.value, demo });
      done();
    } catch (e) { showError(e); }
  };
  fill(view, h('section', { class: 'welcome', 'aria-labelledby': 'welcome-title' },
    h('h1', { id: 'welcome-title' }, 'Welcome to Baton'),
    h('p', {}, 'When a deal is won or a lead is qualified, Baton makes the handoff a rule: a short checklist, a brief, and the first delivery step done for you. Everything stays on this laptop.'),
    h('div', { class: 'choice' },
      h('div', { class: 'card-box' },
        h('h2', {}, 'Look around first'),
        h('p', {}, 'A sample team with 60 deals and 20 leads over six weeks. You are its founder, Alex Rivera.'),
        h('button', { type: 'button', class: 'primary', id: 'start-demo', onclick: () => start(true) }, 'Open the demo workspace')),
      h('form', { class: 'card-box', onsubmit: (e) => { e.preventDefault(); start(false); } },
        h('h2', {}, 'Start with your own data'),
        h('label', { for: 'me-name' }, 'Who are you?'), name,
        h('label', { for: 'me-role' }, 'Your role'), role,
        h('button', { type: 'submit', id: 'start-empty' }, 'Start an empty workspace'),
        h('p', { class: 'muted' }, 'Then drop a CSV export from your CRM on the window.')))));
  name.focus();
}
