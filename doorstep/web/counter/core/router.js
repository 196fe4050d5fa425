// The console's routes (shared/router.js): the queue when none is named.
import { followRoutes } from '../../shared/router.js';
import { set } from './store.js';

export function startRouter() {
  set({ route: followRoutes('queue', (route) => set({ route })) });
}
