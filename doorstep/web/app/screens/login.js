// Log-in: language, phone (type=tel), then the SMS code (one-time-code, numeric keypad).
import { ME, ME_FIELDS, gql } from '../core/api.js';
import { html, useRef, useState } from '../../shared/html.js';
import { LANGUAGES, currentLanguage, loadStrings, t } from '../core/i18n.js';
import { refreshHome } from '../core/live.js';
import { set, state } from '../core/store.js';
import { Field, Screen } from '../core/ui.js';

const fieldOf = (code) => (code.startsWith('login.code') || code === 'login.too_many_attempts' ? 'code' : 'phone');

export function Language() {
  const chosen = currentLanguage();
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
  return html`<fieldset class="languages">
    <legend>${t('language.label')}</legend>
    ${LANGUAGES.map(
      (language) => html`<button type="button" lang=${language === 'en' ? 'en' : language.replace('_', '-')}
        class=${language === chosen ? 'chosen' : 'secondary'} aria-pressed=${language === chosen}
        onClick=${() => choose(language)}>${t(`language.${language}`)}</button>`,
    )}
  </fieldset>`;
}

export function Login() {
  const [phone, setPhone] = useState('');
  const [sentTo, setSentTo] = useState(null);
  const [code, setCode] = useState('');
  const [errors, setErrors] = useState({});
  const busy = useRef(false);
  const [working, setWorking] = useState(false);

  const run = async (work) => {
    if (busy.current) return; // a double tap sends once
    busy.current = true;
    setWorking(true);
    setErrors({});
    try {
      await work();
    } catch (error) {
      setErrors({ [fieldOf(error.code || '')]: error.message });
    } finally {
      busy.current = false;
      setWorking(false);
    }
  };

  const send = (event) => {
    event.preventDefault();
    run(async () => {
      const data = await gql(
        'mutation ($p: String!) { requestLoginCode(phone: $p) { phone resendAfterSeconds } }',
        { p: phone },
      );
      setSentTo(data.requestLoginCode.phone);
    });
  };

  const verify = (event) => {
    event.preventDefault();
    run(async () => {
      const data = await gql(
        'mutation ($p: String!, $c: String!) { verifyLoginCode(phone: $p, code: $c) { token } }',
        { p: sentTo, c: code },
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
    });
  };

  return html`<${Screen} title=${t('login.title')}>
    <p class="tagline">${t('tagline')}</p>
    <${Language} />
    ${!sentTo
      ? html`<form onSubmit=${send} novalidate>
          <${Field} label=${t('login.phone')} hint=${t('login.phone_hint')} error=${errors.phone}>
            ${(props) => html`<input ...${props} name="phone" type="tel" autocomplete="tel"
              value=${phone} onInput=${(e) => setPhone(e.currentTarget.value)} />`}
          <//>
          <button type="submit" class="primary" disabled=${working}>${t('login.send_code')}</button>
        </form>`
      : html`<form onSubmit=${verify} novalidate>
          <p>${t('login.code_sent', { phone: sentTo })}</p>
          <${Field} label=${t('login.code')} error=${errors.code || errors.phone}>
            ${(props) => html`<input ...${props} name="code" autocomplete="one-time-code"
              inputmode="numeric" pattern="[0-9]*" maxlength="6" value=${code}
              onInput=${(e) => setCode(e.currentTarget.value)} />`}
          <//>
          <button type="submit" class="primary" disabled=${working}>${t('login.verify')}</button>
          <button type="button" class="link" onClick=${() => setSentTo(null)}>
            ${t('login.other_phone')}</button>
        </form>`}
  <//>`;
}
