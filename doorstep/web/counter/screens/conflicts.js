// Identity conflicts (supervisors, admins): a resident ID proved by one account and held by
// another. The supervisor moves it to the account that proved it or keeps it with the holder,
// with a reason both people can be told; reading the list is recorded for both of them.
import { html, useState } from '../../shared/html.js';
import { useAction, useRead } from '../../shared/busy.js';
import { gql } from '../core/api.js';
import { Input } from '../core/form.js';
import { t } from '../core/i18n.js';
import { ErrorLine, Screen, formatDate } from '../core/ui.js';

const CONFLICT = `id residentIdMasked status holderMethod holderVerifiedAt claimantName claimantPhoneMasked
  holderName holderPhoneMasked reason decidedAt createdAt`;

function Conflict({ conflict, onDone }) {
  const [values, set] = useState({ reason: '' });
  const { act, working, error } = useAction(onDone);
  const decide = (decision) =>
    act(() =>
      gql('mutation ($id: ID!, $d: ConflictDecision!, $r: String!) { decideIdentityConflict(id: $id, decision: $d, reason: $r) { status } }', {
        id: conflict.id,
        d: decision,
        r: values.reason,
      }),
    );
  return html`<li class="card" data-conflict=${conflict.id}>
    <h3>${t('conflicts.resident_id', { id: conflict.residentIdMasked })}</h3>
    <dl class="facts">
      <dt>${t('conflicts.claimant')}</dt>
      <dd>${conflict.claimantName || '—'} · ${conflict.claimantPhoneMasked} · ${t('conflicts.proved_at', { at: formatDate(conflict.createdAt) })}</dd>
      <dt>${t('conflicts.holder')}</dt>
      <dd>${conflict.holderName || '—'} · ${conflict.holderPhoneMasked}
        ${conflict.holderMethod && ` · ${t('conflicts.verified_by', { method: t(`conflicts.method.${conflict.holderMethod}`), at: formatDate(conflict.holderVerifiedAt || '') })}`}</dd>
    </dl>
    <${Input} values=${values} set=${set} name="reason" label=${t('conflicts.reason')} hint=${t('conflicts.reason_hint')} />
    <${ErrorLine} error=${error} />
    <div class="row">
      <button type="button" class="primary" data-action="move" disabled=${working} onClick=${() => decide('MOVE')}>${t('conflicts.move')}</button>
      <button type="button" class="secondary" data-action="keep" disabled=${working} onClick=${() => decide('KEEP')}>${t('conflicts.keep')}</button>
    </div>
  </li>`;
}

export function Conflicts() {
  const [list, , error, read] = useRead(() =>
    gql(`{ identityConflicts(openOnly: false, limit: 100) { ${CONFLICT} } }`).then((d) => d.identityConflicts),
  );
  const open = (list || []).filter((c) => c.status === 'open');
  const decided = (list || []).filter((c) => c.status !== 'open');
  return html`<${Screen} title=${t('conflicts.title')}>
    <p class="hint">${t('conflicts.intro')}</p>
    <${ErrorLine} error=${error} />
    ${list === null && !error && html`<p>${t('loading')}</p>`}
    ${list &&
    html`<section aria-labelledby="open-conflicts">
        <h2 id="open-conflicts">${t('conflicts.open')} <span class="count">(${open.length})</span></h2>
        ${open.length === 0
          ? html`<p class="empty">${t('conflicts.none')}</p>`
          : html`<ul class="cards">${open.map((c) => html`<${Conflict} key=${c.id} conflict=${c} onDone=${read} />`)}</ul>`}
      </section>
      <section aria-labelledby="decided-conflicts">
        <h2 id="decided-conflicts">${t('conflicts.decided')}</h2>
        ${decided.length === 0
          ? html`<p class="empty">${t('conflicts.none')}</p>`
          : html`<ul class="cards">${decided.map(
              (c) => html`<li class="card" data-conflict=${c.id} data-status=${c.status}>
                <h3>${t('conflicts.resident_id', { id: c.residentIdMasked })}</h3>
                <p>${t(`conflicts.status.${c.status}`)} · ${formatDate(c.decidedAt || '')}</p>
                <p>${c.reason}</p>
              </li>`,
            )}</ul>`}
      </section>`}
  <//>`;
}
