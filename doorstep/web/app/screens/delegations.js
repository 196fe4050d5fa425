// 帮办代办: ask to act for someone (they consent in their own app or by SMS), answer a request
// made to me, stop one (principal: revoke; agent: withdraw), and start acting for a principal.
import { gql } from '../core/api.js';
import { startActing } from '../core/acting.js';
import { useBusy, useRead } from '../../shared/busy.js';
import { html, useState } from '../../shared/html.js';
import { t } from '../core/i18n.js';
import { go } from '../core/router.js';
import { state } from '../core/store.js';
import { Field, Screen, formatDate } from '../core/ui.js';

const THEMES = ['APPLICATIONS', 'SOCIAL_SECURITY', 'MEDICAL_INSURANCE', 'ELDERLY_SUBSIDY', 'ALL'];
const FIELDS = `id status statusLabel themes themeLabels viewerIs validUntil
  agent { citizenId name phoneMasked } principal { citizenId name phoneMasked }`;
const LIVE = new Set(['REQUESTED', 'ACTIVE']);
const fieldOf = (code) =>
  code.startsWith('delegation.theme') ? 'themes'
  : code.startsWith('delegation.days') ? 'days'
  : code.startsWith('phone.') || code.startsWith('delegation.principal') || code.startsWith('delegation.self') ? 'phone'
  : 'form';
const nameOf = (party) => party.name || party.phoneMasked;

function Ask({ onDone }) {
  const [phone, setPhone] = useState('');
  const [themes, setThemes] = useState(new Set(['APPLICATIONS']));
  const [days, setDays] = useState('90');
  const [errors, setErrors] = useState({});
  const [sent, setSent] = useState(false);
  const { run, working } = useBusy();
  const toggle = (theme) => {
    const next = new Set(themes);
    if (next.has(theme)) next.delete(theme);
    else next.add(theme);
    setThemes(next);
  };
  const submit = (event) => {
    event.preventDefault();
    run(async () => {
      setErrors({});
      setSent(false);
      try {
        const data = await gql(
          `mutation ($p: String!, $t: [DelegationTheme!]!, $d: Int!) {
            requestDelegation(principalPhone: $p, themes: $t, days: $d) { ${FIELDS} } }`,
          { p: phone, t: [...themes], d: Number.parseInt(days, 10) || 0 },
        );
        setSent(true);
        onDone(data.requestDelegation);
      } catch (e) {
        setErrors({ [fieldOf(e.code || '')]: e.message });
      }
    });
  };
  return html`<form onSubmit=${submit} novalidate data-form="delegation">
    <h2>${t('delegation.request_title')}</h2>
    <${Field} label=${t('delegation.phone')} error=${errors.phone}>
      ${(props) => html`<input ...${props} name="principalPhone" type="tel" autocomplete="tel" inputmode="tel"
        value=${phone} onInput=${(e) => setPhone(e.currentTarget.value)} />`}
    <//>
    <fieldset class="materials" aria-describedby=${errors.themes ? 'themes-error' : undefined}>
      <legend>${t('delegation.themes')}</legend>
      ${THEMES.map(
        (theme) => html`<label class="check" key=${theme}>
          <input type="checkbox" name="themes" value=${theme} checked=${themes.has(theme)} onChange=${() => toggle(theme)} />
          <span>${t(`theme.${theme.toLowerCase()}`)}</span>
        </label>`,
      )}
      ${errors.themes && html`<p class="error" id="themes-error" role="alert">${errors.themes}</p>`}
    </fieldset>
    <${Field} label=${t('delegation.days')} error=${errors.days}>
      ${(props) => html`<input ...${props} name="days" type="number" inputmode="numeric" min="1"
        value=${days} onInput=${(e) => setDays(e.currentTarget.value)} />`}
    <//>
    ${errors.form && html`<p class="error" role="alert">${errors.form}</p>`}
    ${sent && html`<p class="notice" role="status">${t('delegation.requested')}</p>`}
    <button type="submit" class="secondary" disabled=${working}>${t('delegation.request')}</button>
  </form>`;
}

function DelegationCard({ delegation, onChange }) {
  const { run, working, error } = useBusy();
  const principal = delegation.viewerIs === 'principal';
  const other = principal ? delegation.agent : delegation.principal;
  const act = (mutation, variables, key) =>
    run(async () => {
      const data = await gql(mutation, variables);
      onChange(data[key]);
    });
  const answer = (consent) =>
    act(
      `mutation ($id: ID!, $c: Boolean!) { answerDelegation(id: $id, consent: $c) { ${FIELDS} } }`,
      { id: delegation.id, c: consent },
      'answerDelegation',
    );
  const revoke = () =>
    act(`mutation ($id: ID!) { revokeDelegation(id: $id) { ${FIELDS} } }`, { id: delegation.id }, 'revokeDelegation');
  const actFor = async () => {
    await startActing(delegation.principal.citizenId, nameOf(delegation.principal));
    go('');
  };
  return html`<li class="card" data-delegation=${delegation.id} data-status=${delegation.status} data-viewer=${delegation.viewerIs}>
    <div class="card-body">
      <span class="card-title">${principal
        ? t('delegation.agent_is', { name: nameOf(other) })
        : t('delegation.principal_is', { name: nameOf(other) })}</span>
      <span class="badge">${delegation.statusLabel}</span>
      <span class="card-text">${delegation.themeLabels.join('、')}</span>
      <span class="card-meta">${t('delegation.until', { date: formatDate(delegation.validUntil) })}</span>
      ${error && html`<p class="error" role="alert">${error.message}</p>`}
      ${principal && delegation.status === 'REQUESTED' && html`<div class="actions">
        <button type="button" class="primary" disabled=${working} onClick=${() => answer(true)}>${t('delegation.consent')}</button>
        <button type="button" class="secondary" disabled=${working} onClick=${() => answer(false)}>${t('delegation.refuse')}</button>
      </div>`}
      ${!principal && delegation.status === 'ACTIVE' && !state.acting &&
      html`<button type="button" class="primary" onClick=${actFor}>${t('delegation.act', { name: nameOf(other) })}</button>`}
      ${LIVE.has(delegation.status) && !(principal && delegation.status === 'REQUESTED') &&
      html`<button type="button" class="secondary" disabled=${working} onClick=${revoke}>
        ${principal ? t('delegation.revoke') : t('delegation.withdraw')}</button>`}
    </div>
  </li>`;
}

export function Delegations() {
  const [delegations, setDelegations, error] = useRead(() =>
    gql(`{ myDelegations { ${FIELDS} } }`).then((data) => data.myDelegations),
  );
  const replace = (d) =>
    setDelegations((old) => (old.some((o) => o.id === d.id) ? old.map((o) => (o.id === d.id ? d : o)) : [d, ...old]));
  const shown = (delegations || []).filter((d) => LIVE.has(d.status));
  return html`<${Screen} title=${t('delegation.title')}>
    ${error && html`<p class="error" role="alert">${error.message}</p>`}
    <h2>${t('delegation.mine')}</h2>
    ${!delegations && !error && html`<p>${t('loading')}</p>`}
    ${delegations && shown.length === 0 && html`<p class="empty">${t('delegation.none')}</p>`}
    <ul class="cards" data-list="delegations">
      ${shown.map((d) => html`<${DelegationCard} key=${d.id} delegation=${d} onChange=${replace} />`)}
    </ul>
    ${!state.acting && html`<${Ask} onDone=${replace} />`}
  <//>`;
}
