// Log-in: language, phone (type=tel), then the SMS code (one-time-code, numeric keypad); the
// forms are shared/login.js, signing in to the citizen's account is here.
import { ME, ME_FIELDS, gql } from '../core/api.js';
import { html } from '../../shared/html.js';
import { LanguageChoice, PhoneLogin } from '../../shared/login.js';
import { currentLanguage, loadStrings, t } from '../core/i18n.js';
import { refreshHome } from '../core/live.js';
import { set, state } from '../core/store.js';
import { Screen } from '../core/ui.js';

// the phone form shows only what is about the phone: a code's refusal waits for the code form
const aboutCode = (code) => code.startsWith('login.code') || code === 'login.too_many_attempts';

export function Language() {
  const choose = async (language) => {
    set({ language }, ['language']);
    if (state.token) {
      const data = await gql(`mutation ($l: String!) { setLanguage(language: $l) { ${ME_FIELDS} } }`, {
        l: language,
      });
      set({ me: data.setLanguage }, ['me']);
    }
    await loadStrings(language);
  };
  return html`<${LanguageChoice} t=${t} chosen=${currentLanguage()} onChoose=${choose} />`;
}

async function verify(phone, code) {
  const data = await gql(
    'mutation ($p: String!, $c: String!) { verifyLoginCode(phone: $p, code: $c) { token } }',
    { p: phone, c: code },
  );
  set({ token: data.verifyLoginCode.token }, ['token']);
  let me = (await gql(`{ ${ME} }`)).me;
  // a language picked here before log-in becomes the account's (its SMS too)
  if (state.language && state.language !== me.language) {
    me = (await gql(`mutation ($l: String!) { setLanguage(language: $l) { ${ME_FIELDS} } }`, {
      l: state.language,
    })).setLanguage;
  }
  if (me.language !== state.strings?.language) await loadStrings(me.language);
  if (location.hash !== '#/') location.hash = '#/';
  set({ me }, ['me']); // the signed-in screens show from here on
  refreshHome().catch(() => {});
}

export function Login() {
  return html`<${Screen} title=${t('login.title')}>
    <p class="tagline">${t('tagline')}</p>
    <${Language} />
    <${PhoneLogin} t=${t} gql=${gql} verify=${verify} phoneHint=${t('login.phone_hint')}
      phoneErrorOf=${(error) => (aboutCode(error.code || '') ? null : error.message)} />
  <//>`;
}
