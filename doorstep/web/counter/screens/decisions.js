// What waits on a person's decision: citizens' appeals against offers (服务找人), data
// corrections the unit owns, and home visits for the community. Each decision carries a note
// the citizen can read; a refusal shows next to the card it belongs to.
import { html, useState } from '../../shared/html.js';
import { useAction, useRead } from '../../shared/busy.js';
import { gql } from '../core/api.js';
import { t } from '../core/i18n.js';
import { Input, Select } from '../core/form.js';
import { ErrorLine, Screen, formatDate } from '../core/ui.js';

const READ = `{ offerAppeals(statuses: [PENDING]) { id title reason explanation unitName citizenName
    citizenResidentIdMasked createdAt evidence { label value sourceUnit } }
  factCorrections(statuses: [OPEN]) { number factLabel flaggedValue note unitName citizenName
    citizenResidentIdMasked createdAt }
  welfareChecks(statuses: [OPEN]) { id title reason dueOn unitName citizenName citizenPhone
    evidence { label value sourceUnit } } }`;
const OUTCOMES = ['SAFE', 'NEEDS_HELP', 'NOT_REACHED'];

function Evidence({ items }) {
  return html`<ul class="evidence">${items.map(
    (e) => html`<li>${e.label}: <strong>${e.value}</strong>${e.sourceUnit ? ` (${e.sourceUnit})` : ''}</li>`,
  )}</ul>`;
}

function Appeal({ appeal, onDone }) {
  const [values, set] = useState({ note: '' });
  const { act, working, error } = useAction(onDone);
  const decide = (uphold) =>
    act(() =>
      gql('mutation ($id: ID!, $u: Boolean!, $n: String!) { decideOfferAppeal(id: $id, uphold: $u, note: $n) { status } }', {
        id: appeal.id,
        u: uphold,
        n: values.note,
      }),
    );
  return html`<li class="card" data-appeal=${appeal.id}>
    <h3>${appeal.title}</h3>
    <p>${appeal.citizenName || ''} ${appeal.citizenResidentIdMasked || ''} · ${formatDate(appeal.createdAt)}</p>
    <p><strong>${t('decisions.appeal_reason')}</strong> ${appeal.reason}</p>
    <p class="hint">${appeal.explanation}</p>
    <${Evidence} items=${appeal.evidence} />
    <${Input} values=${values} set=${set} name="note" label=${t('decisions.note')} />
    <${ErrorLine} error=${error} />
    <button type="button" class="primary" data-action="uphold" disabled=${working} onClick=${() => decide(true)}>${t('decisions.uphold')}</button>
    <button type="button" class="secondary" data-action="reject" disabled=${working} onClick=${() => decide(false)}>${t('decisions.reject')}</button>
  </li>`;
}

function Correction({ item, onDone }) {
  const [values, set] = useState({ note: '', value: '' });
  const { act, working, error } = useAction(onDone);
  const resolve = (corrected) =>
    act(() =>
      gql('mutation ($n: String!, $c: Boolean!, $note: String!, $v: String) { resolveCorrection(number: $n, corrected: $c, note: $note, value: $v) { status } }', {
        n: item.number,
        c: corrected,
        note: values.note,
        v: corrected ? values.value : null,
      }),
    );
  return html`<li class="card" data-correction=${item.number}>
    <h3>${item.factLabel}</h3>
    <p>${item.citizenName || ''} ${item.citizenResidentIdMasked || ''} · ${formatDate(item.createdAt)}</p>
    <p>${t('decisions.recorded_value')} <strong>${item.flaggedValue}</strong></p>
    <p><strong>${t('decisions.citizen_says')}</strong> ${item.note}</p>
    <div class="grid">
      <${Input} values=${values} set=${set} name="value" label=${t('decisions.corrected_value')} />
      <${Input} values=${values} set=${set} name="note" label=${t('decisions.note')} />
    </div>
    <${ErrorLine} error=${error} />
    <button type="button" class="primary" data-action="correct" disabled=${working} onClick=${() => resolve(true)}>${t('decisions.correct')}</button>
    <button type="button" class="secondary" data-action="confirm" disabled=${working} onClick=${() => resolve(false)}>${t('decisions.confirm')}</button>
  </li>`;
}

function Visit({ visit, onDone }) {
  const [values, set] = useState({ outcome: '', note: '' });
  const { act, working, error } = useAction(onDone);
  const done = () =>
    act(() =>
      gql('mutation ($id: ID!, $o: WelfareOutcome!, $n: String) { completeWelfareCheck(id: $id, outcome: $o, note: $n) { status } }', {
        id: visit.id,
        o: values.outcome || null,
        n: values.note || null,
      }),
    );
  return html`<li class="card" data-visit=${visit.id}>
    <h3>${visit.title}</h3>
    <p>${visit.citizenName || ''} · ${visit.citizenPhone} · ${t('queue.due')} ${formatDate(visit.dueOn)}</p>
    <p class="hint">${visit.reason}</p>
    <${Evidence} items=${visit.evidence} />
    <div class="grid">
      <${Select} values=${values} set=${set} name="outcome" label=${t('decisions.outcome')} placeholder=${t('desk.choose')}
        options=${OUTCOMES.map((o) => [o, t(`decisions.outcome.${o.toLowerCase()}`)])} />
      <${Input} values=${values} set=${set} name="note" label=${t('decisions.note')} />
    </div>
    <${ErrorLine} error=${error} />
    <button type="button" class="primary" data-action="visited" disabled=${working} onClick=${done}>${t('decisions.visited')}</button>
  </li>`;
}

function Section({ id, title, items, children }) {
  return html`<section aria-labelledby=${id} data-section=${id}>
    <h2 id=${id}>${title} <span class="count">(${items.length})</span></h2>
    ${items.length === 0 ? html`<p class="empty">${t('decisions.none')}</p>` : html`<ul class="cards">${children}</ul>`}
  </section>`;
}

export function Decisions() {
  const [data, , error, read] = useRead(() => gql(READ));
  return html`<${Screen} title=${t('decisions.title')}>
    <${ErrorLine} error=${error} />
    ${data === null && !error && html`<p>${t('loading')}</p>`}
    ${data &&
    html`<${Section} id="appeals" title=${t('decisions.appeals')} items=${data.offerAppeals}>
        ${data.offerAppeals.map((a) => html`<${Appeal} key=${a.id} appeal=${a} onDone=${read} />`)}
      <//>
      <${Section} id="corrections" title=${t('decisions.corrections')} items=${data.factCorrections}>
        ${data.factCorrections.map((c) => html`<${Correction} key=${c.number} item=${c} onDone=${read} />`)}
      <//>
      <${Section} id="visits" title=${t('decisions.visits')} items=${data.welfareChecks}>
        ${data.welfareChecks.map((v) => html`<${Visit} key=${v.id} visit=${v} onDone=${read} />`)}
      <//>`}
  <//>`;
}
