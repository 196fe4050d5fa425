// The app's routes (shared/router.js): every route works offline from the service worker's
// copy of the one page; a new route starts at the top.
import { followRoutes } from '../../shared/router.js';
import { set, state } from './store.js';

export { go } from '../../shared/router.js';

export function startRouter() {
  state.route = followRoutes('home', (route) => {
    set({ route });
    window.scrollTo(0, 0);
  });
}
