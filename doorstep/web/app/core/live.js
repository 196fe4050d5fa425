// The citizen's live progress (shared/live.js has the recipe): `myUpdates` for the home's
// list from the page's stream position, `applicationProgress` for an open application's page;
// on every (re)connect the home is read again ("catching up").
import { createLive, seqAfter } from '../../shared/live.js';
import { APPLICATION_FIELDS, ME, ME_FIELDS, gql } from './api.js';
import { forgetSession, set, state } from './store.js';

const watchers = new Set();

export { seqAfter };

const MY_UPDATES = `subscription ($afterSeq: ID) { myUpdates(afterSeq: $afterSeq) {
  seq applicationNumber event { seq kind title at } application { ${APPLICATION_FIELDS} } } }`;

const PROGRESS = `subscription ($number: String!, $afterSeq: ID) {
  applicationProgress(number: $number, afterSeq: $afterSeq) {
    seq applicationNumber event { seq kind title at }
    application { ${APPLICATION_FIELDS} timeline { seq kind title at } } } }`;

// `me { lastSeq }` is read before the rest of the page: where `myUpdates` starts, so a change
// that commits between the page's read and the subscription is in one of them, never in neither
export const HOME = `{ me { lastSeq ${ME_FIELDS} } myApplications(first: 30) { ${APPLICATION_FIELDS} }
  myConfirmations(statuses: [PENDING]) { id bundleName viewerIs readAloud statusLabel } }`;

// the home's data; its stream position (`me.lastSeq`) is returned, not kept
export async function refreshHome() {
  const data = await gql(HOME);
  const { lastSeq, ...me } = data.me;
  set({ me, applications: data.myApplications, confirmations: data.myConfirmations }, [
    'me',
    'applications',
    'confirmations',
  ]);
  return lastSeq;
}

// `me` carries the home's key message (what is open, what waits): re-read it when a change adds
// an application or moves one's status, or elder mode reads aloud a list that is no longer true
let meQueued = null;
function refreshMeSoon() {
  if (meQueued) return;
  meQueued = setTimeout(async () => {
    meQueued = null;
    try {
      const data = await gql(`{ ${ME} }`);
      set({ me: data.me }, ['me']);
    } catch {
      // offline or a lost session: the next catch-up reads everything again
    }
  }, 300);
}

function mergeApplication(application) {
  if (!application) return;
  const list = [...(state.applications || [])];
  const at = list.findIndex((a) => a.number === application.number);
  const moved = at < 0 || (application.status && application.status !== list[at].status);
  if (at >= 0) list[at] = { ...list[at], ...application };
  else list.unshift(application);
  set({ applications: list }, ['applications']);
  if (moved) refreshMeSoon();
}

// the page read again; its stream position, or null when the read failed
async function catchUp() {
  set({ live: 'catching_up' });
  try {
    const lastSeq = await refreshHome();
    set({ live: 'live' });
    return lastSeq;
  } catch {
    set({ live: navigator.onLine ? 'connecting' : 'offline' });
    return null;
  }
}

const live = createLive({
  connectionParams: () =>
    state.acting ? { token: state.token, actingFor: state.acting.principalId } : { token: state.token },
  connecting: () => set({ live: navigator.onLine ? 'connecting' : 'offline' }),
  connected: (own) => {
    set({ wasConnected: true });
    catchUp().then((lastSeq) => follow(own, lastSeq));
    for (const watcher of watchers) watcher.onReconnect?.();
  },
  retrying: () => set({ live: navigator.onLine ? 'connecting' : 'offline' }),
  sessionGone: () => forgetSession(),
  stopped: () => set({ live: 'idle' }),
});

// `myUpdates` is subscribed once per client, after the first read of the page: from its
// `lastSeq` (graphql-ws then re-sends `variables`, with `afterSeq` kept current, after every
// reconnect); a read that ends after its client was closed subscribes nothing
let following = null;
function follow(own, lastSeq) {
  if (following === own || live.current() !== own) return;
  following = own;
  subscribeUpdates(own, { afterSeq: lastSeq ?? null });
}

export function startLive() {
  if (state.token) live.start();
}

export const stopLive = live.stop;

function subscribeUpdates(own, variables) {
  own.subscribe(
    { query: MY_UPDATES, variables },
    {
      next: ({ data }) => {
        const update = data?.myUpdates;
        if (!update || !seqAfter(update.seq, variables.afterSeq)) return;
        variables.afterSeq = update.seq;
        mergeApplication(update.application);
        for (const watcher of watchers) watcher.onUpdate?.(update);
      },
      error: () => {},
      complete: () => {},
    },
  );
}

// One application's page: its state now, then each change, resumed from the last sequence.
export function watchApplication(number, onMessage, onError) {
  startLive();
  const client = live.current();
  if (!client) return () => {};
  const variables = { number, afterSeq: null };
  return client.subscribe(
    { query: PROGRESS, variables },
    {
      next: ({ data, errors }) => {
        if (errors?.length) return onError?.(errors[0]);
        const update = data?.applicationProgress;
        if (!update) return;
        // the opening message carries the state (no event); it may repeat the last sequence
        if (update.event && !seqAfter(update.seq, variables.afterSeq)) return;
        if (variables.afterSeq == null || seqAfter(update.seq, variables.afterSeq)) {
          variables.afterSeq = update.seq;
        }
        mergeApplication(update.application && { ...update.application, timeline: undefined });
        onMessage(update);
      },
      error: (error) => onError?.(Array.isArray(error) ? error[0] : error),
      complete: () => {},
    },
  );
}

export function onLiveUpdate(watcher) {
  watchers.add(watcher);
  return () => watchers.delete(watcher);
}
