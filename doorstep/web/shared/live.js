// Live updates over graphql-transport-ws with the official graphql-ws client.
//
// The recipe, for any app: one client per session, retrying for ever with backoff; the
// subscription's `variables` object is kept and its `afterSeq` moved forward on every message,
// because graphql-ws re-sends that very object when it subscribes again after a lost
// connection or a server restart (1012, 1013), so the server replays exactly what was missed.
// Anything at or below the last sequence seen is dropped, so nothing shows twice. 4403 means
// the session is gone: log in again.
import { createClient } from '../vendor/graphql-ws-6.4.2/client.js';

export const seqAfter = (seq, last) => last == null || BigInt(seq) > BigInt(last);

// The session's one client: start() opens it (null when one is open already), stop() closes
// it. connecting(), connected(client): the app's status line and its re-read of the lists;
// retrying(): closed while still wanted (it reconnects); sessionGone(): closed with 4403, after
// stop(); stopped(): after stop()
export function createLive({ connectionParams, connecting, connected, retrying, sessionGone, stopped }) {
  let client = null;

  function stop() {
    const old = client;
    client = null;
    old?.dispose();
    stopped();
  }

  function start() {
    if (client) return null;
    const own = createClient({
      url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
      connectionParams,
      lazy: false,
      keepAlive: 15000,
      retryAttempts: Number.POSITIVE_INFINITY,
      shouldRetry: () => true,
      // 0.5 s, 1 s, 2 s ... up to 10 s, with jitter so a restarted server is not hit at once
      retryWait: (retries) =>
        new Promise((resolve) =>
          setTimeout(resolve, Math.min(10000, 500 * 2 ** retries) * (0.5 + Math.random() / 2)),
        ),
      on: {
        connecting: () => connecting(),
        connected: () => connected(own),
        closed: (event) => {
          if (event?.code === 4403) {
            stop();
            sessionGone();
          } else if (client) {
            retrying();
          }
        },
      },
    });
    client = own;
    return own;
  }

  return { start, stop, current: () => client };
}
