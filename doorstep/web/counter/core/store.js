// The console's one shared state. Only the session and the language survive a reload: a
// counter desk is shared, so lists are read fresh rather than kept on the device.
import { useEffect, useState } from '../../app/core/html.js';

const saved = (key, fallback) => {
  try {
    const raw = localStorage.getItem(`counter.${key}`);
    return raw === null ? fallback : JSON.parse(raw);
  } catch {
    return fallback;
  }
};

export const state = {
  token: saved('token', null),
  language: saved('language', null),
  me: null,
  strings: null,
  route: null,
  live: 'idle', // idle | connecting | live
  queue: null, // the unit queue as last read: [{applicationNumber, task}]
  arrived: new Set(), // task ids that came in live since the queue was opened
  sessionEnded: false,
};

const listeners = new Set();

export function set(patch, persist = []) {
  Object.assign(state, patch);
  for (const key of persist) {
    try {
      localStorage.setItem(`counter.${key}`, JSON.stringify(state[key]));
    } catch {
      // private mode: the console still works, it only forgets on reload
    }
  }
  for (const listener of [...listeners]) listener();
}

export function useStore() {
  const [, force] = useState(0);
  useEffect(() => {
    const listener = () => force((n) => n + 1);
    listeners.add(listener);
    return () => listeners.delete(listener);
  }, []);
  return state;
}

export function forgetSession(ended = false) {
  set({ token: null, me: null, queue: null, arrived: new Set(), sessionEnded: ended }, ['token']);
}
