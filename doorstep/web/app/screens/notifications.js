// My notifications, each with "how we told you": the channel decisions and their reasons.
import { gql } from '../core/api.js';
import { useRead } from '../../shared/busy.js';
import { html } from '../../shared/html.js';
import { t } from '../core/i18n.js';
import { Screen, formatDate } from '../core/ui.js';

const QUERY = `{ myNotifications(first: 30) { id kind channelLabel statusLabel text createdAt
  how { decision reason text channel at } } }`;

export function Notifications() {
  const [items, , error] = useRead(() => gql(QUERY).then((data) => data.myNotifications));
  return html`<${Screen} title=${t('notifications.title')}>
    ${error && html`<p class="error" role="alert">${error.message}</p>`}
    ${items && items.length === 0 && html`<p class="empty">${t('notifications.none')}</p>`}
    ${!items && !error && html`<p>${t('loading')}</p>`}
    <ul class="cards">
      ${(items || []).map(
        (n) => html`<li class="card" key=${n.id}>
          <span class="card-text">${n.text}</span>
          <span class="card-meta">${[formatDate(n.createdAt), n.channelLabel, n.statusLabel].filter(Boolean).join(' · ')}</span>
          ${n.how.length > 0 && html`<details>
            <summary>${t('notifications.how')}</summary>
            <ul class="how">${n.how.map((d) => html`<li key=${d.at + d.decision}>${d.text}</li>`)}</ul>
          </details>`}
        </li>`,
      )}
    </ul>
  <//>`;
}
