// Staff log-in: phone, then the SMS code with the second factor (the authenticator app's TOTP
// code), as staff; the forms are shared/login.js. One module: the rest of the console only
// sees the token.
import { html, useState } from '../../shared/html.js';
import { LanguageChoice, PhoneLogin } from '../../shared/login.js';
import { gql } from '../core/api.js';
import { currentLanguage, loadStrings, t } from '../core/i18n.js';
import { set, state } from '../core/store.js';
import { Field, Screen } from '../core/ui.js';

export const ME = 'me { role language }';
const STAFF_ROLES = new Set(['STAFF', 'SUPERVISOR', 'ADMIN']);

export function Languages() {
  const choose = async (language) => {
    set({ language }, ['language']);
    await loadStrings(language);
  };
  return html`<${LanguageChoice} t=${t} chosen=${currentLanguage()} onChoose=${choose} />`;
}

export function Login() {
  const [totp, setTotp] = useState('');

  const verify = async (phone, code) => {
    const data = await gql(
      'mutation ($p: String!, $c: String!, $t: String) { verifyLoginCode(phone: $p, code: $c, asStaff: true, totpCode: $t) { token } }',
      { p: phone, c: code, t: totp.trim() || null },
    );
    set({ token: data.verifyLoginCode.token, sessionEnded: false }, ['token']);
    const me = (await gql(`{ ${ME} }`)).me;
    if (!me || !STAFF_ROLES.has(me.role)) throw new Error(t('login.not_staff'));
    if (location.hash !== '#/') location.hash = '#/';
    set({ me });
  };

  return html`<${Screen} title=${t('login.title')}>
    ${state.sessionEnded && html`<p class="notice" role="status">${t('login.session_ended')}</p>`}
    <${Languages} />
    <${PhoneLogin} t=${t} gql=${gql} verify=${verify} formClass="narrow">
      <${Field} label=${t('login.totp')} hint=${t('login.totp_hint')}>
        ${(props) => html`<input ...${props} name="totp" autocomplete="off"
          inputmode="numeric" pattern="[0-9]*" maxlength="6" value=${totp}
          onInput=${(e) => setTotp(e.currentTarget.value)} />`}
      <//>
    <//>
  <//>`;
}
