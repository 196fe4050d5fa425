// Hash routes (#/application/2012345678): one page, every route a link a clerk can share.
import { set } from './store.js';

export function parse(hash = location.hash) {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  return { name: parts[0] || 'queue', params: parts.slice(1) };
}

export function go(...parts) {
  location.hash = `#/${parts.map(encodeURIComponent).join('/')}`;
}

export function startRouter() {
  window.addEventListener('hashchange', () => set({ route: parse() }));
  set({ route: parse() });
}
