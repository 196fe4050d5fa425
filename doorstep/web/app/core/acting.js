// Acting for someone (帮办代办): while set, every request carries X-Acting-For and the live
// socket says actingFor, so the server answers with the principal's data as far as the
// delegation's themes allow. Switching starts a new socket: a subscription is bound to whom
// it was opened for.
import { ME, gql } from './api.js';
import { refreshHome, startLive, stopLive } from './live.js';
import { set } from './store.js';

async function reload() {
  stopLive();
  startLive();
  const data = await gql(`{ ${ME} }`).catch(() => null);
  if (data?.me) set({ me: data.me }, ['me']);
  await refreshHome().catch(() => {});
}

export async function startActing(principalId, name) {
  set({ acting: { principalId: String(principalId), name }, applications: [], confirmations: [] }, [
    'acting',
    'applications',
    'confirmations',
  ]);
  await reload();
}

export async function stopActing() {
  set({ acting: null, applications: [], confirmations: [] }, ['acting', 'applications', 'confirmations']);
  await reload();
}
