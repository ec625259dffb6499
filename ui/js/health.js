// Handoff health: this week's figures as cards with the change from last week and a trend,
// each number opening the records behind it, plus what is missing most and what is stuck.
// The report saves as Markdown, HTML or CSV.

import { call } from './ipc.js';
import { fill, h, sheet, showError, toast } from './dom.js';
import * as record from './record.js';
import { vocab } from './vocab.js';

const state = { weeks: 6, week: null };

/** How to read each figure's weekly value; its name, unit and better direction come from the core. */
const READ = {
  closed_won_to_kickoff_days: {
    value: (w) => w.closed_won_to_kickoff_days.median,
    note: (w) => `p90 ${show(w.closed_won_to_kickoff_days.p90)} · ${w.closed_won_to_kickoff_days.count} scheduled`,
  },
  handoffs_triggered: { value: (w) => w.handoffs_triggered },
  handoffs_complete_at_trigger_pct: { value: (w) => w.handoffs_complete_at_trigger_pct },
  escalations_missing_context: { value: (w) => w.escalations_missing_context },
  lead_response_hours: { value: (w) => w.lead_response_hours.median, note: (w) => `${w.lead_response_hours.count} followed up` },
  leads_without_source: { value: (w) => w.leads_without_source },
  leads_rejected_unclear: { value: (w) => w.leads_rejected_unclear },
};

/** The dashboard's figures, in order. */
function figures() {
  return vocab.figures.map((f) => ({ ...f, ...READ[f.key] }));
}

const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

function show(v) {
  return v === null || v === undefined ? '—' : number.format(v);
}

export async function render(view) {
  const health = await call('health', { weeks: state.weeks });
  const weeks = health.weeks;
  // A weekly review looks at the last whole week unless another is chosen.
  let at = weeks.findIndex((w) => w.week === state.week);
  if (at < 0) at = Math.max(0, weeks.length - 2);
  const now = weeks[at];
  const before = weeks[at - 1];
  const span = h('select', { id: 'health-weeks', 'aria-label': 'Weeks shown', onchange: (e) => { state.weeks = Number(e.target.value); render(view).catch(showError); } },
    [4, 6, 8, 12].map((n) => h('option', { value: String(n), selected: n === state.weeks }, `${n} weeks`)));
  const pick = h('select', { id: 'health-week', 'aria-label': 'Week', onchange: (e) => { state.week = e.target.value; render(view).catch(showError); } },
    weeks.map((w, i) => h('option', { value: w.week, selected: i === at }, i === weeks.length - 1 ? `${w.week} (this week)` : w.week)));
  fill(view,
    h('div', { class: 'toolbar' },
      h('h1', {}, 'Handoff health'),
      pick,
      span,
      h('span', { class: 'row' }, ['md', 'html', 'csv'].map((f) =>
        h('button', { type: 'button', dataset: { export: f }, onclick: () => save(f, weeks[weeks.length - 1].week) }, `Save ${f === 'md' ? 'Markdown' : f.toUpperCase()}`)))),
    h('p', { class: 'muted' }, 'Each handoff counts in the week its trigger fired. Click a number for the records behind it.'),
    h('div', { class: 'metrics' }, figures().map((f) => card(f, weeks, now, before))),
    h('div', { class: 'columns2' },
      h('section', {}, h('h2', {}, 'Missing most often when the trigger fired'),
        health.most_missing_fields.length
          ? h('ol', { class: 'plain', id: 'health-missing' }, health.most_missing_fields.map((m) => h('li', {}, `${m.label}: ${m.count}`)))
          : h('p', { class: 'muted' }, 'Nothing: every handoff in these weeks fired complete.')),
      h('section', {}, h('h2', {}, `Waiting longer than ${health.stuck_days} days`),
        health.stuck.length
          ? h('ul', { class: 'plain', id: 'health-stuck' }, health.stuck.map((s) => h('li', {},
            h('button', { type: 'button', class: 'link', onclick: () => record.open(s.record_id) }, s.record),
            ` ${s.status.replace('_', ' ')} for ${show(s.days)} days`)))
          : h('p', { class: 'muted' }, 'Nothing is stuck.'))),
    leaks(health.leak_check));
}

/** The leak check over the whole history: the advice first, then the numbers behind it. */
function leaks(l) {
  const waiting = (title, rows, unit, id, total = rows.length) => h('section', {}, h('h3', {}, title),
    rows.length
      ? h('ul', { class: 'plain', id }, rows.slice(0, 10).map((w) => h('li', {},
        h('button', { type: 'button', class: 'link', onclick: () => record.open(w.record_id) }, w.record),
        ` ${w.at}, ${show(w.waited)} ${unit}`)), total > 10 ? h('li', { class: 'muted' }, `and ${show(total - 10)} more`) : null)
      : h('p', { class: 'muted' }, 'None.'));
  return h('section', { class: 'leaks' },
    h('h2', {}, 'Leak check'),
    h('p', { id: 'leak-recommendation', class: 'advice' }, l.recommendation),
    l.stages.length ? h('table', { class: 'list', id: 'leak-stages' },
      h('thead', {}, h('tr', {}, ['Open stage', 'Median days', 'p90 days', 'Stays'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, l.stages.map((s) => h('tr', {},
        h('td', {}, `${s.stage} (${s.kind}s)`), h('td', {}, show(s.median_days)), h('td', {}, show(s.p90_days)), h('td', {}, String(s.count)))))) : null,
    h('div', { class: 'columns2' },
      waiting('Won deals that never reached delivery', l.unfinished_wins, 'days', 'leak-wins', l.unfinished_wins_total),
      waiting(`Qualified leads not followed up within ${l.lead_hours} hours`, l.slow_leads, 'hours', 'leak-leads', l.slow_leads_total),
      waiting(`In an open stage over ${l.stage_days} days`, l.stuck_records, 'days', 'leak-stuck', l.stuck_records_total)));
}

function card(f, weeks, now, before) {
  const value = f.value(now);
  return h('section', { class: 'metric', dataset: { figure: f.key } },
    h('h2', {}, f.label),
    h('button', { type: 'button', class: 'metric-value', id: `metric-${f.key}`, 'aria-label': `${f.label}: ${show(value)} ${f.unit}, show the records`,
      onclick: () => drill(now.week, f) }, show(value)),
    h('span', { class: 'muted' }, ` ${f.unit}`),
    h('p', { class: 'muted' }, change(f, value, before ? f.value(before) : null), f.note ? ` · ${f.note(now)}` : ''),
    trend(f, weeks));
}

/** "▲ 1.5 from last week", coloured by whether that is better. */
function change(f, now, before) {
  if (now === null || now === undefined || before === null || before === undefined) return h('span', {}, 'no comparison with last week');
  const diff = Math.round((now - before) * 10) / 10;
  if (diff === 0) return h('span', {}, 'same as last week');
  const better = f.better === null ? null : (diff < 0) === (f.better === 'lower');
  return h('span', { class: better === null ? '' : better ? 'ok' : 'warn' },
    `${diff > 0 ? '▲' : '▼'} ${number.format(Math.abs(diff))} from last week`);
}

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** A line over the weeks; a week without a value leaves a gap. */
function trend(f, weeks) {
  const W = 240;
  const H = 56;
  const pad = 6;
  const values = weeks.map((w) => f.value(w));
  const known = values.filter((v) => v !== null && v !== undefined);
  const max = Math.max(1, ...known);
  const x = (i) => pad + (i * (W - 2 * pad)) / Math.max(1, weeks.length - 1);
  const y = (v) => H - pad - (v / max) * (H - 2 * pad);
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'trend', role: 'img' });
  chart.setAttribute('aria-label', `${f.label} by week: ${weeks.map((w, i) => `${w.week} ${show(values[i])}`).join(', ')}`);
  chart.append(svg('line', { x1: pad, x2: W - pad, y1: H - pad, y2: H - pad, class: 'axis' }));
  let run = [];
  const flush = () => {
    if (run.length > 1) chart.append(svg('polyline', { points: run.join(' '), class: 'line' }));
    run = [];
  };
  values.forEach((v, i) => {
    if (v === null || v === undefined) { flush(); return; }
    run.push(`${x(i)},${y(v)}`);
    const dot = svg('circle', { cx: x(i), cy: y(v), r: 3, class: 'dot' });
    const title = svg('title', {});
    title.textContent = `${weeks[i].week}: ${show(v)}`;
    dot.append(title);
    chart.append(dot);
  });
  flush();
  return chart;
}

async function drill(week, f) {
  const drillDialog = sheet('health-drill', 'health-drill-title');
  try {
    const rows = await call('health_records', { week, figure: f.key });
    fill(drillDialog,
      h('header', {}, h('h2', { id: 'health-drill-title' }, `${f.label}, ${week}`),
        h('button', { type: 'button', class: 'link', 'aria-label': 'Close', onclick: () => drillDialog.close() }, '×')),
      rows.length
        ? h('table', { class: 'list' }, h('tbody', {}, rows.map((r) => h('tr', {},
          h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => { drillDialog.close(); record.open(r.record_id); } }, r.record)),
          h('td', {}, r.status.replace('_', ' ')),
          h('td', {}, r.detail)))))
        : h('p', { class: 'muted' }, 'No record behind this number this week.'));
    if (!drillDialog.open) drillDialog.showModal();
  } catch (e) {
    showError(e);
  }
}

async function save(format, week) {
  try {
    const text = await call('health_report', { weeks: state.weeks, format });
    const path = await call('save_text', { suggestedName: `handoff-health-to-${week}.${format}`, text });
    if (path) toast(`Saved ${path}`);
  } catch (e) {
    showError(e);
  }
}
