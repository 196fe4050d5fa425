// Pieces both apps draw alike: a field with the server's message next to it, and a date as
// the reader's language writes it (Beijing time).
import { html, useId } from './html.js';

export function Field({ label, error, hint, children: render }) {
  const id = useId();
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].join(' ').trim();
  return html`<div class="field">
    <label for=${id}>${label}</label>
    ${hint && html`<p class="hint" id=${`${id}-hint`}>${hint}</p>`}
    ${render({ id, 'aria-describedby': described || undefined, 'aria-invalid': error ? 'true' : undefined })}
    ${error && html`<p class="error" id=${`${id}-error`} role="alert">${error}</p>`}
  </div>`;
}

export const formatDate = (value) =>
  value
    ? new Intl.DateTimeFormat(document.documentElement.lang, {
        timeZone: 'Asia/Shanghai',
        dateStyle: 'medium',
        ...(value.length > 10 ? { timeStyle: 'short' } : {}),
      }).format(new Date(value.length > 10 ? value : `${value}T00:00:00+08:00`))
    : '';
