// The only module that touches window.__TAURI__: commands and events.

const tauri = window.__TAURI__;

/** Calls a command; rejects with {kind, message, details}. */
export async function call(command, args = {}) {
  try {
    return await tauri.core.invoke(command, args);
  } catch (e) {
    if (e && typeof e === 'object' && 'message' in e) throw e;
    throw { kind: 'internal', message: String(e), details: null };
  }
}

/** Listens to an app event; returns a function that stops listening. */
export function on(event, handler) {
  const stop = tauri.event.listen(event, (e) => handler(e.payload));
  return () => stop.then((f) => f());
}
