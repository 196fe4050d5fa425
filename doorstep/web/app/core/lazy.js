// A screen loaded when first shown (dynamic import): the first load carries only the core
// journeys, the rest comes when asked for (and the service worker keeps it for offline).
import { h, html, useEffect, useState } from '../../shared/html.js';
import { t } from './i18n.js';

export function lazy(load, name) {
  let loaded = null;
  return function Lazy(props) {
    const [, ready] = useState(0);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (loaded) return;
      load()
        .then((module) => {
          loaded = module[name];
          ready((n) => n + 1);
        })
        .catch(() => setFailed(true));
    }, []);
    if (loaded) return h(loaded, props);
    return failed ? html`<p class="error" role="alert">${t('error.network')}</p>` : html`<p>${t('loading')}</p>`;
  };
}
