// Tickets (诉求): my list; filing one with its kind, category, description and place (a region
// from the picker, and the browser's position when the citizen allows it); one ticket's
// page: where it is, the answer, "solved or not", and the five 好差评 levels.
import { gql } from '../core/api.js';
import { useBusy, useRead } from '../../shared/busy.js';
import { html, useEffect, useState } from '../../shared/html.js';
import { t, whose } from '../core/i18n.js';
import { RatingForm } from '../core/rating.js';
import { go } from '../core/router.js';
import { Field, Screen, formatDate } from '../core/ui.js';

const KINDS = ['REPORT', 'COMPLAINT', 'HELP', 'ENQUIRY', 'SUGGESTION'];
const FIELDS = `number kind kindLabel categoryName description regionName status statusLabel
  leadUnit { name } dueOn resolutionNote solved rating ratingLabel ratingComment createdAt
  timeline { seq title at }`;
const label = (prefix, value) => t(`${prefix}.${value.toLowerCase()}`);

// which field a refusal belongs next to
const fieldOf = (code) =>
  code.startsWith('ticket.description') ? 'description'
  : code.startsWith('ticket.region') ? 'region'
  : code.startsWith('ticket.category') ? 'category'
  : code.startsWith('ticket.kind') ? 'kind'
  : code.startsWith('ticket.coordinates') ? 'location'
  : 'form';

export function Tickets() {
  const [tickets, , error] = useRead(() =>
    gql(`{ myTickets(first: 30) { number categoryName statusLabel status createdAt } }`).then(
      (data) => data.myTickets,
    ),
  );
  return html`<${Screen} title=${whose('tickets.title', 'tickets.title_for')}>
    <a class="button primary" href="#/report">${t('tickets.new')}</a>
    ${error && html`<p class="error" role="alert">${error.message}</p>`}
    ${!tickets && !error && html`<p>${t('loading')}</p>`}
    ${tickets && tickets.length === 0 && html`<p class="empty">${t('tickets.none')}</p>`}
    <ul class="cards" data-list="tickets">
      ${(tickets || []).map(
        (ticket) => html`<li class="card" key=${ticket.number}>
          <a href=${`#/ticket/${ticket.number}`}>
            <span class="card-title">${ticket.categoryName}</span>
            <span class=${`badge status-${ticket.status.toLowerCase()}`}>${ticket.statusLabel}</span>
            <span class="card-meta">${t('tickets.number', { number: ticket.number })} · ${formatDate(ticket.createdAt)}</span>
          </a>
        </li>`,
      )}
    </ul>
  <//>`;
}

export function Report() {
  const [choices, setChoices] = useState(null);
  const [kind, setKind] = useState('REPORT');
  const [category, setCategory] = useState('');
  const [description, setDescription] = useState('');
  const [region, setRegion] = useState('');
  const [position, setPosition] = useState(null);
  const [locating, setLocating] = useState(false);
  const [locateFailed, setLocateFailed] = useState(false);
  const [errors, setErrors] = useState({});
  const { run, working } = useBusy();
  useEffect(() => {
    gql('{ ticketCategories { code name description } ticketPlaces { code name parentCode } }')
      .then((data) => setChoices(data))
      .catch((e) => setErrors({ form: e.message }));
  }, []);
  const locate = () => {
    if (!('geolocation' in navigator)) return setLocateFailed(true);
    setLocating(true);
    setLocateFailed(false);
    navigator.geolocation.getCurrentPosition(
      (p) => {
        setPosition({ latitude: p.coords.latitude, longitude: p.coords.longitude });
        setLocating(false);
      },
      () => {
        setLocateFailed(true);
        setLocating(false);
      },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 60000 },
    );
    return undefined;
  };
  const submit = (event) => {
    event.preventDefault();
    run(async () => {
      setErrors({});
      try {
        const input = { kind, categoryCode: category, description, regionCode: region, ...(position || {}) };
        const data = await gql(
          'mutation ($i: SubmitTicketInput!) { submitTicket(input: $i) { number } }',
          { i: input },
        );
        go('ticket', data.submitTicket.number);
      } catch (e) {
        setErrors({ [fieldOf(e.code || '')]: e.message });
      }
    });
  };
  if (!choices) {
    return html`<${Screen} title=${t('tickets.new')}>
      ${errors.form ? html`<p class="error" role="alert">${errors.form}</p>` : html`<p>${t('loading')}</p>`}<//>`;
  }
  // GB/T 2260: 6 digits a district, 9 a street, 12 a community
  const depth = (code) => (code.length <= 6 ? 0 : code.length <= 9 ? 1 : 2);
  return html`<${Screen} title=${t('tickets.new')}>
    <form onSubmit=${submit} novalidate data-form="ticket">
      <${Field} label=${t('tickets.kind')} error=${errors.kind}>
        ${(props) => html`<select ...${props} name="kind" value=${kind} onChange=${(e) => setKind(e.currentTarget.value)}>
          ${KINDS.map((k) => html`<option key=${k} value=${k}>${label('ticket_kind', k)}</option>`)}
        </select>`}
      <//>
      <${Field} label=${t('tickets.category')} error=${errors.category}>
        ${(props) => html`<select ...${props} name="category" value=${category} onChange=${(e) => setCategory(e.currentTarget.value)}>
          <option value="">${t('tickets.choose')}</option>
          ${choices.ticketCategories.map((c) => html`<option key=${c.code} value=${c.code}>${c.name}</option>`)}
        </select>`}
      <//>
      <${Field} label=${t('tickets.description')} hint=${t('tickets.description_hint')} error=${errors.description}>
        ${(props) => html`<textarea ...${props} name="description" rows="4" value=${description}
          onInput=${(e) => setDescription(e.currentTarget.value)}></textarea>`}
      <//>
      <${Field} label=${t('tickets.region')} error=${errors.region}>
        ${(props) => html`<select ...${props} name="region" value=${region} onChange=${(e) => setRegion(e.currentTarget.value)}>
          <option value="">${t('tickets.choose')}</option>
          ${choices.ticketPlaces.map(
            (p) => html`<option key=${p.code} value=${p.code}>${'\u3000'.repeat(depth(p.code))}${p.name}</option>`,
          )}
        </select>`}
      <//>
      <div class="field" data-field="location">
        <button type="button" class="secondary" disabled=${locating} onClick=${locate}>
          <span aria-hidden="true">📍 </span>${t('tickets.locate')}</button>
        ${position && html`<p class="hint" role="status">${t('tickets.located', {
          lat: position.latitude.toFixed(5),
          lng: position.longitude.toFixed(5),
        })}</p>`}
        ${locateFailed && html`<p class="notice" role="status">${t('tickets.locate_failed')}</p>`}
        ${errors.location && html`<p class="error" role="alert">${errors.location}</p>`}
      </div>
      ${errors.form && html`<p class="error" role="alert">${errors.form}</p>`}
      <button type="submit" class="primary" disabled=${working}>
        ${working ? t('tickets.submitting') : t('tickets.submit')}</button>
    </form>
  <//>`;
}

function Rate({ ticket, onDone }) {
  const send = async (rating, comment) => {
    const data = await gql(
      `mutation ($n: String!, $r: Rating!, $c: String) { rateTicket(number: $n, rating: $r, comment: $c) { ${FIELDS} } }`,
      { n: ticket.number, r: rating, c: comment },
    );
    onDone(data.rateTicket);
  };
  return html`<${RatingForm} form="rate" legend=${t('tickets.rate')}
    commentLabel=${t('tickets.rate_comment')} sendLabel=${t('tickets.rate_send')} send=${send} />`;
}

export function Ticket({ params: [number] }) {
  const [ticket, setTicket, error] = useRead(
    () => gql(`query ($n: String!) { ticket(number: $n) { ${FIELDS} } }`, { n: number }).then((data) => data.ticket),
    [number],
  );
  const answer = useBusy();
  const followUp = (solved) =>
    answer.run(async () => {
      const data = await gql(
        `mutation ($n: String!, $s: Boolean!) { answerFollowUp(number: $n, solved: $s) { ${FIELDS} } }`,
        { n: number, s: solved },
      );
      setTicket(data.answerFollowUp);
    });
  if (!ticket) {
    return html`<${Screen} title=${t('tickets.number', { number })}>
      ${error ? html`<p class="error" role="alert">${error.message}</p>` : html`<p>${t('loading')}</p>`}<//>`;
  }
  const asking = ticket.status === 'RESOLVED' && ticket.solved == null;
  const mayRate = !ticket.rating && ['RESOLVED', 'CLOSED', 'CLOSED_UNCONFIRMED'].includes(ticket.status) && !asking;
  return html`<${Screen} title=${ticket.categoryName}>
    <p class="card-meta">${t('tickets.number', { number: ticket.number })} · ${ticket.kindLabel}</p>
    <p><span class=${`badge status-${ticket.status.toLowerCase()}`} data-status=${ticket.status}>${ticket.statusLabel}</span></p>
    <p>${ticket.description}</p>
    <p class="card-meta">${ticket.regionName}</p>
    <p class="card-meta">${t('tickets.lead_unit', { unit: ticket.leadUnit.name })} · ${t('tickets.due', { date: formatDate(ticket.dueOn) })}</p>
    ${ticket.resolutionNote && html`<h2>${t('tickets.resolution')}</h2><p class="notice">${ticket.resolutionNote}</p>`}
    ${asking && html`<section aria-labelledby="follow-up" data-section="follow-up">
      <h2 id="follow-up">${t('tickets.follow_up')}</h2>
      ${answer.error && html`<p class="error" role="alert">${answer.error.message}</p>`}
      <button type="button" class="primary" disabled=${answer.working} onClick=${() => followUp(true)}>${t('tickets.solved')}</button>
      <button type="button" class="secondary" disabled=${answer.working} onClick=${() => followUp(false)}>${t('tickets.not_solved')}</button>
    </section>`}
    ${mayRate && html`<${Rate} ticket=${ticket} onDone=${setTicket} />`}
    ${ticket.rating && html`<p class="notice" data-rating=${ticket.rating}>${t('tickets.rated', { rating: ticket.ratingLabel })}</p>`}
    <h2>${t('tickets.timeline')}</h2>
    <ol class="timeline">
      ${[...ticket.timeline].reverse().map(
        (e) => html`<li key=${e.seq}><span>${e.title}</span><time datetime=${e.at}>${formatDate(e.at)}</time></li>`,
      )}
    </ol>
  <//>`;
}
