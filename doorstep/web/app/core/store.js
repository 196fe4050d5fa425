// The app's one shared state: session, language, strings, live status, last known lists.
// Screens read it with useStore() and change it with set(); what must survive a reload or an
// offline start is kept in localStorage.
import { useEffect, useState } from './html.js';

const saved = (key, fallback) => {
  try {
    const raw = localStorage.getItem(`doorstep.${key}`);
    return raw === null ? fallback : JSON.parse(raw);
  } catch {
    return fallback;
  }
};

export const state = {
  token: saved('token', null),
  language: saved('language', null), // chosen on this device before log-in
  me: saved('me', null),
  strings: null,
  live: 'idle', // idle | connecting | catching_up | live | offline
  online: navigator.onLine,
  applications: saved('applications', null), // the last known list (offline home)
  confirmations: saved('confirmations', []),
  acting: saved('acting', null), // {principalId, name}: whom this agent acts for now
};

const listeners = new Set();

export function set(patch, persist = []) {
  Object.assign(state, patch);
  for (const key of persist) {
    try {
      localStorage.setItem(`doorstep.${key}`, JSON.stringify(state[key]));
    } catch {
      // private mode or full: the app still works, it only forgets on reload
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

export function forgetSession() {
  set({ token: null, me: null, applications: null, confirmations: [], acting: null }, [
    'token',
    'me',
    'applications',
    'confirmations',
    'acting',
  ]);
}
