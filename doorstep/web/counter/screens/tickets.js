// Tickets (诉求) of the unit (supervisors: the region's), the most urgent and the nearest
// deadline first; supervisors also see the review queue (returned, or routed by no rule).
import { html, useEffect, useState } from '../../app/core/html.js';
import { gql } from '../core/api.js';
import { t } from '../core/i18n.js';
import { state } from '../core/store.js';
import { ErrorLine, Screen, formatDate } from '../core/ui.js';

export const TICKET_ROW = `number kind kindLabel categoryName regionName urgency urgencyLabel
  status statusLabel dueOn acknowledgeBy acknowledgedAt needsReview leadUnit { code name }
  priority priorityLabel`;
const URGENCY = { DANGER: 0, URGENT: 1, NORMAL: 2 };
const OPEN = ['DISPATCHED', 'ACKNOWLEDGED', 'RETURNED', 'REOPENED', 'RESOLVED'];

export const byUrgencyThenDeadline = (list) =>
  [...list].sort(
    (a, b) =>
      (URGENCY[a.urgency] ?? 3) - (URGENCY[b.urgency] ?? 3) ||
      (a.dueOn < b.dueOn ? -1 : a.dueOn > b.dueOn ? 1 : 0) ||
      // 优先办: priority work first within the same deadline day
      (a.priority ? 0 : 1) - (b.priority ? 0 : 1),
  );

export const isSupervisor = () => ['SUPERVISOR', 'ADMIN'].includes(state.me?.role);

function TicketTable({ tickets, caption }) {
  if (!tickets.length) return html`<p class="empty">${t('tickets.empty')}</p>`;
  return html`<table class="queue tickets">
    <caption class="visually-hidden">${caption}</caption>
    <thead><tr>
      <th scope="col">${t('tickets.number')}</th><th scope="col">${t('tickets.category')}</th>
      <th scope="col">${t('tickets.urgency')}</th><th scope="col">${t('queue.status')}</th>
      <th scope="col">${t('tickets.unit')}</th><th scope="col">${t('queue.due')}</th>
    </tr></thead>
    <tbody>${tickets.map(
      (k) => html`<tr key=${k.number} data-ticket=${k.number}>
        <td data-label=${t('tickets.number')}><a href=${`#/ticket/${k.number}`}>${k.number}</a>
          ${k.needsReview && html` <span class="badge">${t('tickets.needs_review')}</span>`}
          ${k.priority && html` <span class="badge priority" title=${k.priorityLabel}>${t('queue.priority')}</span>`}</td>
        <td data-label=${t('tickets.category')}>${k.categoryName} <span class="hint">${k.kindLabel} · ${k.regionName}</span></td>
        <td data-label=${t('tickets.urgency')}><span class=${`urgency urgency-${k.urgency.toLowerCase()}`}>${k.urgencyLabel}</span></td>
        <td data-label=${t('queue.status')}>${k.statusLabel}</td>
        <td data-label=${t('tickets.unit')}>${k.leadUnit.name}</td>
        <td data-label=${t('queue.due')}>${formatDate(k.dueOn)}</td>
      </tr>`,
    )}</tbody>
  </table>`;
}

export function Tickets() {
  const [tickets, setTickets] = useState(null);
  const [review, setReview] = useState([]);
  const [error, setError] = useState(null);
  const read = () => {
    const query = isSupervisor()
      ? `query ($s: [TicketStatus!]) { ticketQueue(statuses: $s, first: 200) { ${TICKET_ROW} }
          ticketReviewQueue(first: 100) { ${TICKET_ROW} } }`
      : `query ($s: [TicketStatus!]) { ticketQueue(statuses: $s, first: 200) { ${TICKET_ROW} } }`;
    gql(query, { s: OPEN })
      .then((data) => {
        setTickets(byUrgencyThenDeadline(data.ticketQueue));
        setReview(data.ticketReviewQueue || []);
      })
      .catch(setError);
  };
  useEffect(read, []);
  return html`<${Screen} title=${t('tickets.title')}>
    <${ErrorLine} error=${error} />
    ${tickets === null && !error && html`<p>${t('loading')}</p>`}
    ${isSupervisor() &&
    html`<section aria-labelledby="review-title" class="review">
      <h2 id="review-title">${t('tickets.review')}</h2>
      <${TicketTable} tickets=${review} caption=${t('tickets.review')} />
    </section>`}
    ${tickets &&
    html`<section aria-labelledby="open-title">
      <h2 id="open-title">${t('tickets.open')}</h2>
      <${TicketTable} tickets=${tickets} caption=${t('tickets.open')} />
    </section>`}
  <//>`;
}
