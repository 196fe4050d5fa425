// One app's shared state: screens read it with useStore() and change it with set(); what must
// survive a reload is kept in localStorage under the app's own prefix (the citizen app and the
// staff console share the origin, so each keeps its own keys).
import { useEffect, useState } from './html.js';

// `initial(saved)` builds the first state; saved(key, fallback) reads what set(..., [key]) kept
export function createStore(prefix, initial) {
  const saved = (key, fallback) => {
    try {
      const raw = localStorage.getItem(`${prefix}.${key}`);
      return raw === null ? fallback : JSON.parse(raw);
    } catch {
      return fallback;
    }
  };
  const state = initial(saved);
  const listeners = new Set();

  function set(patch, persist = []) {
    Object.assign(state, patch);
    for (const key of persist) {
      try {
        localStorage.setItem(`${prefix}.${key}`, JSON.stringify(state[key]));
      } catch {
        // private mode or full: the app still works, it only forgets on reload
      }
    }
    for (const listener of [...listeners]) listener();
  }

  function useStore() {
    const [, force] = useState(0);
    useEffect(() => {
      const listener = () => force((n) => n + 1);
      listeners.add(listener);
      return () => listeners.delete(listener);
    }, []);
    return state;
  }

  return { state, set, useStore };
}
