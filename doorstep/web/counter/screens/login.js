// Staff log-in: phone, then the SMS code with the second factor (the authenticator app's TOTP
// code), as staff. One module: the rest of the console only sees the token.
import { html, useState } from '../../shared/html.js';
import { useBusy } from '../../shared/busy.js';
import { gql } from '../core/api.js';
import { LANGUAGES, currentLanguage, loadStrings, t } from '../core/i18n.js';
import { set, state } from '../core/store.js';
import { Field, Screen } from '../core/ui.js';

export const ME = 'me { role language }';
const STAFF_ROLES = new Set(['STAFF', 'SUPERVISOR', 'ADMIN']);

export function Languages() {
  const chosen = currentLanguage();
  const choose = async (language) => {
    set({ language }, ['language']);
    await loadStrings(language);
  };
  return html`<fieldset class="languages">
    <legend>${t('language.label')}</legend>
    ${LANGUAGES.map(
      (language) => html`<button type="button" lang=${language.replace('_', '-')}
        class=${language === chosen ? 'chosen' : 'secondary'} aria-pressed=${language === chosen}
        onClick=${() => choose(language)}>${t(`language.${language}`)}</button>`,
    )}
  </fieldset>`;
}

export function Login() {
  const [phone, setPhone] = useState('');
  const [sentTo, setSentTo] = useState(null);
  const [code, setCode] = useState('');
  const [totp, setTotp] = useState('');
  const { run, working, error } = useBusy();
  const codeError = sentTo && error ? error.message : null;
  const phoneError = !sentTo && error ? error.message : null;

  const send = (event) => {
    event.preventDefault();
    run(async () => {
      const data = await gql('mutation ($p: String!) { requestLoginCode(phone: $p) { phone } }', {
        p: phone,
      });
      setSentTo(data.requestLoginCode.phone);
    });
  };

  const verify = (event) => {
    event.preventDefault();
    run(async () => {
      const data = await gql(
        'mutation ($p: String!, $c: String!, $t: String) { verifyLoginCode(phone: $p, code: $c, asStaff: true, totpCode: $t) { token } }',
        { p: sentTo, c: code, t: totp.trim() || null },
      );
      set({ token: data.verifyLoginCode.token, sessionEnded: false }, ['token']);
      const me = (await gql(`{ ${ME} }`)).me;
      if (!me || !STAFF_ROLES.has(me.role)) throw new Error(t('login.not_staff'));
      if (location.hash !== '#/') location.hash = '#/';
      set({ me });
    });
  };

  return html`<${Screen} title=${t('login.title')}>
    ${state.sessionEnded && html`<p class="notice" role="status">${t('login.session_ended')}</p>`}
    <${Languages} />
    ${!sentTo
      ? html`<form onSubmit=${send} novalidate class="narrow">
          <${Field} label=${t('login.phone')} error=${phoneError}>
            ${(props) => html`<input ...${props} name="phone" type="tel" autocomplete="tel"
              value=${phone} onInput=${(e) => setPhone(e.currentTarget.value)} />`}
          <//>
          <button type="submit" class="primary" disabled=${working}>${t('login.send_code')}</button>
        </form>`
      : html`<form onSubmit=${verify} novalidate class="narrow">
          <p>${t('login.code_sent', { phone: sentTo })}</p>
          <${Field} label=${t('login.code')} error=${codeError}>
            ${(props) => html`<input ...${props} name="code" autocomplete="one-time-code"
              inputmode="numeric" pattern="[0-9]*" maxlength="6" value=${code}
              onInput=${(e) => setCode(e.currentTarget.value)} />`}
          <//>
          <${Field} label=${t('login.totp')} hint=${t('login.totp_hint')}>
            ${(props) => html`<input ...${props} name="totp" autocomplete="off"
              inputmode="numeric" pattern="[0-9]*" maxlength="6" value=${totp}
              onInput=${(e) => setTotp(e.currentTarget.value)} />`}
          <//>
          <button type="submit" class="primary" disabled=${working}>${t('login.verify')}</button>
          <button type="button" class="link" onClick=${() => setSentTo(null)}>${t('login.other_phone')}</button>
        </form>`}
  <//>`;
}
