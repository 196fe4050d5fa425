// The live unit queue and ticket queue over graphql-transport-ws, by the recipe both apps follow
// (shared/live.js); the queue is read again over HTTP on every (re)connect. Ticket changes go
// to whichever screen listens ('counter:ticket' on the window).
import { createLive, seqAfter } from '../../shared/live.js';
import { TASK_FIELDS, TICKET_ROW } from './api.js';
import { forgetSession, set, state } from './store.js';
import { loadQueue, ordered } from './queue.js';

const OPEN = new Set(['SUBMITTED', 'ACCEPTED', 'NEEDS_MATERIALS']);
const UPDATES = `subscription ($afterSeq: ID) { unitQueueUpdates(afterSeq: $afterSeq) {
  seq applicationNumber event { seq kind } tasks { applicationNumber task { ${TASK_FIELDS} } } } }`;

const TICKET_UPDATES = `subscription ($afterSeq: ID) { ticketQueueUpdates(afterSeq: $afterSeq) {
  seq ticketNumber event { seq kind } ticket { ${TICKET_ROW} } } }`;

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

const live = createLive({
  connectionParams: () => ({ token: state.token }),
  connecting: () => set({ live: 'connecting' }),
  connected: () => {
    set({ live: 'live' });
    if (state.queue !== null) loadQueue().catch(() => {});
    window.dispatchEvent(new CustomEvent('counter:reconnected'));
  },
  retrying: () => set({ live: 'connecting' }),
  sessionGone: () => forgetSession(true),
  stopped: () => {
    if (state.live !== 'idle') set({ live: 'idle' });
  },
});

export function startLive() {
  if (!state.token) return;
  const client = live.start();
  if (!client) return;
  // the opening message only says where the stream starts
  follow(client, UPDATES, 'unitQueueUpdates', (update) => !update.event, merge);
  // each ticket change (the ticket as it stands, or none once it left my units) goes to the
  // screen that listens; the opening message has no ticket number
  follow(client, TICKET_UPDATES, 'ticketQueueUpdates', (update) => !update.ticketNumber, (update) =>
    window.dispatchEvent(new CustomEvent('counter:ticket', { detail: update })),
  );
}

export const stopLive = live.stop;

// A stream whose opening message sets where it starts; every later one goes to onChange and
// moves `afterSeq` forward when it is the highest yet (a unit's events may commit out of
// sequence order, so none is dropped for being lower)
function follow(client, query, field, isOpening, onChange) {
  const variables = { afterSeq: null };
  client.subscribe(
    { query, variables },
    {
      next: ({ data }) => {
        const update = data?.[field];
        if (!update) return;
        if (isOpening(update)) {
          if (variables.afterSeq == null) variables.afterSeq = update.seq;
          return;
        }
        if (seqAfter(update.seq, variables.afterSeq)) variables.afterSeq = update.seq;
        onChange(update);
      },
      error: () => {},
      complete: () => {},
    },
  );
}
