// The staff console (工作台): the shell (header, navigation, live status, screen) and the
// routes. One module per screen under screens/; the console's core under core/; the UI
// modules are the citizen app's vendored ones, named once in shared/html.js.
import { html, render, useEffect } from '../shared/html.js';
import { gql } from './core/api.js';
import { currentLanguage, loadStrings, t } from './core/i18n.js';
import { startLive, stopLive } from './core/live.js';
import { startRouter } from './core/router.js';
import { forgetSession, set, state, useStore } from './core/store.js';
import { Admin } from './screens/admin.js';
import { Application } from './screens/application.js';
import { Conflicts } from './screens/conflicts.js';
import { Decisions } from './screens/decisions.js';
import { Desk } from './screens/desk.js';
import { Escort } from './screens/escort.js';
import { Figures } from './screens/figures.js';
import { Login, ME } from './screens/login.js';
import { OfferRules } from './screens/offer_rules.js';
import { Queue } from './screens/queue.js';
import { Rules } from './screens/rules.js';
import { Sharing } from './screens/sharing.js';
import { Ticket } from './screens/ticket.js';
import { Tickets } from './screens/tickets.js';
import { Watch } from './screens/watch.js';

const SCREENS = {
  queue: Queue,
  application: Application,
  tickets: Tickets,
  ticket: Ticket,
  rules: Rules,
  desk: Desk,
  watch: Watch,
  figures: Figures,
  decisions: Decisions,
  offers: OfferRules,
  sharing: Sharing,
  admin: Admin,
  conflicts: Conflicts,
  escort: Escort,
};
const SUPERVISORS = new Set(['SUPERVISOR', 'ADMIN']);
// [route, label, who sees it]; screens a role cannot use are not offered
const NAV = [
  ['queue', 'nav.queue', null],
  ['tickets', 'nav.tickets', null],
  ['desk', 'nav.desk', new Set(['STAFF', 'SUPERVISOR'])],
  ['escort', 'nav.escort', null],
  ['decisions', 'nav.decisions', null],
  ['watch', 'nav.watch', null],
  ['figures', 'nav.figures', SUPERVISORS],
  ['rules', 'nav.rules', SUPERVISORS],
  ['offers', 'nav.offers', null],
  ['sharing', 'nav.sharing', null],
  ['conflicts', 'nav.conflicts', SUPERVISORS],
  ['admin', 'nav.admin', new Set(['ADMIN'])],
];
// the section each route belongs to, for the navigation's current page
const SECTION = { application: 'queue', ticket: 'tickets' };

function LiveStatus() {
  const s = useStore();
  const text = s.live === 'live' ? t('live.live') : s.live === 'connecting' ? t('live.connecting') : '';
  return html`<p class="live-status" role="status" data-live=${s.live}>${text}</p>`;
}

async function logOut() {
  try {
    await gql('mutation { logout }');
  } catch {
    // already ended: forgetting it here is all that is left
  }
  forgetSession();
}

function Counter() {
  const s = useStore();
  useEffect(() => {
    if (s.token && s.me) startLive();
    else stopLive();
  }, [s.token, s.me]);
  if (!s.strings) return html`<p class="loading">…</p>`;
  if (!s.token || !s.me) return html`<main id="main"><${Login} /></main>`;
  const route = s.route || { name: 'queue', params: [] };
  const Current = SCREENS[route.name] || Queue;
  return html`
    <header class="top">
      <span class="brand">${t('name')}</span>
      <span class="who">${t(`role.${s.me.role.toLowerCase()}`)}</span>
      <${LiveStatus} />
      <button type="button" class="link" onClick=${logOut}>${t('logout')}</button>
    </header>
    <div class="body">
      <nav class="side" aria-label=${t('nav.label')}>
        ${NAV.filter(([, , roles]) => !roles || roles.has(s.me.role)).map(
          ([name, key]) => html`<a href=${`#/${name === 'queue' ? '' : name}`}
            aria-current=${(SECTION[route.name] || route.name) === name ? 'page' : undefined}>${t(key)}</a>`,
        )}
      </nav>
      <main id="main"><${Current} key=${route.name + route.params.join('/')} params=${route.params} /></main>
    </div>`;
}

async function boot() {
  startRouter();
  await loadStrings(currentLanguage()).catch(() => set({ strings: { normal: {}, elder: {} } }));
  const root = document.getElementById('counter');
  root.textContent = '';
  render(html`<${Counter} />`, root);
  if (state.token) {
    try {
      set({ me: (await gql(`{ ${ME} }`)).me });
    } catch {
      // an ended session was forgotten by gql(); the log-in screen says so
    }
  }
}

boot();
