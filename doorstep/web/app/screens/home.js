// Home: what needs me now, then what is in progress; elder mode starts with the key message.
import { gql } from '../core/api.js';
import { html, useEffect, useState } from '../../shared/html.js';
import { isElder, t, whose } from '../core/i18n.js';
import { refreshHome } from '../core/live.js';
import { useStore } from '../core/store.js';
import { Screen } from '../core/ui.js';

const FINAL = new Set(['COMPLETED', 'PARTIALLY_COMPLETED', 'REJECTED']);

export function ApplicationCard({ application }) {
  return html`<li class="card">
    <a href=${`#/application/${application.number}`}>
      <span class="card-title">${application.bundleName}</span>
      <span class=${`badge status-${application.status.toLowerCase()}`}>${application.statusLabel}</span>
      ${application.nextStep && html`<span class="card-text">${application.nextStep}</span>`}
      <span class="card-meta">${application.number}</span>
    </a>
  </li>`;
}

export function Home() {
  const s = useStore();
  const [unread, setUnread] = useState(false);
  useEffect(() => {
    // offline: the last known list stays; with none known yet, the screen says it could not read
    refreshHome().catch(() => setUnread(true));
  }, []);
  // null until the list has been read once (on this device): not "nothing", not known yet
  const known = s.applications !== null;
  const unknown = unread
    ? html`<p class="error" role="alert">${t('error.network')}</p>`
    : html`<p data-loading>${t('loading')}</p>`;
  const applications = s.applications || [];
  const needs = applications.filter((a) => a.status === 'NEEDS_MATERIALS');
  const going = applications.filter((a) => a.status !== 'NEEDS_MATERIALS' && !FINAL.has(a.status));
  const confirmations = (s.confirmations || []).filter((c) => c.viewerIs === 'principal');
  const [offers, setOffers] = useState(0);
  useEffect(() => {
    // an offer is something that needs me; an agent may not see them all, so no count then
    gql('{ myOffers(statuses: [OPEN], first: 50) { id } }')
      .then((data) => setOffers(data.myOffers.length))
      .catch(() => setOffers(0));
  }, [s.acting]);
  return html`<${Screen} title=${t('home.title')} readAloud=${isElder() ? s.me?.presentation?.readAloud : null}>
    <h2>${t('home.needs_you')}</h2>
    ${confirmations.length > 0 && html`<p class="notice"><a href="#/confirmations">${t('home.confirmations', { count: confirmations.length })}</a></p>`}
    ${offers > 0 && html`<p class="notice"><a href="#/offers" data-link="offers">${whose('home.offers', 'home.offers_for', { count: offers })}</a></p>`}
    ${!known
      ? unknown
      : needs.length > 0
      ? html`<ul class="cards" data-list="needs">${needs.map((a) => html`<${ApplicationCard} key=${a.number} application=${a} />`)}</ul>`
      : confirmations.length === 0 && offers === 0 && html`<p class="empty">${t('home.nothing_needed')}</p>`}
    <h2>${t('home.in_progress')}</h2>
    ${!known
      ? null
      : going.length === 0
      ? html`<p class="empty">${t('home.no_applications')}</p>`
      : html`<ul class="cards" data-list="in-progress">${going.map((a) => html`<${ApplicationCard} key=${a.number} application=${a} />`)}</ul>`}
    <a class="button primary" href="#/catalog">${t('home.apply')}</a>
  <//>`;
}
