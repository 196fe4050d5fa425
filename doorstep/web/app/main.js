// The citizen app: the shell (header, live status, screen, navigation) and the routes.
// One module per screen under screens/; the shared core is under core/.
import { html, render, useEffect } from '../shared/html.js';
import { ME, gql } from './core/api.js';
import { currentLanguage, isElder, loadStrings, t } from './core/i18n.js';
import { refreshHome, startLive, stopLive } from './core/live.js';
import { startRouter } from './core/router.js';
import { set, state, useStore } from './core/store.js';
import { LiveStatus } from './core/ui.js';
import { ActingBanner } from './core/acting_banner.js';
import { lazy } from './core/lazy.js';
import { Application } from './screens/application.js';
import { Apply } from './screens/apply.js';
import { Catalog } from './screens/catalog.js';
import { ElderOffer } from './screens/elder_offer.js';
import { Home } from './screens/home.js';
import { Login } from './screens/login.js';
import { Notifications } from './screens/notifications.js';
import { Settings } from './screens/settings.js';

const SCREENS = {
  home: Home,
  catalog: Catalog,
  apply: Apply,
  application: Application,
  notifications: Notifications,
  settings: Settings,
  offers: lazy(() => import('./screens/offers.js'), 'Offers'),
  tickets: lazy(() => import('./screens/tickets.js'), 'Tickets'),
  report: lazy(() => import('./screens/tickets.js'), 'Report'),
  ticket: lazy(() => import('./screens/tickets.js'), 'Ticket'),
  access: lazy(() => import('./screens/data_access.js'), 'DataAccess'),
  delegations: lazy(() => import('./screens/delegations.js'), 'Delegations'),
  confirmations: lazy(() => import('./screens/confirmations.js'), 'Confirmations'),
  identity: lazy(() => import('./screens/identity.js'), 'Identity'),
  escort: lazy(() => import('./screens/escort.js'), 'Escort'),
};
const NAV = [
  ['home', 'nav.home'],
  ['catalog', 'nav.catalog'],
  ['notifications', 'nav.notifications'],
  ['settings', 'nav.settings'],
];

export async function loadMe() {
  const data = await gql(`{ ${ME} }`);
  if (!data.me) {
    set({ token: null, me: null }, ['token', 'me']);
    return null;
  }
  set({ me: data.me }, ['me']);
  return data.me;
}

function App() {
  const s = useStore();
  useEffect(() => {
    document.body.classList.toggle('elder', isElder());
  });
  useEffect(() => {
    if (!s.token) {
      stopLive();
      return;
    }
    startLive();
  }, [s.token]);
  if (!s.strings) return html`<p class="loading">…</p>`;
  if (!s.token || !s.me) return html`<main id="main"><${Login} /></main>`;
  if (s.me.elderModeOffered) return html`<main id="main"><${ElderOffer} /></main>`;
  const route = s.route || { name: 'home', params: [] };
  const Current = SCREENS[route.name] || Home;
  return html`
    <${ActingBanner} />
    <header class="top"><span class="brand">${t('name')}</span></header>
    <${LiveStatus} />
    <main id="main"><${Current} key=${route.name + route.params.join('/')} params=${route.params} /></main>
    <nav class="tabs" aria-label=${t('nav.label')}>
      ${NAV.map(
        ([name, key]) =>
          html`<a href=${`#/${name === 'home' ? '' : name}`}
            aria-current=${route.name === name ? 'page' : undefined}>${t(key)}</a>`,
      )}
    </nav>`;
}

async function boot() {
  startRouter();
  const setOnline = () => set({ online: navigator.onLine });
  window.addEventListener('online', setOnline);
  window.addEventListener('offline', setOnline);
  await loadStrings(currentLanguage()).catch(() => set({ strings: { normal: {}, elder: {} } }));
  const root = document.getElementById('app');
  root.textContent = ''; // the no-script placeholder
  render(html`<${App} />`, root);
  if (state.token) {
    try {
      const me = await loadMe();
      if (me && me.language !== state.strings.language) await loadStrings(me.language);
      if (me) await refreshHome();
    } catch {
      // offline: the last known me and list from localStorage are shown
    }
  }
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js').catch(() => {});
  }
}

boot();
