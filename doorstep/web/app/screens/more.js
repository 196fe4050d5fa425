// The journeys beyond the tabs, and this device's notifications.
import { useBusy } from '../../shared/busy.js';
import { html, useEffect, useState } from '../../shared/html.js';
import { t, whose } from '../core/i18n.js';
import { canPush, currentSubscription, subscribe, unsubscribe } from '../core/push.js';
import { state } from '../core/store.js';

const LINKS = [
  ['identity', 'identity.title'],
  ['escort', 'escort.title'],
  ['offers', 'offers.title', 'offers.title_for'],
  ['tickets', 'tickets.title', 'tickets.title_for'],
  ['confirmations', 'confirmations.title', 'confirmations.title_for'],
  ['delegations', 'delegation.title'],
  ['access', 'access.title', 'access.title_for'],
];

function Push() {
  const [on, setOn] = useState(false);
  const { run, working, error } = useBusy();
  useEffect(() => {
    currentSubscription()
      .then((s) => setOn(Boolean(s)))
      .catch(() => {});
  }, []);
  if (!canPush()) return html`<p class="hint">${t('push.unavailable')}</p>`;
  const toggle = () =>
    run(async () => {
      if (on) await unsubscribe();
      else await subscribe();
      setOn(!on);
    });
  return html`<section aria-labelledby="push-title" data-section="push">
    <h2 id="push-title">${t('push.title')}</h2>
    ${on && html`<p role="status">${t('push.enabled')}</p>`}
    ${error && html`<p class="error" role="alert">${error.message}</p>`}
    <button type="button" class="secondary" aria-pressed=${on} disabled=${working} onClick=${toggle}>
      ${on ? t('push.off') : t('push.on')}</button>
  </section>`;
}

export function MoreLinks() {
  return html`<nav aria-labelledby="more-title" class="more">
    <h2 id="more-title">${t('more.title')}</h2>
    <ul class="cards">
      ${LINKS.map(
        ([route, key, theirs]) => html`<li class="card" key=${route}><a href=${`#/${route}`}><span class="card-title">${theirs ? whose(key, theirs) : t(key)}</span></a></li>`,
      )}
    </ul>
    ${!state.acting && html`<${Push} />`}
  </nav>`;
}
