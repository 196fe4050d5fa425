// 陪同办: a community worker goes with you to the service hall, or comes to your home. Your
// bookings first (move one to another time, or cancel it), then the slots to come: choose one, then one main action to book
// it (a home visit asks for the address). Acting for someone, it books for them.
import { gql } from '../core/api.js';
import { useBusy } from '../../shared/busy.js';
import { html, useEffect, useState } from '../../shared/html.js';
import { t, whose } from '../core/i18n.js';
import { Field, Screen, formatDate } from '../core/ui.js';

const SLOT = 'id kind kindLabel startsAt endsAt placesLeft place unitName unitPhone';
const BOOKING = `number status statusLabel address confirmed slot { ${SLOT} }`;
const READ = `{ myEscortBookings(first: 20) { ${BOOKING} } escortSlots(first: 30) { ${SLOT} }
  me { priority { hasPriority grounds { reason label sourceName factKey } } } }`;

// 优先办: whether I am served first and why, each ground with its source; a fact's ground can
// be questioned ("this is wrong" goes to the unit that stated it)
function Ground({ ground }) {
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState('');
  const [sent, setSent] = useState(null);
  const { run, working, error } = useBusy();
  const send = (event) => {
    event.preventDefault();
    run(async () => {
      const data = await gql(
        `mutation ($k: String!, $n: String!) { flagFact(key: $k, note: $n) { number } }`,
        { k: ground.factKey, n: note },
      );
      setSent(data.flagFact.number);
      setOpen(false);
    });
  };
  return html`<li data-ground=${ground.reason}>
    ${t('priority.ground', { label: ground.label, source: ground.sourceName })}
    ${sent && html`<p role="status">${t('priority.flagged', { number: sent })}</p>`}
    ${ground.factKey && !sent && !open &&
    html`<button type="button" class="secondary" onClick=${() => setOpen(true)}>${t('priority.wrong')}</button>`}
    ${open &&
    html`<form onSubmit=${send}>
      <${Field} label=${t('priority.wrong_note')} error=${error?.message}>
        ${(p) => html`<input ...${p} name="note" required value=${note} onInput=${(e) => setNote(e.currentTarget.value)} />`}
      <//>
      <button type="submit" class="secondary" disabled=${working}>${t('priority.send')}</button>
    </form>`}
  </li>`;
}

function PriorityNote({ standing }) {
  if (!standing?.hasPriority) return null;
  return html`<section aria-labelledby="priority-title" data-section="priority">
    <h2 id="priority-title">${t('priority.title')}</h2>
    <p>${t('priority.intro')}</p>
    <ul class="grounds">${standing.grounds.map((g) => html`<${Ground} key=${g.reason} ground=${g} />`)}</ul>
  </section>`;
}

function Booking({ item, onChange, onMove }) {
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
      html`<div class="actions">
        <button type="button" class="secondary" disabled=${working} onClick=${() => onMove(item)}>
          ${t('escort.change')}</button>
        <button type="button" class="secondary" disabled=${working} onClick=${cancel}>
          ${t('escort.cancel')}</button>
      </div>`}
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
  const [moving, setMoving] = useState(null);
  const { run, working, error: moveError } = useBusy();
  const moveTo = (slot) =>
    run(async () => {
      const data = await gql(
        `mutation ($n: String!, $s: ID) { changeEscortBooking(number: $n, slotId: $s) { ${BOOKING} } }`,
        { n: moving.number, s: slot.id },
      );
      setMoving(null);
      setDone(data.changeEscortBooking);
      read();
    });
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
    ${data && !chosen && html`<${PriorityNote} standing=${data.me?.priority} />`}
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${!data && !error && html`<p>${t('loading')}</p>`}
    ${done && html`<p role="status" class="done">${t('escort.booked', { number: done.number })}</p>`}
    ${moving && html`<button type="button" class="secondary" onClick=${() => setMoving(null)}>
      ${t('escort.keep')}</button>`}
    ${chosen
      ? html`<${BookForm} slot=${chosen} onBooked=${booked} onBack=${() => setChosen(null)} />`
      : data &&
        html`<section aria-labelledby="escort-mine">
            <h2 id="escort-mine">${whose('escort.mine', 'escort.mine_for')}</h2>
            ${data.myEscortBookings.length === 0 && html`<p class="empty">${t('escort.none')}</p>`}
            <ul class="cards" data-list="escort-bookings">
              ${data.myEscortBookings.map(
                (b) => html`<${Booking} key=${b.number} item=${b} onChange=${changed}
                  onMove=${(m) => { setDone(null); setMoving(m); }} />`,
              )}
            </ul>
          </section>
          <section aria-labelledby="escort-slots">
            <h2 id="escort-slots">${moving ? t('escort.move_to', { number: moving.number }) : t('escort.slots')}</h2>
            ${moveError && html`<p class="error" role="alert">${moveError.message}</p>`}
            ${open.length === 0 && html`<p class="empty">${t('escort.no_slots')}</p>`}
            <ul class="cards" data-list="escort-slots">
              ${open.map(
                (s) => html`<li class="card" key=${s.id} data-slot=${s.id}>
                  <div class="card-body">
                    <span class="card-title">${s.kindLabel} · ${formatDate(s.startsAt)}</span>
                    <span class="card-text">${s.place} · ${s.unitName}</span>
                    <span class="card-meta">${t('escort.places_left', { count: s.placesLeft })}</span>
                    ${moving
                      ? html`<button type="button" class="secondary" disabled=${working}
                          onClick=${() => moveTo(s)}>${t('escort.move_here')}</button>`
                      : html`<button type="button" class="secondary"
                          onClick=${() => { setDone(null); setChosen(s); }}>${t('escort.choose')}</button>`}
                  </div>
                </li>`,
              )}
            </ul>
          </section>`}
  <//>`;
}
