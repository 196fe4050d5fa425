// The console's one shared state. Only the session and the language survive a reload
// (`counter.*`): a counter desk is shared, so lists are read fresh rather than kept on the device.
import { createStore } from '../../shared/store.js';

export const { state, set, useStore } = createStore('counter', (saved) => ({
  token: saved('token', null),
  language: saved('language', null),
  me: null,
  strings: null,
  route: null,
  live: 'idle', // idle | connecting | live
  queue: null, // the unit queue as last read: [{applicationNumber, task}]
  arrived: new Set(), // task ids that came in live since the queue was opened
  sessionEnded: false,
}));

export function forgetSession(ended = false) {
  set({ token: null, me: null, queue: null, arrived: new Set(), sessionEnded: ended }, ['token']);
}
