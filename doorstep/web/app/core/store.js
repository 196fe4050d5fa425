// The app's one shared state: session, language, strings, live status, last known lists.
// What must survive a reload or an offline start is kept (localStorage, `doorstep.*`).
import { createStore } from '../../shared/store.js';

export const { state, set, useStore } = createStore('doorstep', (saved) => ({
  token: saved('token', null),
  language: saved('language', null), // chosen on this device before log-in
  me: saved('me', null),
  strings: null,
  live: 'idle', // idle | connecting | catching_up | live | offline
  online: navigator.onLine,
  applications: saved('applications', null), // the last known list (offline home)
  confirmations: saved('confirmations', []),
  acting: saved('acting', null), // {principalId, name}: whom this agent acts for now
}));

export function forgetSession() {
  set({ token: null, me: null, applications: null, confirmations: [], acting: null }, [
    'token',
    'me',
    'applications',
    'confirmations',
    'acting',
  ]);
}
