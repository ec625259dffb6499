// Settings: who I am, the team, holidays (kickoff due dates skip them), the watched folder.

import { call } from './ipc.js';
import { fill, fmtDay, fmtTime, h, showError, toast } from './dom.js';
import { app } from './main.js';
import { vocab } from './vocab.js';


export async function render(view) {
  const [people, holidays, watched] = await Promise.all([call('people'), call('holidays'), call('watched_folder')]);
  const name = h('input', { id: 'person-name', required: true, 'aria-label': 'Name' });
  const role = h('select', { id: 'person-role', 'aria-label': 'Role' }, vocab.roles.map((r) => h('option', { value: r.key }, r.words)));
  const email = h('input', { id: 'person-email', type: 'email', 'aria-label': 'Email (optional)', placeholder: 'email (optional)' });
  const me = h('input', { type: 'checkbox', id: 'person-me' });
  const day = h('input', { type: 'date', 'aria-label': 'Holiday', required: true });
  const dayName = h('input', { 'aria-label': 'Holiday name', placeholder: 'name', required: true });
  fill(view,
    h('div', { class: 'toolbar' }, h('h1', {}, 'Settings')),
    h('section', {}, h('h2', {}, 'You'), h('p', {}, app.me ? `You are ${app.me.name} (${app.me.role}). Tasks assigned to you raise a desktop notification.` : 'Baton does not know who you are: add yourself below and tick "This is me".')),
    h('section', {}, h('h2', {}, 'Team'),
      h('table', { class: 'list', id: 'team' }, h('tbody', {}, people.map((p) => h('tr', {}, h('td', {}, p.name), h('td', {}, p.role), h('td', {}, p.email || ''), h('td', {}, p.is_me ? 'you' : ''))))),
      h('form', { class: 'row', onsubmit: async (e) => {
        e.preventDefault();
        try {
          await call('add_person', { name: name.value, role: role.value, email: email.value || null, me: me.checked });
          toast(`${name.value} is on the team.`);
        } catch (err) { showError(err); }
      } }, name, role, email, h('label', {}, me, ' This is me'), h('button', { type: 'submit' }, 'Add person'))),
    h('section', {}, h('h2', {}, 'Holidays'),
      holidays.length ? h('ul', { class: 'plain' }, holidays.map((d) => h('li', {}, fmtDay(d)))) : h('p', { class: 'muted' }, 'None: due dates skip weekends only.'),
      h('form', { class: 'row', onsubmit: async (e) => {
        e.preventDefault();
        try { await call('add_holiday', { day: day.value, name: dayName.value }); } catch (err) { showError(err); }
      } }, day, dayName, h('button', { type: 'submit' }, 'Add holiday'))),
    watchedFolder(watched));
}

/** The folder whose new CSV exports import themselves. */
function watchedFolder(watched) {
  const path = h('input', { id: 'watch-path', 'aria-label': 'Folder to watch', placeholder: '/home/you/Downloads/crm-exports', value: watched ? watched.path : '' });
  const watch = async (folder) => {
    try {
      const now = await call('set_watched_folder', { path: folder });
      toast(now ? `Watching ${now.path}: CSV exports saved there from now on are imported.` : 'No folder is watched now.');
    } catch (err) { showError(err); }
  };
  return h('section', {}, h('h2', {}, 'Watched folder'),
    h('p', { id: 'watch-status', class: 'muted' }, watched
      ? `Watching ${watched.path} since ${fmtTime(watched.since)}. Each new CSV export saved there is imported, and you get a notification.`
      : 'Point Baton at the folder your CRM exports land in, and each new CSV saved there is imported on its own.'),
    h('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); watch(path.value.trim() || null); } },
      path,
      h('button', { type: 'submit', id: 'watch-set' }, 'Watch'),
      h('button', { type: 'button', id: 'watch-choose', onclick: async () => {
        try {
          const dir = await call('pick_folder');
          if (dir) watch(dir);
        } catch (err) { showError(err); }
      } }, 'Choose…'),
      watched ? h('button', { type: 'button', id: 'watch-stop', onclick: () => watch(null) }, 'Stop watching') : null));
}
