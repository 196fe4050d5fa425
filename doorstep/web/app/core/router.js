// Hash routes (#/application/2012345678): the server serves one page, so every route works
// offline from the service worker's copy and needs no server-side fallback.
import { set, state } from './store.js';

export function parse(hash = location.hash) {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  return { name: parts[0] || 'home', params: parts.slice(1) };
}

export function go(...parts) {
  location.hash = `#/${parts.map(encodeURIComponent).join('/')}`;
}

export function startRouter() {
  const update = () => {
    set({ route: parse() });
    window.scrollTo(0, 0);
  };
  window.addEventListener('hashchange', update);
  state.route = parse();
}
