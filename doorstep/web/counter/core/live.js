// The live unit queue and ticket queue over graphql-transport-ws, by the citizen app's recipe:
// one client per session, retry for ever with backoff; keep each subscription's `variables` and
// move afterSeq forward on every message (graphql-ws re-sends that object on reconnect, so the
// server replays what was missed); re-read the lists over HTTP on every (re)connect; 4403: log
// in again. Ticket changes go to whichever screen listens ('counter:ticket' on the window).
import { createClient } from '../../vendor/graphql-ws-6.4.2/client.js';
import { TASK_FIELDS, TICKET_ROW } from './api.js';
import { forgetSession, set, state } from './store.js';
import { loadQueue, ordered } from './queue.js';

const OPEN = new Set(['SUBMITTED', 'ACCEPTED', 'NEEDS_MATERIALS']);
const UPDATES = `subscription ($afterSeq: ID) { unitQueueUpdates(afterSeq: $afterSeq) {
  seq applicationNumber event { seq kind } tasks { applicationNumber task { ${TASK_FIELDS} } } } }`;

const TICKET_UPDATES = `subscription ($afterSeq: ID) { ticketQueueUpdates(afterSeq: $afterSeq) {
  seq ticketNumber event { seq kind } ticket { ${TICKET_ROW} } } }`;

let client = null;

const newer = (seq, last) => last == null || BigInt(seq) > BigInt(last);

// the update carries the application's tasks in my units as they stand: open ones go in (or
// are replaced), closed ones leave the list
function merge(update) {
  const list = [...(state.queue || [])];
  const arrived = new Set(state.arrived);
  for (const entry of update.tasks) {
    const at = list.findIndex((e) => e.task.id === entry.task.id);
    if (at >= 0) list.splice(at, 1);
    if (OPEN.has(entry.task.status)) {
      list.push(entry);
      if (at < 0) arrived.add(entry.task.id);
    }
  }
  set({ queue: ordered(list), arrived });
  window.dispatchEvent(new CustomEvent('counter:changed', { detail: update.applicationNumber }));
}

export function startLive() {
  if (client || !state.token) return;
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  client = createClient({
    url,
    connectionParams: () => ({ token: state.token }),
    lazy: false,
    keepAlive: 15000,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    retryWait: (retries) =>
      new Promise((resolve) =>
        setTimeout(resolve, Math.min(10000, 500 * 2 ** retries) * (0.5 + Math.random() / 2)),
      ),
    on: {
      connecting: () => set({ live: 'connecting' }),
      connected: () => {
        set({ live: 'live' });
        if (state.queue !== null) loadQueue().catch(() => {});
        window.dispatchEvent(new CustomEvent('counter:reconnected'));
      },
      closed: (event) => {
        if (event?.code === 4403) {
          stopLive();
          forgetSession(true);
          return;
        }
        if (client) set({ live: 'connecting' });
      },
    },
  });
  const variables = { afterSeq: null };
  client.subscribe(
    { query: UPDATES, variables },
    {
      next: ({ data }) => {
        const update = data?.unitQueueUpdates;
        if (!update) return;
        // the opening message only says where the stream starts
        if (!update.event) {
          if (variables.afterSeq == null) variables.afterSeq = update.seq;
          return;
        }
        if (newer(update.seq, variables.afterSeq)) variables.afterSeq = update.seq;
        merge(update);
      },
      error: () => {},
      complete: () => {},
    },
  );
  followTickets();
}

// the ticket queue: each change (the ticket as it stands, or none once it left my units) goes to
// the screen that listens; the opening message has no ticket number and sets where it starts
function followTickets() {
  const variables = { afterSeq: null };
  client.subscribe(
    { query: TICKET_UPDATES, variables },
    {
      next: ({ data }) => {
        const update = data?.ticketQueueUpdates;
        if (!update) return;
        if (!update.ticketNumber) {
          if (variables.afterSeq == null) variables.afterSeq = update.seq;
          return;
        }
        if (newer(update.seq, variables.afterSeq)) variables.afterSeq = update.seq;
        window.dispatchEvent(new CustomEvent('counter:ticket', { detail: update }));
      },
      error: () => {},
      complete: () => {},
    },
  );
}

export function stopLive() {
  const old = client;
  client = null;
  old?.dispose();
  if (state.live !== 'idle') set({ live: 'idle' });
}
