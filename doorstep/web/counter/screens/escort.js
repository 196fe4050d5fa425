// 陪同办 for a unit: publish a slot (to the hall or a home visit), see the slots to come with
// their places, open a slot's roster (whom to accompany: the read is recorded) and, once it has
// started, record each visit's outcome (done or no-show) with a note.
import { html, useState } from '../../shared/html.js';
import { useAction, useBusy, useRead } from '../../shared/busy.js';
import { gql } from '../core/api.js';
import { Input, Select } from '../core/form.js';
import { t } from '../core/i18n.js';
import { ErrorLine, Screen, formatDate } from '../core/ui.js';

const SLOT = 'id kind kindLabel startsAt endsAt capacity booked placesLeft place cancelled';
const EMPTY = { kind: 'HALL', start: '', minutes: '120', capacity: '2', place: '', note: '' };

function Publish({ onDone }) {
  const [values, setValues] = useState(EMPTY);
  const { run, working, error } = useBusy();
  const submit = (event) => {
    event.preventDefault();
    run(async () => {
      const start = new Date(`${values.start}:00+08:00`);
      const end = new Date(start.getTime() + Number(values.minutes) * 60000);
      await gql(`mutation ($i: EscortSlotInput!) { publishEscortSlot(input: $i) { id } }`, {
        i: {
          kind: values.kind,
          startsAt: start.toISOString(),
          endsAt: end.toISOString(),
          capacity: Number.parseInt(values.capacity, 10) || 0,
          place: values.place,
          note: values.note || null,
        },
      });
      setValues(EMPTY);
      onDone();
    });
  };
  return html`<form class="escort-publish" onSubmit=${submit} aria-labelledby="escort-publish">
    <h2 id="escort-publish">${t('escort.publish')}</h2>
    <${Select} values=${values} set=${setValues} name="kind" label=${t('escort.kind')}
      options=${[['HALL', t('escort.kind_hall')], ['HOME', t('escort.kind_home')]]} />
    <${Input} values=${values} set=${setValues} name="start" type="datetime-local" required
      label=${t('escort.start')} hint=${t('escort.start_hint')} />
    <${Input} values=${values} set=${setValues} name="minutes" type="number" min="15" max="480"
      label=${t('escort.minutes')} />
    <${Input} values=${values} set=${setValues} name="capacity" type="number" min="1" max="20"
      label=${t('escort.capacity')} />
    <${Input} values=${values} set=${setValues} name="place" required label=${t('escort.place')} />
    <${Input} values=${values} set=${setValues} name="note" label=${t('escort.note')} />
    <${ErrorLine} error=${error} />
    <button type="submit" disabled=${working}>${t('escort.publish')}</button>
  </form>`;
}

function Outcome({ entry, started, onDone }) {
  const [note, setNote] = useState('');
  const { act, working, error } = useAction(onDone);
  const record = (outcome) =>
    act(() =>
      gql(
        `mutation ($n: String!, $o: EscortStatus!, $t: String) {
          recordEscortOutcome(number: $n, outcome: $o, note: $t) { status } }`,
        { n: entry.booking.number, o: outcome, t: note || null },
      ),
    );
  if (entry.booking.status !== 'BOOKED' || !started) return html`${entry.booking.statusLabel}`;
  return html`<div class="outcome">
    <label>${t('escort.outcome_note')}
      <input name="note" value=${note} onInput=${(e) => setNote(e.currentTarget.value)} /></label>
    <button type="button" disabled=${working} onClick=${() => record('DONE')}>${t('escort.done')}</button>
    <button type="button" class="secondary" disabled=${working} onClick=${() => record('NO_SHOW')}>
      ${t('escort.no_show')}</button>
    <${ErrorLine} error=${error} />
  </div>`;
}

function Roster({ slotId }) {
  const [roster, , error, read] = useRead(
    () =>
      gql(
        `query ($s: ID!) { escortRoster(slotId: $s) { slot { ${SLOT} } entries { citizenName
        citizenPhone booking { number status statusLabel address need confirmed } } } }`,
        { s: slotId },
      ).then((d) => d.escortRoster),
    [slotId],
  );
  if (error) return html`<${ErrorLine} error=${error} />`;
  if (!roster) return html`<p>${t('loading')}</p>`;
  const started = new Date(roster.slot.startsAt) <= new Date();
  return html`<section aria-labelledby="escort-roster" data-roster=${slotId}>
    <h2 id="escort-roster">${t('escort.roster')} · ${formatDate(roster.slot.startsAt)}</h2>
    ${roster.entries.length === 0
      ? html`<p class="empty">${t('escort.roster_empty')}</p>`
      : html`<table class="queue">
          <caption class="visually-hidden">${t('escort.roster')}</caption>
          <thead><tr><th scope="col">${t('escort.who')}</th><th scope="col">${t('escort.address')}</th>
            <th scope="col">${t('escort.need')}</th><th scope="col">${t('escort.outcome')}</th></tr></thead>
          <tbody>${roster.entries.map(
            (e) => html`<tr key=${e.booking.number} data-booking=${e.booking.number}>
              <td data-label=${t('escort.who')}>${e.citizenName || ''} ${e.citizenPhone}
                <div class="hint">${e.booking.number}${e.booking.confirmed ? ` · ${t('escort.confirmed')}` : ''}</div></td>
              <td data-label=${t('escort.address')}>${e.booking.address || ''}</td>
              <td data-label=${t('escort.need')}>${e.booking.need || ''}</td>
              <td data-label=${t('escort.outcome')}><${Outcome} entry=${e} started=${started} onDone=${read} /></td>
            </tr>`,
          )}</tbody>
        </table>`}
  </section>`;
}

export function Escort() {
  const [slots, , error, read] = useRead(() => gql(`{ escortSlots(first: 100) { ${SLOT} } }`).then((d) => d.escortSlots));
  const [open, setOpen] = useState(null);
  return html`<${Screen} title=${t('escort.title')}>
    <${Publish} onDone=${read} />
    <${ErrorLine} error=${error} />
    ${slots === null && !error && html`<p>${t('loading')}</p>`}
    ${slots && slots.length === 0 && html`<p class="empty">${t('escort.no_slots')}</p>`}
    ${slots && slots.length > 0 &&
    html`<table class="queue escort-slots">
      <caption class="visually-hidden">${t('escort.slots')}</caption>
      <thead><tr><th scope="col">${t('escort.start')}</th><th scope="col">${t('escort.kind')}</th>
        <th scope="col">${t('escort.place')}</th><th scope="col">${t('escort.booked')}</th>
        <th scope="col">${t('escort.roster')}</th></tr></thead>
      <tbody>${slots.map(
        (s) => html`<tr key=${s.id} data-slot=${s.id}>
          <td data-label=${t('escort.start')}>${formatDate(s.startsAt)}</td>
          <td data-label=${t('escort.kind')}>${s.kindLabel}</td>
          <td data-label=${t('escort.place')}>${s.place}</td>
          <td data-label=${t('escort.booked')}>${s.booked} / ${s.capacity}</td>
          <td data-label=${t('escort.roster')}><button type="button" class="secondary"
            aria-pressed=${open === s.id} onClick=${() => setOpen(s.id)}>${t('escort.open_roster')}</button></td>
        </tr>`,
      )}</tbody>
    </table>`}
    ${open && html`<${Roster} slotId=${open} key=${open} />`}
  <//>`;
}
