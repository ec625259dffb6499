// The words for Baton's keys (fields, CRMs, statuses, flags, roles, task kinds, health figures),
// asked of the core once at start: the UI keeps no copies of its own.

import { call } from './ipc.js';

export const vocab = {
  deal_fields: [], lead_fields: [], common_fields: [], import_keys: [], sources: [],
  statuses: [], flags: [], roles: [], task_kinds: [], figures: [], webhook_kinds: [],
};

/** Loads the vocabulary; the app calls this before drawing anything. */
export async function loadVocabulary() {
  Object.assign(vocab, await call('vocabulary'));
}

/** The words for `key` in one of the lists, or the key itself when it is not there. */
export function words(list, key) {
  return (vocab[list].find((w) => w.key === key) || { words: key }).words;
}
