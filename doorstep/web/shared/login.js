// Log-in as both apps ask for it: the language buttons, the phone (type=tel), then the SMS code
// (one-time-code, numeric keypad). What a verified code leads to is the app's own: `verify`.
// `t` is the app's strings (each app has its own catalog keys under the same names).
import { html, useState } from './html.js';
import { useBusy } from './busy.js';
import { LANGUAGES } from './i18n.js';
import { Field } from './ui.js';

export function LanguageChoice({ t, chosen, onChoose }) {
  return html`<fieldset class="languages">
    <legend>${t('language.label')}</legend>
    ${LANGUAGES.map(
      (language) => html`<button type="button" lang=${language.replace('_', '-')}
        class=${language === chosen ? 'chosen' : 'secondary'} aria-pressed=${language === chosen}
        onClick=${() => onChoose(language)}>${t(`language.${language}`)}</button>`,
    )}
  </fieldset>`;
}

// verify(phone, code): signs in or throws (its message shows by the code); the code form shows
// `children` (more fields) before its buttons; phoneErrorOf(error): the message the phone form
// shows for a refusal, if any (one request however often a button is pressed)
export function PhoneLogin({
  t,
  gql,
  verify,
  phoneHint,
  phoneErrorOf = (error) => error.message,
  formClass,
  children,
}) {
  const [phone, setPhone] = useState('');
  const [sentTo, setSentTo] = useState(null);
  const [code, setCode] = useState('');
  const { run, working, error } = useBusy();

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

  const check = (event) => {
    event.preventDefault();
    run(() => verify(sentTo, code));
  };

  if (!sentTo) {
    return html`<form onSubmit=${send} novalidate class=${formClass}>
      <${Field} label=${t('login.phone')} hint=${phoneHint} error=${error && phoneErrorOf(error)}>
        ${(props) => html`<input ...${props} name="phone" type="tel" autocomplete="tel"
          value=${phone} onInput=${(e) => setPhone(e.currentTarget.value)} />`}
      <//>
      <button type="submit" class="primary" disabled=${working}>${t('login.send_code')}</button>
    </form>`;
  }
  return html`<form onSubmit=${check} novalidate class=${formClass}>
    <p>${t('login.code_sent', { phone: sentTo })}</p>
    <${Field} label=${t('login.code')} error=${error?.message}>
      ${(props) => html`<input ...${props} name="code" autocomplete="one-time-code"
        inputmode="numeric" pattern="[0-9]*" maxlength="6" value=${code}
        onInput=${(e) => setCode(e.currentTarget.value)} />`}
    <//>
    ${children}
    <button type="submit" class="primary" disabled=${working}>${t('login.verify')}</button>
    <button type="button" class="link" onClick=${() => setSentTo(null)}>${t('login.other_phone')}</button>
  </form>`;
}
