// The app's frame: first run, the screen router, app events and keyboard shortcuts.

import { call, on } from './ipc.js';
import { fill, fmtCount, h, showError, toast } from './dom.js';
import * as board from './board.js';
import * as tasks from './tasks.js';
import * as review from './review.js';
import * as handoffs from './handoffs.js';
import * as importer from './import.js';
import * as health from './health.js';
import * as playbooks from './playbooks.js';
import * as settings from './settings.js';
import * as firstRun from './first-run.js';
import { loadVocabulary } from './vocab.js';

const screens = { board, tasks, review, handoffs, health, import: importer, playbooks, settings };
const view = document.getElementById('view');
let current = null;
export const app = { me: null, people: [] };

function screenName() {
  const name = location.hash.replace(/^#/, '').split('/')[0];
  return screens[name] ? name : 'board';
}

// While the screen is being redrawn, or a redraw is due, #view says aria-busy: what is on it
// is about to be replaced (assistive technology waits, and so do the journeys).
let drawing = 0;
function busy(delta) {
  drawing += delta;
  if (drawing > 0) view.setAttribute('aria-busy', 'true');
  else view.removeAttribute('aria-busy');
}

/** Draws the current screen from the database. */
export async function show() {
  busy(1);
  try {
    await draw();
  } finally {
    busy(-1);
  }
}

async function draw() {
  const name = screenName();
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const changedScreen = current !== name;
  current = name;
  try {
    await screens[name].render(view, { fresh: changedScreen });
    if (changedScreen) view.focus({ preventScroll: true });
  } catch (e) {
    showError(e);
  }
}

async function loadState() {
  const [state, where] = await Promise.all([call('app_state'), call('workspace_where')]);
  app.me = state.me;
  app.login = state.login;
  app.people = state.people;
  app.where = where;
  document.title = state.open_tasks > 0 ? `Baton (${state.open_tasks} open task${state.open_tasks === 1 ? '' : 's'})` : 'Baton';
  const at = document.getElementById('where');
  fill(at, where.kind === 'team' ? `Team workspace: ${where.place}` : 'This laptop');
  at.title = where.kind === 'team' ? 'The team\'s shared workspace (Settings → Workspace)' : where.place;
  const who = document.getElementById('who');
  // On a team workspace who I am is the login; while it is the only one, everyone on it is
  // the same person, and the header says so.
  const shared = state.shared_login
    ? h('span', { id: 'shared-login', class: 'muted', title: state.shared_login }, ' · one shared login: everyone on it acts as this person')
    : null;
  if (state.me) fill(who, `You: ${state.me.name}${state.login && state.login.admin ? ' (admin)' : ''}`, shared);
  else if (state.login) fill(who, `You: login ${state.login.user}, not tied to anyone on the team`, shared);
  else fill(who, '');
  return state;
}

// While the team workspace cannot be reached, the screen stays as it was, said to be possibly
// out of date, and every action that would write is disabled with the reason. What was typed
// stays where it is.
const OFFLINE_REASON = 'The team workspace cannot be reached; this works again once it is back.';
let offline = false;
function markOffline(on, since = '', why = '') {
  offline = on;
  document.body.classList.toggle('offline', on);
  const banner = document.getElementById('offline-banner');
  banner.hidden = !on;
  if (on) {
    fill(banner, `Team workspace unreachable since ${since} — retrying. What you see may be out of date.`);
    banner.title = why;
  }
  disableActions();
}

function disableActions() {
  for (const b of document.querySelectorAll('#view button, dialog button, #who button')) {
    if (b.closest('.always') || b.hasAttribute('data-reads')) continue;
    if (offline && !b.disabled) {
      b.disabled = true;
      b.dataset.offline = '';
      b.title = OFFLINE_REASON;
    } else if (!offline && 'offline' in b.dataset) {
      b.disabled = false;
      delete b.dataset.offline;
      b.removeAttribute('title');
    }
  }
}
new MutationObserver(() => { if (offline) disableActions(); }).observe(document.body, { childList: true, subtree: true });

let redraw = null;
let heldBack = false;
/** Many changes in a row (an import, a hand-off) redraw once. A change that arrives while a
 *  dialog is open is drawn when the dialog closes, so the screen behind it is never stale. */
function scheduleRedraw() {
  if (redraw === null) busy(1);
  else clearTimeout(redraw);
  redraw = setTimeout(async () => {
    redraw = null;
    if (document.querySelector('dialog[open]')) {
      heldBack = true;
      busy(-1);
      return;
    }
    heldBack = false;
    if (offline) {
      busy(-1);
      return;
    }
    try {
      await loadState();
      await show();
    } finally {
      busy(-1);
    }
  }, 120);
}

// `close` does not bubble: listen as it passes down from the document.
document.addEventListener('close', (e) => {
  if (e.target instanceof HTMLDialogElement && heldBack) scheduleRedraw();
}, true);

async function start() {
  await loadVocabulary();
  const state = await loadState();
  state.where = app.where;
  document.body.classList.toggle('first-run', state.first_run);
  if (state.first_run) {
    firstRun.render(view, async () => {
      document.body.classList.remove('first-run');
      await loadState();
      location.hash = '#board';
      show();
    });
  } else {
    show();
  }
  window.addEventListener('hashchange', show);
  on('workspace-changed', scheduleRedraw);
  on('team-offline', (o) => markOffline(true, o.since, o.why));
  on('team-online', () => {
    markOffline(false);
    scheduleRedraw();
  });
  if (state.where?.offline_since) markOffline(true, state.where.offline_since);
  if (state.where?.needs_password) askPassword(state.where);
  // An action queued behind an import says so until the workspace changes again.
  let waiting = null;
  on('workspace-waiting', (sentence) => {
    waiting?.remove();
    waiting = toast(sentence, 'waiting');
  });
  on('workspace-changed', () => {
    waiting?.remove();
    waiting = null;
  });
  // The shell turns an OS file drop into this event; the import screen takes it from here.
  on('files-dropped', (paths) => document.dispatchEvent(new CustomEvent('baton:files-dropped', { detail: { paths } })));
  document.addEventListener('baton:files-dropped', (e) => {
    const path = (e.detail.paths || []).find((p) => /\.(csv|tsv|txt)$/i.test(p)) || (e.detail.paths || [])[0];
    if (!path) return;
    importer.queue(path);
    if (location.hash === '#import') importer.render(view, { fresh: true }).catch(showError);
    else location.hash = '#import';
  });
  on('drag-hover', (hovering) => showDropHint(Boolean(hovering)));
  on('watched-import', (w) => {
    if (w.error) toast(`${w.file} from the watched folder was not imported: ${w.error}`, 'error');
    else toast(`Imported ${w.file} from the watched folder: ${fmtCount(w.report.inserted)} new, ${fmtCount(w.report.updated)} updated.`);
  });
  document.addEventListener('keydown', shortcuts);
  // A damaged workspace file is said once the app is up, with the copy to restore; the check
  // runs in the shell, away from the window.
  call('workspace_check').then((damaged) => {
    if (damaged) toast(damaged, 'error');
  }).catch(showError);
}

/** A team workspace whose password this computer does not keep (no keyring): asked for each
 *  time the app starts, and never written anywhere. */
function askPassword(where) {
  const input = h('input', { type: 'password', id: 'team-ask-password', required: true, autocomplete: 'off', 'aria-label': 'Password' });
  const said = h('p', { id: 'team-ask-why', class: 'muted' }, where.needs_password);
  const dialog = h('dialog', { id: 'password-dialog', class: 'always' },
    h('form', { method: 'dialog', onsubmit: async (e) => {
      e.preventDefault();
      try {
        await call('team_connect', { parts: where.team, password: input.value, setup: false, push: false });
        dialog.close();
        dialog.remove();
      } catch (err) {
        fill(said, err.message || String(err));
        said.className = 'error';
      }
    } },
    h('h2', {}, `Password for the team workspace ${where.place}`),
    said, h('label', { class: 'field' }, 'Password', input),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', id: 'team-ask-connect' }, 'Connect'))));
  document.body.append(dialog);
  dialog.showModal();
}

function showDropHint(on) {
  document.getElementById('drop-hint').hidden = !on;
}

function shortcuts(e) {
  const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement?.tagName || '');
  if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === '/') {
    const search = document.getElementById('search');
    if (search) {
      e.preventDefault();
      search.focus();
    }
  }
  // Letters as the README writes them (T) or typed plainly (t): Shift and Caps Lock alike.
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  const jump = { b: 'board', t: 'tasks', r: 'review', h: 'handoffs', w: 'health', i: 'import', p: 'playbooks', s: 'settings' }[key];
  if (jump && !document.querySelector('dialog[open]')) location.hash = `#${jump}`;
}

start().catch((e) => {
  fill(view, h('p', { class: 'empty' }, e.message || String(e)));
});
