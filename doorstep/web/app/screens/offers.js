// Offers that found me (服务找人): each says in plain words why it found me and from which
// values (with the unit that holds them); accept applies in one step, dismiss is for good,
// appeal asks a person to look again; a whole kind of offers can be turned off.
import { gql } from '../core/api.js';
import { useBusy } from '../../shared/busy.js';
import { html, useEffect, useState } from '../../shared/html.js';
import { t, whose } from '../core/i18n.js';
import { go } from '../core/router.js';
import { Field, Screen, formatDate } from '../core/ui.js';

const FIELDS = `id title reason status statusLabel categoryLabel bundleCode applicationNumber
  expiresAt appealStatus appealReason appealNote evidence { field label value sourceUnit }`;
const OFFERS = `{ myOffers(first: 50) { ${FIELDS} }
  offerCategories { category label optedOut mayOptOut } }`;

function Appeal({ offer, onDone }) {
  const [reason, setReason] = useState('');
  const { run, working, error } = useBusy();
  const submit = (event) => {
    event.preventDefault();
    run(async () => {
      const data = await gql(
        `mutation ($id: ID!, $r: String!) { appealOffer(id: $id, reason: $r) { ${FIELDS} } }`,
        { id: offer.id, r: reason },
      );
      onDone(data.appealOffer);
    });
  };
  return html`<form onSubmit=${submit} novalidate data-form="appeal">
    <${Field} label=${t('offers.appeal_reason')} error=${error?.message}>
      ${(props) => html`<textarea ...${props} name="reason" rows="3" value=${reason}
        onInput=${(e) => setReason(e.currentTarget.value)}></textarea>`}
    <//>
    <button type="submit" class="secondary" disabled=${working}>${t('offers.appeal_send')}</button>
  </form>`;
}

function OfferCard({ offer, onChange }) {
  const [appealing, setAppealing] = useState(false);
  const { run, working, error } = useBusy();
  const accept = () =>
    run(async () => {
      const data = await gql(
        `mutation ($id: ID!) { acceptOffer(id: $id) { offer { ${FIELDS} } application { number } } }`,
        { id: offer.id },
      );
      onChange(data.acceptOffer.offer);
      go('application', data.acceptOffer.application.number);
    });
  const dismiss = () =>
    run(async () => {
      const data = await gql(`mutation ($id: ID!) { dismissOffer(id: $id) { ${FIELDS} } }`, {
        id: offer.id,
      });
      onChange(data.dismissOffer);
    });
  const open = offer.status === 'OPEN';
  const waiting = error?.code === 'delegation.confirmation_pending';
  return html`<li class="card offer" data-offer=${offer.id} data-status=${offer.status}>
    <div class="card-body">
      <span class="card-title">${offer.title}</span>
      <span class="badge">${offer.statusLabel}</span>
      <h3>${t('offers.why')}</h3>
      <p>${offer.reason}</p>
      <ul class="evidence">
        ${offer.evidence.map(
          (e) => html`<li key=${e.field}><span class="material-name">${e.label}</span>
            <span>${e.sourceUnit ? t('offers.from', { value: e.value, unit: e.sourceUnit }) : e.value}</span></li>`,
        )}
      </ul>
      ${open && html`<p class="card-meta">${t('offers.expires', { date: formatDate(offer.expiresAt) })}</p>`}
      ${offer.appealNote && html`<p class="notice">${t('offers.appeal_note', { note: offer.appealNote })}</p>`}
      ${error && html`<p class=${waiting ? 'notice' : 'error'} role="alert">${error.message}</p>`}
      ${waiting && html`<p><a class="button secondary" href="#/confirmations">${t('confirmations.waiting')}</a></p>`}
      ${offer.applicationNumber &&
      html`<a class="button secondary" href=${`#/application/${offer.applicationNumber}`}>${t('offers.see_application')}</a>`}
      ${open && !waiting && html`<div class="actions">
        ${offer.bundleCode && html`<button type="button" class="primary" disabled=${working} onClick=${accept}>${t('offers.accept')}</button>`}
        <button type="button" class="secondary" disabled=${working} onClick=${dismiss}>${t('offers.dismiss')}</button>
        <button type="button" class="secondary" aria-expanded=${appealing} onClick=${() => setAppealing(!appealing)}>${t('offers.appeal')}</button>
      </div>`}
      ${open && appealing && html`<${Appeal} offer=${offer} onDone=${onChange} />`}
    </div>
  </li>`;
}

function OptOut({ choice, onChange }) {
  const { run, working, error } = useBusy();
  const toggle = () =>
    run(async () => {
      const data = await gql(
        `mutation ($c: OfferCategory!, $o: Boolean!) { setOfferOptOut(category: $c, optedOut: $o) {
          category label optedOut mayOptOut } }`,
        { c: choice.category, o: !choice.optedOut },
      );
      onChange(data.setOfferOptOut);
    });
  return html`<li data-category=${choice.category}>
    <button type="button" class="secondary" aria-pressed=${choice.optedOut} disabled=${working}
      onClick=${toggle}>${choice.optedOut
        ? t('offers.resume', { category: choice.label })
        : t('offers.stop', { category: choice.label })}</button>
    ${choice.optedOut && html`<span class="card-meta"> ${t('offers.stopped')}</span>`}
    ${error && html`<p class="error" role="alert">${error.message}</p>`}
  </li>`;
}

export function Offers() {
  const [offers, setOffers] = useState(null);
  const [choices, setChoices] = useState([]);
  const [error, setError] = useState(null);
  useEffect(() => {
    gql(OFFERS)
      .then((data) => {
        setOffers(data.myOffers);
        setChoices(data.offerCategories);
      })
      .catch((e) => setError(e.message));
  }, []);
  const replace = (offer) => setOffers((old) => old.map((o) => (o.id === offer.id ? offer : o)));
  const shown = (offers || []).filter((o) => !['LAPSED', 'EXPIRED'].includes(o.status));
  return html`<${Screen} title=${whose('offers.title', 'offers.title_for')}>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${!offers && !error && html`<p>${t('loading')}</p>`}
    ${offers && shown.length === 0 && html`<p class="empty">${t('offers.none')}</p>`}
    <ul class="cards">${shown.map((o) => html`<${OfferCard} key=${o.id} offer=${o} onChange=${replace} />`)}</ul>
    ${choices.some((c) => c.mayOptOut) && html`<h2>${t('offers.stop_title')}</h2>
      <p class="hint">${t('offers.stop_hint')}</p>
      <ul class="choices">${choices.filter((c) => c.mayOptOut).map(
        (c) => html`<${OptOut} key=${c.category} choice=${c} onChange=${setChoices} />`,
      )}</ul>`}
  <//>`;
}
