// Live queue (filled in by the staff subscription step). Until then the queue is read on open.
import { set } from './store.js';

export function startLive() {
  set({ live: 'idle' });
}

export function stopLive() {}
