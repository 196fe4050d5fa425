// Money-moving actions of an agent wait for the principal's own yes: the principal confirms
// (the application is made) or refuses; the agent sees what waits.
import { gql } from '../core/api.js';
import { useBusy, useRead } from '../../shared/busy.js';
import { html } from '../../shared/html.js';
import { isElder, t, whose } from '../core/i18n.js';
import { refreshHome } from '../core/live.js';
import { go } from '../core/router.js';
import { Screen, formatDate } from '../core/ui.js';

const FIELDS = `id bundleName status statusLabel nextStep viewerIs readAloud requestedAt expiresAt
  applicationNumber agent { name phoneMasked } principal { name phoneMasked }`;

function ConfirmationCard({ item, onChange }) {
  const { run, working, error } = useBusy();
  const answer = (confirm) =>
    run(async () => {
      const data = await gql(
        `mutation ($id: ID!, $c: Boolean!) { answerConfirmation(id: $id, confirm: $c) {
          confirmation { ${FIELDS} } application { number } } }`,
        { id: item.id, c: confirm },
      );
      onChange(data.answerConfirmation.confirmation);
      refreshHome().catch(() => {});
      if (data.answerConfirmation.application) go('application', data.answerConfirmation.application.number);
    });
  const asking = item.viewerIs === 'principal' && item.status === 'PENDING';
  return html`<li class="card" data-confirmation=${item.id} data-status=${item.status}>
    <div class="card-body">
      <span class="card-title">${item.viewerIs === 'principal'
        ? t('confirmations.asked', { agent: item.agent.name || item.agent.phoneMasked, bundle: item.bundleName })
        : item.bundleName}</span>
      <span class="badge">${item.statusLabel}</span>
      ${item.nextStep && html`<span class="card-text">${item.nextStep}</span>`}
      <span class="card-meta">${formatDate(item.requestedAt)}</span>
      ${error && html`<p class="error" role="alert">${error.message}</p>`}
      ${asking && html`<div class="actions">
        <button type="button" class="primary" disabled=${working} onClick=${() => answer(true)}>${t('confirmations.confirm')}</button>
        <button type="button" class="secondary" disabled=${working} onClick=${() => answer(false)}>${t('confirmations.refuse')}</button>
      </div>`}
      ${item.applicationNumber && html`<a class="button secondary" href=${`#/application/${item.applicationNumber}`}>${t('offers.see_application')}</a>`}
    </div>
  </li>`;
}

export function Confirmations() {
  const [items, setItems, error] = useRead(() =>
    gql(`{ myConfirmations(first: 30) { ${FIELDS} } }`).then((data) => data.myConfirmations),
  );
  const replace = (c) => setItems((old) => old.map((o) => (o.id === c.id ? c : o)));
  const pending = (items || []).find((c) => c.status === 'PENDING');
  return html`<${Screen} title=${whose('confirmations.title', 'confirmations.title_for')} readAloud=${isElder() ? pending?.readAloud : null}>
    ${error && html`<p class="error" role="alert">${error.message}</p>`}
    ${!items && !error && html`<p>${t('loading')}</p>`}
    ${items && items.length === 0 && html`<p class="empty">${t('confirmations.none')}</p>`}
    <ul class="cards" data-list="confirmations">
      ${(items || []).map((c) => html`<${ConfirmationCard} key=${c.id} item=${c} onChange=${replace} />`)}
    </ul>
  <//>`;
}
