// Form pieces for the counter desk: a labelled input, select or checkbox bound to one object
// of values, with the server's refusal shown once for the whole form.
import { html } from '../../shared/html.js';
import { Field } from './ui.js';

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

// what a desk form made, said once it is done
export function Done({ children }) {
  return html`<p class="notice done" role="status">${children}</p>`;
}
