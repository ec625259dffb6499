// Settings: where the workspace is (this laptop, or the team's), who I am, the team, holidays (kickoff due dates skip them), the watched folder, and
// chat webhooks (Notifications).

import { call, on } from './ipc.js';
import { fill, fmtDay, fmtTime, h, sheet, showError, toast } from './dom.js';
import { app, show } from './main.js';
import { vocab } from './vocab.js';


/** On a team workspace, what only admins may change shows as a sentence instead of a form. */
function adminsOnly(form, what) {
  if (!app.login || app.login.admin) return form;
  return h('p', { class: 'muted admins-only' }, `Only an admin can change ${what}.`);
}

export async function render(view) {
  const [people, holidays, watched, hooks, playbooks, members] = await Promise.all([
    call('people'), call('holidays'), call('watched_folder'), call('webhooks'), call('playbooks'),
    app.login ? call('members') : Promise.resolve(null)]);
  const name = h('input', { id: 'person-name', required: true, 'aria-label': 'Name' });
  const role = h('select', { id: 'person-role', 'aria-label': 'Role' }, vocab.roles.map((r) => h('option', { value: r.key }, r.words)));
  const email = h('input', { id: 'person-email', type: 'email', 'aria-label': 'Email (optional)', placeholder: 'email (optional)' });
  const me = h('input', { type: 'checkbox', id: 'person-me' });
  const day = h('input', { type: 'date', 'aria-label': 'Holiday', required: true });
  const dayName = h('input', { 'aria-label': 'Holiday name', placeholder: 'name', required: true });
  fill(view,
    h('div', { class: 'toolbar' }, h('h1', {}, 'Settings')),
    workspace(people),
    h('section', {}, h('h2', {}, 'You'), h('p', {}, app.me ? `You are ${app.me.name} (${app.me.role}). Tasks assigned to you raise a desktop notification.`
      : app.login ? `You are signed in as ${app.login.user}, which is not tied to anyone on the team.`
        : 'Baton does not know who you are: add yourself below and tick "This is me".')),
    members ? logins(members, people) : null,
    h('section', {}, h('h2', {}, 'Team'),
      h('table', { class: 'list', id: 'team' }, h('tbody', {}, people.map((p) => h('tr', {}, h('td', {}, p.name), h('td', {}, p.role), h('td', {}, p.email || ''), h('td', {}, p.is_me ? 'you' : ''))))),
      adminsOnly(h('form', { class: 'row', onsubmit: async (e) => {
        e.preventDefault();
        try {
          await call('add_person', { name: name.value, role: role.value, email: email.value || null, me: me.checked });
          toast(`${name.value} is on the team.`);
        } catch (err) { showError(err); }
      } }, name, role, email, app.login ? null : h('label', {}, me, ' This is me'), h('button', { type: 'submit' }, 'Add person')), 'the team\'s people and roles')),
    h('section', {}, h('h2', {}, 'Holidays'),
      holidays.length ? h('ul', { class: 'plain' }, holidays.map((d) => h('li', {}, fmtDay(d)))) : h('p', { class: 'muted' }, 'None: due dates skip weekends only.'),
      adminsOnly(h('form', { class: 'row', onsubmit: async (e) => {
        e.preventDefault();
        try { await call('add_holiday', { day: day.value, name: dayName.value }); } catch (err) { showError(err); }
      } }, day, dayName, h('button', { type: 'submit' }, 'Add holiday')), 'holidays')),
    watchedFolder(watched),
    notifications(hooks, playbooks));
}

/** Settings → Team logins (a team workspace): who has a login, their role, admin or not, last
 *  seen. An admin invites (the address and password to hand over, shown once), changes a role
 *  and revokes; everyone else sees the list. The database refuses the rest whoever asks. */
function logins(members, people) {
  const admin = Boolean(app.login && app.login.admin);
  const roleOf = (m) => h('select', { class: 'member-role', 'aria-label': `Role of ${m.person}`, disabled: !admin || Boolean(m.revoked_at),
    onchange: async (e) => {
      try {
        await call('add_person', { name: m.person, role: e.target.value, email: null, me: false });
        toast(`${m.person} is ${vocab.roles.find((r) => r.key === e.target.value)?.words || e.target.value} now.`);
      } catch (err) { showError(err); }
      await show();
    } }, vocab.roles.map((r) => h('option', { value: r.key, selected: m.role === r.key }, r.words)));
  const rows = members.map((m) => h('tr', { dataset: { login: m.login } },
    h('td', {}, m.person, m.is_me ? ' (you)' : ''),
    h('td', {}, m.role ? roleOf(m) : ''),
    h('td', {}, m.revoked_at ? `revoked ${fmtTime(m.revoked_at)}` : m.admin ? 'admin' : ''),
    h('td', { class: 'muted' }, m.last_seen ? `last seen ${fmtTime(m.last_seen)}` : 'not seen yet'),
    h('td', {}, admin && !m.revoked_at && !m.is_me
      ? h('button', { type: 'button', class: 'member-revoke', onclick: async () => {
        try {
          const r = await call('revoke_teammate', { name: m.person });
          toast(`${r.person}'s login is revoked: it cannot connect, and its open sessions were ended.`);
        } catch (err) { showError(err); }
        await show();
      } }, 'Revoke') : null)));
  const invitee = h('input', { id: 'invite-name', required: true, 'aria-label': 'Teammate\'s name', list: 'invite-people' });
  const inviteRole = h('select', { id: 'invite-role', 'aria-label': 'Their role' }, vocab.roles.map((r) => h('option', { value: r.key }, r.words)));
  const inviteAdmin = h('input', { type: 'checkbox', id: 'invite-admin' });
  const form = admin ? h('form', { class: 'row', id: 'invite-form', onsubmit: async (e) => {
    e.preventDefault();
    try {
      const i = await call('invite_teammate', { name: invitee.value, role: inviteRole.value, admin: inviteAdmin.checked });
      handOver(i);
    } catch (err) { showError(err); }
  } }, invitee, h('datalist', { id: 'invite-people' }, people.map((p) => h('option', { value: p.name }))),
  inviteRole, h('label', {}, inviteAdmin, ' Admin'), h('button', { type: 'submit', id: 'invite-send' }, 'Invite')) : null;
  return h('section', { id: 'logins' }, h('h2', {}, 'Team logins'),
    h('p', { class: 'muted' }, admin
      ? 'Each teammate signs in with a login of their own: what they may do is the database\'s to enforce. Reviewers decide exceptions; admins change playbooks, people, holidays and webhooks.'
      : 'Each teammate signs in with a login of their own. An admin invites, changes roles and revokes.'),
    h('table', { class: 'list', id: 'members' }, h('tbody', {}, rows)),
    form);
}

/** The invite, shown once in a dialog of its own (the screen behind may redraw meanwhile): the
 *  address and the password to hand over, as text to copy. */
function handOver(i) {
  const dialog = sheet('invite-dialog', 'invite-title');
  const text = `Baton team workspace for ${i.person}\naddress:  ${i.url}\npassword: ${i.password}\nJoin in Baton: Settings → Workspace, paste the address, then type the password.`;
  const copy = h('textarea', { id: 'invite-text', readonly: true, rows: 5, cols: 72, 'aria-label': 'Invite to hand over' });
  copy.value = text;
  fill(dialog,
    h('h2', { id: 'invite-title' }, `${i.person} has a login of their own`),
    h('p', {}, 'Hand them this; the password is shown only now (Baton keeps no copy of it).'),
    copy,
    h('div', { class: 'row' }, h('button', { type: 'button', id: 'invite-done', onclick: () => dialog.close() }, 'Done')));
  if (!dialog.open) dialog.showModal();
  copy.select();
}

/** How a webhook's posts stand, in words. */
function hookStatus(w) {
  if (w.last_error) {
    return `Last post failed: ${w.last_error}.${w.next_attempt_at ? ` Next try ${fmtTime(w.next_attempt_at)}.` : ''}`;
  }
  return `${w.delivered} delivered${w.pending ? `, ${w.pending} waiting` : ''}`;
}

/** Settings → Notifications: chat webhooks a hand-off, a pause and a review request post to. */
function notifications(hooks, playbooks) {
  const url = h('input', { id: 'hook-url', type: 'url', size: 48, required: true, spellcheck: false, autocomplete: 'off',
    'aria-label': 'Incoming webhook address', placeholder: 'https://hooks.slack.com/services/…' });
  const kind = h('select', { id: 'hook-kind', 'aria-label': 'Service' },
    vocab.webhook_kinds.map((k) => h('option', { value: k.key }, k.words)));
  const playbook = h('select', { id: 'hook-playbook', 'aria-label': 'Playbook' },
    h('option', { value: '' }, 'Every playbook'), playbooks.map((p) => h('option', { value: p.key }, p.name)));
  const act = (what) => async () => {
    try { await what(); } catch (err) { showError(err); }
    await show();
  };
  return h('section', { id: 'notifications' }, h('h2', {}, 'Notifications'),
    h('p', { class: 'muted' }, 'Post to a chat channel when a handoff is handed off, paused for missing fields or sent to review. '
      + 'The address is kept in this computer\'s keyring, not in the workspace; these posts are the only requests Baton sends over the network.'),
    hooks.length ? h('table', { class: 'list', id: 'hooks' }, h('tbody', {}, hooks.map((w) => h('tr', { dataset: { hook: String(w.id) } },
      h('td', {}, vocab.webhook_kinds.find((k) => k.key === w.kind)?.words || w.kind),
      h('td', {}, w.host),
      h('td', {}, w.playbook ? (playbooks.find((p) => p.key === w.playbook)?.name || w.playbook) : 'Every playbook'),
      h('td', { class: w.last_error ? 'error hook-status' : 'hook-status' }, hookStatus(w)),
      h('td', {},
        h('button', { type: 'button', class: 'hook-test', onclick: act(async () => {
          const status = await call('test_webhook', { id: w.id });
          toast(`Test message sent: the webhook answered HTTP ${status}.`);
        }) }, 'Send test'),
        app.login && !app.login.admin ? null : h('button', { type: 'button', class: 'hook-remove', onclick: act(async () => {
          await call('remove_webhook', { id: w.id });
          toast('Webhook removed; its address is deleted from the keyring.');
        }) }, 'Remove')))))) : null,
    adminsOnly(h('form', { class: 'row', onsubmit: (e) => {
      e.preventDefault();
      act(async () => {
        const w = await call('add_webhook', { url: url.value.trim(), kind: kind.value, playbook: playbook.value || null });
        toast(`Webhook added (${w.host}). Send a test to check it.`);
      })();
    } }, url, kind, playbook, h('button', { type: 'submit', id: 'hook-add' }, 'Add webhook')), 'chat webhooks'));
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

/** Settings → Workspace: just this laptop, or the team's workspace on PostgreSQL. Usable while
 *  the team workspace is unreachable (class `always`): it is how one goes back to this laptop. */
function workspace(people) {
  const where = app.where || { kind: 'laptop' };
  const team = where.team || {};
  const field = (id, label, props) => h('label', { class: 'field' }, label, h('input', { id, spellcheck: false, autocomplete: 'off', ...props }));
  const host = field('team-host', 'Host', { value: team.host || '', placeholder: 'db.example.com', required: true });
  const port = field('team-port', 'Port', { type: 'number', min: 1, max: 65535, value: String(team.port || 5432), required: true });
  const database = field('team-database', 'Database', { value: team.database || 'baton', required: true });
  const user = field('team-user', 'User', { value: team.user || '', required: true });
  const password = field('team-password', 'Password', { type: 'password' });
  const tls = h('input', { type: 'checkbox', id: 'team-tls', checked: team.tls !== false });
  const result = h('p', { id: 'team-result', class: 'muted', 'aria-live': 'polite' });
  const progress = h('progress', { id: 'push-progress', max: 1, value: 0, hidden: true });
  const actions = h('div', { class: 'row', id: 'team-actions' });
  const parts = () => ({
    host: host.lastChild.value, port: Number(port.lastChild.value), database: database.lastChild.value,
    user: user.lastChild.value, tls: tls.checked,
  });
  // The string a provider's Connect dialog shows, pasted whole: the fields fill in, a
  // placeholder password is asked for, and a transaction pooler is named.
  const pooled = h('p', { id: 'team-pooler', class: 'muted', hidden: true });
  const showPooler = (sentence) => {
    pooled.hidden = !sentence;
    fill(pooled, sentence ? `Note: ${sentence}.` : '');
  };
  const pasteAddress = async (text) => {
    try {
      const p = await call('team_paste', { address: text });
      host.lastChild.value = p.parts.host;
      port.lastChild.value = String(p.parts.port);
      database.lastChild.value = p.parts.database;
      user.lastChild.value = p.parts.user;
      tls.checked = p.parts.tls;
      password.lastChild.value = p.password || '';
      showPooler(p.pooler);
      result.className = 'muted';
      if (p.placeholder) {
        fill(result, 'The string holds a placeholder where the password goes: type the password your provider gave you.');
        password.lastChild.focus();
      } else {
        fill(result, 'Filled in from the pasted string. Test the connection next.');
      }
    } catch (err) {
      fill(result, err.message || String(err));
      result.className = 'error';
    }
  };
  const pasted = h('input', {
    id: 'team-paste', spellcheck: false, autocomplete: 'off',
    placeholder: 'postgresql://user:password@host:5432/database',
    onpaste: (e) => {
      const text = (e.clipboardData?.getData('text') || '').trim();
      if (text) { e.preventDefault(); pasted.value = ''; pasteAddress(text); }
    },
    onchange: () => { const text = pasted.value.trim(); if (text) { pasted.value = ''; pasteAddress(text); } },
  });
  host.lastChild.addEventListener('paste', (e) => {
    const text = (e.clipboardData?.getData('text') || '').trim();
    if (/^postgres(ql)?:\/\//.test(text)) { e.preventDefault(); pasteAddress(text); }
  });
  const laptopHasWork = where.kind === 'laptop' && people.length > 0;
  const connect = (label, id, opts) => h('button', { type: 'button', id, class: 'primary', onclick: async () => {
    fill(result, opts.push ? 'Moving this workspace to the team…' : 'Connecting…');
    progress.hidden = !opts.push;
    const stop = opts.push ? on('push-progress', ([done, total]) => { progress.max = total || 1; progress.value = done; }) : null;
    try {
      const done = await call('team_connect', { parts: parts(), password: password.lastChild.value, setup: Boolean(opts.setup), push: Boolean(opts.push) });
      toast(`Connected to the team workspace ${done.place}.`);
      if (done.password_not_kept) toast(done.password_not_kept, 'error');
      location.hash = '#settings';
    } catch (err) {
      fill(result, err.message || String(err));
      result.className = 'error';
    } finally {
      stop?.();
      progress.hidden = true;
    }
  } }, label);
  const test = h('button', { type: 'button', id: 'team-test', onclick: async () => {
    fill(actions);
    result.className = 'muted';
    fill(result, 'Testing…');
    try {
      const p = await call('team_test', { parts: parts(), password: password.lastChild.value });
      const secured = p.encrypted ? 'encrypted' : 'not encrypted';
      showPooler(p.pooler);
      if (p.schema_version !== null) {
        fill(result, `Reached PostgreSQL ${p.server_version} in ${p.latency_ms} ms (${secured}). A Baton team workspace is there (schema ${p.schema_version}; this Baton knows ${p.known_version}).`);
        fill(actions, connect('Connect', 'team-connect', {}),
          laptopHasWork && !p.holds_work ? connect('Move this workspace to the team', 'team-push', { push: true }) : null);
      } else if (p.other_tables > 0) {
        fill(result, `Reached PostgreSQL ${p.server_version} in ${p.latency_ms} ms, but this database holds ${p.other_tables} other tables: a team workspace needs a database of its own.`);
        result.className = 'error';
      } else {
        fill(result, `Reached PostgreSQL ${p.server_version} in ${p.latency_ms} ms (${secured}). The database is empty: Baton can set up the team workspace here.`);
        fill(actions, connect('Set up Baton here', 'team-setup', { setup: true }),
          laptopHasWork ? connect('Move this workspace to the team', 'team-push', { push: true }) : null);
      }
    } catch (err) {
      fill(result, err.message || String(err));
      result.className = 'error';
    }
  } }, 'Test connection');
  const laptop = h('button', { type: 'button', id: 'use-laptop', onclick: async () => {
    try {
      await call('use_laptop');
      toast('Back on this laptop\'s workspace. The team workspace is still there on its server.');
      location.hash = '#settings';
    } catch (err) { showError(err); }
  } }, 'Use just this laptop');
  return h('section', { class: 'always', id: 'workspace' }, h('h2', {}, 'Workspace'),
    h('p', { id: 'workspace-now' }, where.kind === 'team'
      ? `Team workspace: ${where.place}. Everyone on it sees the same records, handoffs and tasks.`
      : 'Just this laptop: the workspace is a file here, and nobody else sees it.'),
    where.kind === 'team' ? h('p', {}, laptop, ' ', h('span', { class: 'muted' }, 'Neither workspace is deleted.')) : null,
    h('details', { open: where.kind === 'laptop' ? undefined : true },
      h('summary', {}, where.kind === 'team' ? 'Team workspace connection' : 'Team workspace: share one workspace with your team (PostgreSQL)'),
      h('form', { class: 'team-form', onsubmit: (e) => e.preventDefault() },
        h('label', { class: 'field' }, 'Connection string (paste it whole from your provider)', pasted),
        host, port, database, user, password,
        h('label', { class: 'field' }, tls, ' Encrypt the connection (TLS). Turn off only for a server on this computer.'),
        h('div', { class: 'row' }, test), result, pooled, progress, actions)));
}
