// The console's own pieces: the screen frame, the working-day clock as a clerk reads it, an
// action that needs a reason, and the actions a status allows; with the field and date both
// apps share.
import { html, useState } from '../../shared/html.js';
import { useBusy } from '../../shared/busy.js';
import { Field } from '../../shared/ui.js';
import { t } from './i18n.js';

export { Field, formatDate, shanghaiDay } from '../../shared/ui.js';

export function Screen({ title, children, actions }) {
  return html`<section class="screen" aria-labelledby="screen-title">
    <div class="screen-head"><h1 id="screen-title">${title}</h1>${actions}</div>
    ${children}
  </section>`;
}

// The working-day clock in words, with a class for its urgency (the words carry it too: colour
// is never the only sign)
export function clockOf(task) {
  const left = task.workingDaysLeft;
  if (left == null) return { text: t('clock.finished'), tone: 'done' };
  if (task.paused) return { text: t('clock.paused', { days: left }), tone: 'paused' };
  if (left < 0) return { text: t('clock.overdue', { days: -left }), tone: 'overdue' };
  if (left === 0) return { text: t('clock.due_today'), tone: 'soon' };
  if (left <= 2) return { text: t('clock.left', { days: left }), tone: 'soon' };
  return { text: t('clock.left', { days: left }), tone: 'ok' };
}

export function Clock({ task }) {
  const { text, tone } = clockOf(task);
  return html`<span class=${`clock clock-${tone}`} data-tone=${tone}>${text}</span>`;
}

// A screen of tabs, one route each (#/<route>/<tab>): the tab the route names (else the first)
// and the links to them all, the open one marked.
export const tabOf = (tabs, params) => (tabs.includes(params[0]) ? params[0] : tabs[0]);

export function TabLinks({ tabs, tab, route, label, name }) {
  return html`<nav class="filters" aria-label=${label}>
    ${tabs.map(
      (each) => html`<a class=${`button ${each === tab ? 'chosen' : 'secondary'}`} href=${`#/${route}/${each}`}
        aria-current=${each === tab ? 'page' : undefined}>${name(each)}</a>`,
    )}
  </nav>`;
}

export function ErrorLine({ error }) {
  return error ? html`<p class="error" role="alert">${error.message}</p>` : null;
}

// An action whose reason the citizen reads (补正, refusal, extension): the text box, optional
// days, and one request however often the button is pressed. The server checks the reason
// too (empty or too long is refused in the clerk's language).
export function ReasonForm({ label, hint, submit, withDays, onSubmit, onCancel }) {
  const [reason, setReason] = useState('');
  const [days, setDays] = useState('5');
  const { run, working, error } = useBusy();
  const send = (event) => {
    event.preventDefault();
    run(() => onSubmit(reason, Number.parseInt(days, 10)));
  };
  return html`<form class="reason-form" onSubmit=${send} novalidate>
    ${withDays &&
    html`<${Field} label=${t('extend.days')}>
      ${(props) => html`<input ...${props} name="days" type="number" inputmode="numeric" min="1" max="60"
        value=${days} onInput=${(e) => setDays(e.currentTarget.value)} />`}
    <//>`}
    <${Field} label=${label} hint=${hint} error=${error?.message}>
      ${(props) => html`<textarea ...${props} name="reason" rows="3" maxlength="500"
        value=${reason} onInput=${(e) => setReason(e.currentTarget.value)}></textarea>`}
    <//>
    <div class="row">
      <button type="submit" class="primary" disabled=${working}>${submit}</button>
      <button type="button" class="secondary" onClick=${onCancel}>${t('cancel')}</button>
    </div>
  </form>`;
}

// The actions a status allows, one button each: one in `needsText` opens the ReasonForm first,
// the others act at once, one request however often pressed. strings(kind): its {name, text,
// hint}; perform(kind, text, days): the record as it stands after, given to onDone.
export function ActionBar({ allowed, primary, needsText, strings, perform, onDone }) {
  const [open, setOpen] = useState(null);
  const { run, working, error } = useBusy();
  if (open) {
    const { name, text, hint } = strings(open);
    return html`<${ReasonForm} label=${text} hint=${hint} submit=${name} withDays=${open === 'extend'}
      onSubmit=${async (written, days) => {
        onDone(await perform(open, written, days));
        setOpen(null);
      }}
      onCancel=${() => setOpen(null)} />`;
  }
  return html`<div class="actions">
    ${allowed.map(
      (kind) => html`<button type="button" class=${primary.has(kind) ? 'primary' : 'secondary'}
        data-action=${kind} disabled=${working}
        onClick=${() => (needsText.has(kind) ? setOpen(kind) : run(async () => onDone(await perform(kind))))}>
        ${strings(kind).name}</button>`,
    )}
    <${ErrorLine} error=${error} />
  </div>`;
}
