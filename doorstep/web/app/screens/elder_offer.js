// Offered once, at log-in, to people of 60 or more: setElderMode answers the offer either way.
import { ME_FIELDS, gql } from '../core/api.js';
import { html, useRef, useState } from '../../shared/html.js';
import { t } from '../core/i18n.js';
import { set } from '../core/store.js';
import { Screen } from '../core/ui.js';

export async function setElderMode(on) {
  const data = await gql(`mutation ($on: Boolean!) { setElderMode(on: $on) { ${ME_FIELDS} } }`, { on });
  set({ me: data.setElderMode }, ['me']);
}

export function ElderOffer() {
  const busy = useRef(false);
  const [error, setError] = useState(null);
  const answer = async (on) => {
    if (busy.current) return;
    busy.current = true;
    try {
      await setElderMode(on);
    } catch (e) {
      setError(e.message);
    } finally {
      busy.current = false;
    }
  };
  return html`<${Screen} title=${t('elder.offer_title')}>
    <p class="big">${t('elder.offer_body')}</p>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <button type="button" class="primary huge" onClick=${() => answer(true)}>${t('elder.accept')}</button>
    <button type="button" class="secondary huge" onClick=${() => answer(false)}>${t('elder.decline')}</button>
  <//>`;
}
