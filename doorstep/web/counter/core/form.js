// Form pieces for the counter desk: a labelled input, select or checkbox bound to one object
// of values, with the server's refusal shown once for the whole form.
import { useBusy } from '../../shared/busy.js';
import { html, useState } from '../../shared/html.js';
import { t } from './i18n.js';
import { Field } from './ui.js';

// A desk form's state: its values, what the server made of them once sent, and one request
// at a time. `send(values, ...args)` makes the request and gives back what it made;
// `sendNow(...args)` sends (from a button), `submit` sends on the form's submit.
export function useDeskForm(initial, send) {
  const [values, set] = useState(initial);
  const [made, setMade] = useState(null);
  const { run, working, error } = useBusy();
  const sendNow = (...args) =>
    run(async () => {
      setMade(await send(values, ...args));
    });
  const submit = (event) => {
    event.preventDefault();
    sendNow();
  };
  return { values, set, made, again: () => setMade(null), working, error, submit, sendNow };
}

export function Input({ values, set, name, label, hint, type = 'text', ...rest }) {
  return html`<${Field} label=${label} hint=${hint}>
    ${(props) => html`<input ...${props} ...${rest} name=${name} type=${type} value=${values[name] ?? ''}
      onInput=${(e) => set({ ...values, [name]: e.currentTarget.value })} />`}
  <//>`;
}

export function Select({ values, set, name, label, options, placeholder }) {
  return html`<${Field} label=${label}>
    ${(props) => html`<select ...${props} name=${name} value=${values[name] ?? ''}
      onChange=${(e) => set({ ...values, [name]: e.currentTarget.value })}>
      ${placeholder && html`<option value="">${placeholder}</option>`}
      ${options.map(([value, text]) => html`<option value=${value}>${text}</option>`)}
    </select>`}
  <//>`;
}

export function Check({ values, set, name, label }) {
  return html`<div class="check"><label>
    <input type="checkbox" name=${name} checked=${Boolean(values[name])}
      onChange=${(e) => set({ ...values, [name]: e.currentTarget.checked })} />
    ${label}</label></div>`;
}

// what a desk form made, said once it is done, and a button for the next one
export function Done({ children, onAgain }) {
  return html`<p class="notice done" role="status">${children}</p>
    <button type="button" class="secondary" onClick=${onAgain}>${t('desk.another')}</button>`;
}
