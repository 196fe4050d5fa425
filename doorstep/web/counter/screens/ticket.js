// One ticket as its unit handles it: what the citizen asked, where, how urgent and by when;
// acknowledge (签收), return with a reason (退单), resolve with a note (办结), extend; for
// supervisors, redispatch to another unit. Each action is one request, refusals shown in place.
// A colleague's change comes in live: the ticket queue's stream (core/live.js) names the
// ticket, and the page reads it again as it stands, timeline included.
import { html, useEffect, useState } from '../../shared/html.js';
import { useBusy } from '../../shared/busy.js';
import { gql } from '../core/api.js';
import { t } from '../core/i18n.js';
import { ActionBar, ErrorLine, Field, Screen, formatDate } from '../core/ui.js';
import { TICKET_ROW, isSupervisor } from './tickets.js';

const TICKET = `${TICKET_ROW} description channel dueAt extendedDays resolutionNote returnsCount
  reopenCount dispatch { basis explanation } assistingUnits { code name }
  timeline { seq title at }`;
// each action's document written out whole: the documents a deployment trusts are read from
// this source (doorstep check), so none is put together at run time
const MUTATIONS = {
  acknowledge: ['acknowledgeTicket', `mutation ($n: String!) { acknowledgeTicket(number: $n) { ${TICKET} } }`],
  return: [
    'returnTicket',
    `mutation ($n: String!, $text: String!) { returnTicket(number: $n, reason: $text) { ${TICKET} } }`,
  ],
  resolve: [
    'resolveTicket',
    `mutation ($n: String!, $text: String!) { resolveTicket(number: $n, note: $text) { ${TICKET} } }`,
  ],
  extend: [
    'extendTicket',
    `mutation ($n: String!, $text: String!, $days: Int!) { extendTicket(number: $n, reason: $text, days: $days) { ${TICKET} } }`,
  ],
};
const ALLOWED = {
  DISPATCHED: ['acknowledge', 'return'],
  ACKNOWLEDGED: ['resolve', 'extend', 'return'],
  REOPENED: ['resolve', 'extend'],
};
const PRIMARY = new Set(['acknowledge', 'resolve']);
const WITH_TEXT = new Set(['return', 'resolve', 'extend']);
const REDISPATCH = ['DISPATCHED', 'ACKNOWLEDGED', 'RETURNED'];

async function act(kind, number, text, days) {
  const [field, mutation] = MUTATIONS[kind];
  const data = await gql(mutation, { n: number, text, days });
  return data[field];
}

function Redispatch({ ticket, onDone }) {
  const [units, setUnits] = useState([]);
  const [unit, setUnit] = useState('');
  const [note, setNote] = useState('');
  const { run, working, error } = useBusy();
  useEffect(() => {
    // the units that serve the ticket's category at its place, the most local first
    gql('query ($n: String!) { redispatchChoices(number: $n) { code name } }', { n: ticket.number })
      .then((data) => setUnits(data.redispatchChoices.map((u) => [u.code, u.name])))
      .catch(() => {});
  }, [ticket.number]);
  const send = (event) => {
    event.preventDefault();
    run(async () => {
      const data = await gql(
        `mutation ($n: String!, $u: String!, $note: String) { redispatchTicket(number: $n, unitCode: $u, note: $note) { ${TICKET} } }`,
        { n: ticket.number, u: unit, note: note || null },
      );
      onDone(data.redispatchTicket);
    });
  };
  return html`<form class="reason-form" data-form="redispatch" onSubmit=${send} novalidate>
    <h3>${t('ticket.redispatch')}</h3>
    <${Field} label=${t('ticket.redispatch.unit')} error=${error?.message}>
      ${(props) => html`<select ...${props} name="unit" value=${unit} onChange=${(e) => setUnit(e.currentTarget.value)}>
        <option value="">${t('ticket.redispatch.choose')}</option>
        ${units.map(([code, name]) => html`<option value=${code}>${name} (${code})</option>`)}
      </select>`}
    <//>
    <${Field} label=${t('ticket.redispatch.note')}>
      ${(props) => html`<textarea ...${props} name="note" rows="2" value=${note}
        onInput=${(e) => setNote(e.currentTarget.value)}></textarea>`}
    <//>
    <button type="submit" class="primary" disabled=${working}>${t('ticket.redispatch')}</button>
  </form>`;
}

function Actions({ ticket, onDone }) {
  return html`<${ActionBar} allowed=${ALLOWED[ticket.status] || []} primary=${PRIMARY} needsText=${WITH_TEXT}
    strings=${(kind) => ({
      name: t(`ticket.${kind}`),
      text: t(`ticket.${kind}.text`),
      hint: t(`ticket.${kind}.hint`),
    })}
    perform=${(kind, text, days) => act(kind, ticket.number, text, days)} onDone=${onDone} />`;
}

export function Ticket({ params }) {
  const number = params[0];
  const [ticket, setTicket] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    const read = () =>
      gql(`query ($n: String!) { ticket(number: $n) { ${TICKET} } }`, { n: number })
        .then((data) => {
          setTicket(data.ticket);
          setError(null);
        })
        .catch(setError);
    const change = (event) => {
      if (event.detail.ticketNumber === number) read();
    };
    read();
    window.addEventListener('counter:ticket', change);
    window.addEventListener('counter:reconnected', read);
    return () => {
      window.removeEventListener('counter:ticket', change);
      window.removeEventListener('counter:reconnected', read);
    };
  }, [number]);
  const title = t('ticket.title', { number });
  if (error) return html`<${Screen} title=${title}><${ErrorLine} error=${error} /><//>`;
  if (!ticket) return html`<p>${t('loading')}</p>`;
  return html`<${Screen} title=${title}
      actions=${html`<a class="button secondary" href="#/tickets">${t('ticket.back')}</a>`}>
    <p class="summary" data-status=${ticket.status}><strong>${ticket.categoryName}</strong>
      ${` · ${ticket.kindLabel} · ${ticket.urgencyLabel} · ${ticket.statusLabel}`}</p>
    <div class="columns">
      <div>
        <blockquote class="description">${ticket.description}</blockquote>
        <dl class="facts">
          <dt>${t('ticket.place')}</dt><dd>${ticket.regionName}</dd>
          <dt>${t('tickets.unit')}</dt><dd>${ticket.leadUnit.name}
            ${ticket.assistingUnits.length > 0 && html` + ${ticket.assistingUnits.map((u) => u.name).join('、')}`}</dd>
          <dt>${t('ticket.why_here')}</dt><dd>${ticket.dispatch.explanation}</dd>
          <dt>${t('ticket.ack_by')}</dt><dd>${formatDate(ticket.acknowledgeBy)}</dd>
          <dt>${t('queue.due')}</dt><dd>${formatDate(ticket.dueOn)}
            ${ticket.extendedDays > 0 && html` <span class="hint">${t('ticket.extended', { days: ticket.extendedDays })}</span>`}</dd>
          ${ticket.resolutionNote && html`<dt>${t('ticket.resolve.text')}</dt><dd>${ticket.resolutionNote}</dd>`}
        </dl>
        <${Actions} ticket=${ticket} onDone=${setTicket} />
        ${isSupervisor() && REDISPATCH.includes(ticket.status) && html`<${Redispatch} ticket=${ticket} onDone=${setTicket} />`}
      </div>
      <div>
        <h2>${t('application.timeline')}</h2>
        <ol class="timeline">${ticket.timeline.map(
          (e) => html`<li key=${e.seq}><span class="hint">${formatDate(e.at)}</span> ${e.title}</li>`,
        )}</ol>
      </div>
    </div>
  <//>`;
}
