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

// The calendar day of an instant in Beijing, as the API's dates are written (YYYY-MM-DD): a
// clerk's "today" turns at midnight Beijing time, whatever zone the device is set to
export const shanghaiDay = (instant) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(instant);

export const formatDate = (value) =>
  value
    ? new Intl.DateTimeFormat(document.documentElement.lang, {
        timeZone: 'Asia/Shanghai',
        dateStyle: 'medium',
        ...(value.length > 10 ? { timeStyle: 'short' } : {}),
      }).format(new Date(value.length > 10 ? value : `${value}T00:00:00+08:00`))
    : '';
