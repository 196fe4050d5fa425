// 陪同办: a community worker goes with you to the service hall, or comes to your home. Your
// bookings first (cancel one), then the slots to come: choose one, then one main action to book
// it (a home visit asks for the address). Acting for someone, it books for them.
import { gql } from '../core/api.js';
import { useBusy } from '../core/busy.js';
import { html, useEffect, useState } from '../core/html.js';
import { t } from '../core/i18n.js';
import { Field, Screen, formatDate } from '../core/ui.js';

const SLOT = 'id kind kindLabel startsAt endsAt placesLeft place unitName unitPhone';
const BOOKING = `number status statusLabel address confirmed slot { ${SLOT} }`;
const READ = `{ myEscortBookings(first: 20) { ${BOOKING} } escortSlots(first: 30) { ${SLOT} } }`;

function Booking({ item, onChange }) {
  const { run, working, error } = useBusy();
  const cancel = () =>
    run(async () => {
      const data = await gql(
        `mutation ($n: String!) { cancelEscortBooking(number: $n) { ${BOOKING} } }`,
        { n: item.number },
      );
      onChange(data.cancelEscortBooking);
    });
  return html`<li class="card" data-escort=${item.number} data-status=${item.status}>
    <div class="card-body">
      <span class="card-title">${item.slot.kindLabel} · ${formatDate(item.slot.startsAt)}</span>
      <span class="badge">${item.statusLabel}</span>
      <span class="card-text">${item.slot.place}</span>
      ${item.address && html`<span class="card-text">${item.address}</span>`}
      <span class="card-meta">${t('escort.number', { number: item.number })}</span>
      ${error && html`<p class="error" role="alert">${error.message}</p>`}
      ${item.status === 'BOOKED' &&
      html`<button type="button" class="secondary" disabled=${working} onClick=${cancel}>
        ${t('escort.cancel')}</button>`}
    </div>
  </li>`;
}

function BookForm({ slot, onBooked, onBack }) {
  const [address, setAddress] = useState('');
  const [need, setNeed] = useState('');
  const { run, working, error } = useBusy();
  const home = slot.kind === 'HOME';
  const submit = (event) => {
    event.preventDefault();
    run(async () => {
      const data = await gql(
        `mutation ($s: ID!, $a: String, $n: String) { bookEscort(slotId: $s, address: $a, need: $n)
          { ${BOOKING} } }`,
        { s: slot.id, a: home ? address : null, n: need || null },
      );
      onBooked(data.bookEscort);
    });
  };
  const code = error?.code || '';
  return html`<form class="escort-book" onSubmit=${submit} data-slot=${slot.id}>
    <h2>${slot.kindLabel} · ${formatDate(slot.startsAt)}</h2>
    <p>${slot.place} · ${slot.unitName}</p>
    ${home &&
    html`<${Field} label=${t('escort.address')} error=${code.includes('address') ? error.message : null}>
      ${(p) => html`<input ...${p} name="address" autocomplete="street-address" required
        value=${address} onInput=${(e) => setAddress(e.currentTarget.value)} />`}
    <//>`}
    <${Field} label=${t('escort.need')} hint=${t('escort.need_hint')}
      error=${code.includes('need') ? error.message : null}>
      ${(p) => html`<input ...${p} name="need" value=${need} onInput=${(e) => setNeed(e.currentTarget.value)} />`}
    <//>
    ${error && !code.includes('address') && !code.includes('need') &&
    html`<p class="error" role="alert">${error.message}</p>`}
    <button type="submit" class="primary" disabled=${working}>${t('escort.book')}</button>
    <button type="button" class="secondary" onClick=${onBack}>${t('escort.other_time')}</button>
  </form>`;
}

export function Escort() {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const [chosen, setChosen] = useState(null);
  const [done, setDone] = useState(null);
  const read = () =>
    gql(READ)
      .then(setData)
      .catch((e) => setError(e.message));
  useEffect(() => {
    read();
  }, []);
  const booked = (b) => {
    setChosen(null);
    setDone(b);
    read();
  };
  const changed = (b) =>
    setData((old) => ({
      ...old,
      myEscortBookings: old.myEscortBookings.map((o) => (o.number === b.number ? b : o)),
    }));
  const active = (data?.myEscortBookings || []).filter((b) => b.status === 'BOOKED');
  const mine = new Set(active.map((b) => b.slot.id));
  const open = (data?.escortSlots || []).filter((s) => s.placesLeft > 0 && !mine.has(s.id));
  return html`<${Screen} title=${t('escort.title')}>
    <p>${t('escort.intro')}</p>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${!data && !error && html`<p>${t('loading')}</p>`}
    ${done && html`<p role="status" class="done">${t('escort.booked', { number: done.number })}</p>`}
    ${chosen
      ? html`<${BookForm} slot=${chosen} onBooked=${booked} onBack=${() => setChosen(null)} />`
      : data &&
        html`<section aria-labelledby="escort-mine">
            <h2 id="escort-mine">${t('escort.mine')}</h2>
            ${data.myEscortBookings.length === 0 && html`<p class="empty">${t('escort.none')}</p>`}
            <ul class="cards" data-list="escort-bookings">
              ${data.myEscortBookings.map((b) => html`<${Booking} key=${b.number} item=${b} onChange=${changed} />`)}
            </ul>
          </section>
          <section aria-labelledby="escort-slots">
            <h2 id="escort-slots">${t('escort.slots')}</h2>
            ${open.length === 0 && html`<p class="empty">${t('escort.no_slots')}</p>`}
            <ul class="cards" data-list="escort-slots">
              ${open.map(
                (s) => html`<li class="card" key=${s.id} data-slot=${s.id}>
                  <div class="card-body">
                    <span class="card-title">${s.kindLabel} · ${formatDate(s.startsAt)}</span>
                    <span class="card-text">${s.place} · ${s.unitName}</span>
                    <span class="card-meta">${t('escort.places_left', { count: s.placesLeft })}</span>
                    <button type="button" class="secondary" onClick=${() => { setDone(null); setChosen(s); }}>
                      ${t('escort.choose')}</button>
                  </div>
                </li>`,
              )}
            </ul>
          </section>`}
  <//>`;
}
