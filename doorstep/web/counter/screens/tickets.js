// Tickets (诉求) of the unit (supervisors: the region's), the most urgent and the nearest
// deadline first; supervisors also see the review queue (returned, or routed by no rule).
// Tickets arriving or changing come in live (core/live.js) and new ones are marked.
import { html, useEffect, useState } from '../../shared/html.js';
import { TICKET_ROW, gql } from '../core/api.js';
import { t } from '../core/i18n.js';
import { state } from '../core/store.js';
import { ErrorLine, Screen, formatDate } from '../core/ui.js';

export { TICKET_ROW };
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

const inReview = (k) => k.status === 'RETURNED' || (k.needsReview && k.status === 'DISPATCHED');

// a live change: the ticket as it stands goes in (or replaces its row) where it belongs now;
// a ticket gone to another unit (no ticket) or closed leaves the lists
export function merged(lists, update) {
  const number = update.ticketNumber;
  const k = update.ticket;
  const without = (list) => list.filter((x) => x.number !== number);
  const open = without(lists.open);
  const review = without(lists.review);
  if (k && OPEN.includes(k.status)) open.push(k);
  if (k && isSupervisor() && inReview(k)) review.push(k);
  return { open: byUrgencyThenDeadline(open), review };
}

function TicketTable({ tickets, caption, arrived }) {
  if (!tickets.length) return html`<p class="empty">${t('tickets.empty')}</p>`;
  return html`<table class="queue tickets">
    <caption class="visually-hidden">${caption}</caption>
    <thead><tr>
      <th scope="col">${t('tickets.number')}</th><th scope="col">${t('tickets.category')}</th>
      <th scope="col">${t('tickets.urgency')}</th><th scope="col">${t('queue.status')}</th>
      <th scope="col">${t('tickets.unit')}</th><th scope="col">${t('queue.due')}</th>
    </tr></thead>
    <tbody>${tickets.map(
      (k) => html`<tr key=${k.number} data-ticket=${k.number} data-status=${k.status}
        class=${arrived.has(k.number) ? 'arrived' : ''}>
        <td data-label=${t('tickets.number')}><a href=${`#/ticket/${k.number}`}>${k.number}</a>
          ${arrived.has(k.number) && html` <span class="badge">${t('queue.new')}</span>`}
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
  const [lists, setLists] = useState(null);
  const [arrived, setArrived] = useState(new Set());
  const [error, setError] = useState(null);
  const read = () => {
    const query = isSupervisor()
      ? `query ($s: [TicketStatus!]) { ticketQueue(statuses: $s, first: 200) { ${TICKET_ROW} }
          ticketReviewQueue(first: 100) { ${TICKET_ROW} } }`
      : `query ($s: [TicketStatus!]) { ticketQueue(statuses: $s, first: 200) { ${TICKET_ROW} } }`;
    gql(query, { s: OPEN })
      .then((data) =>
        setLists({ open: byUrgencyThenDeadline(data.ticketQueue), review: data.ticketReviewQueue || [] }),
      )
      .catch(setError);
  };
  useEffect(() => {
    read();
    const change = (event) => {
      const update = event.detail;
      setLists((now) => {
        if (!now) return now;
        const known = [...now.open, ...now.review].some((k) => k.number === update.ticketNumber);
        if (!known && update.ticket) setArrived((a) => new Set(a).add(update.ticketNumber));
        return merged(now, update);
      });
    };
    window.addEventListener('counter:ticket', change);
    window.addEventListener('counter:reconnected', read);
    return () => {
      window.removeEventListener('counter:ticket', change);
      window.removeEventListener('counter:reconnected', read);
    };
  }, []);
  return html`<${Screen} title=${t('tickets.title')}>
    <${ErrorLine} error=${error} />
    ${lists === null && !error && html`<p>${t('loading')}</p>`}
    ${isSupervisor() &&
    lists &&
    html`<section aria-labelledby="review-title" class="review">
      <h2 id="review-title">${t('tickets.review')}</h2>
      <${TicketTable} tickets=${lists.review} caption=${t('tickets.review')} arrived=${arrived} />
    </section>`}
    ${lists &&
    html`<section aria-labelledby="open-title">
      <h2 id="open-title">${t('tickets.open')}</h2>
      <${TicketTable} tickets=${lists.open} caption=${t('tickets.open')} arrived=${arrived} />
    </section>`}
  <//>`;
}
