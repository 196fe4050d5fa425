// 实名认证: prove who I am before a form carries my resident ID. The provider's face check
// opens in its own page (certifyUrl) and comes back here; the server reads the result from the
// provider, the app never hands one in. A check left open (the page closed on the way back) is
// finished on the next visit.
import { gql } from '../core/api.js';
import { useBusy } from '../../shared/busy.js';
import { html, useEffect, useState } from '../../shared/html.js';
import { t } from '../core/i18n.js';
import { Field, Screen } from '../core/ui.js';

const PENDING = 'doorstep.identityCheck';
const MINE = '{ myIdentity { verified method residentIdMasked } }';
const START = `mutation ($n: String!, $r: String!) {
  startIdentityVerification(name: $n, residentId: $r) { id certifyUrl } }`;
const FINISH = `mutation ($id: ID!) { finishIdentityVerification(id: $id) {
  status identity { verified method residentIdMasked } } }`;

// which field a refusal belongs next to
const fieldOf = (code) =>
  code.startsWith('resident_id.') ? 'residentId' : code === 'identity.name_invalid' ? 'name' : 'form';

export function Identity() {
  const [mine, setMine] = useState(null);
  const [name, setName] = useState('');
  const [residentId, setResidentId] = useState('');
  const [outcome, setOutcome] = useState(null);
  const { run, working, error } = useBusy();
  const errors = error ? { [fieldOf(error.code || '')]: error.message } : {};

  const finish = async (id) => {
    const data = await gql(FINISH, { id });
    localStorage.removeItem(PENDING);
    const result = data.finishIdentityVerification;
    setOutcome(result.status);
    setMine(result.identity);
  };

  useEffect(() => {
    gql(MINE)
      .then((data) => setMine(data.myIdentity))
      .catch(() => {});
    const pending = localStorage.getItem(PENDING);
    if (pending) run(() => finish(pending));
  }, []);

  const start = (event) => {
    event.preventDefault();
    run(async () => {
      const data = await gql(START, { n: name, r: residentId });
      const started = data.startIdentityVerification;
      localStorage.setItem(PENDING, started.id);
      if (started.certifyUrl) location.assign(started.certifyUrl);
      else await finish(started.id);
    });
  };

  if (mine && mine.verified) {
    return html`<${Screen} title=${t('identity.title')}>
      <p class="notice" role="status" data-identity="verified">
        ${t('identity.verified', { masked: mine.residentIdMasked })}</p>
    <//>`;
  }
  return html`<${Screen} title=${t('identity.title')} readAloud=${t('identity.intro')}>
    <p>${t('identity.intro')}</p>
    ${outcome === 'FAILED' && html`<p class="error" role="alert">${t('identity.failed')}</p>`}
    ${outcome === 'CONFLICT' && html`<p class="notice" role="status" data-identity="conflict">
      ${t('identity.conflict')}</p>`}
    <form onSubmit=${start} novalidate data-form="identity">
      <${Field} label=${t('identity.name')} error=${errors.name}>
        ${(props) => html`<input ...${props} name="name" autocomplete="name" value=${name}
          onInput=${(e) => setName(e.currentTarget.value)} />`}
      <//>
      <${Field} label=${t('identity.resident_id')} error=${errors.residentId}>
        ${(props) => html`<input ...${props} name="residentId" autocomplete="off" maxlength="18"
          value=${residentId} onInput=${(e) => setResidentId(e.currentTarget.value)} />`}
      <//>
      ${errors.form && html`<p class="error" role="alert">${errors.form}</p>`}
      <button type="submit" class="primary" disabled=${working}>${t('identity.start')}</button>
    </form>
  <//>`;
}
