// The app's own frame pieces: the screen frame with the read-aloud button (elder mode), the
// live-status line; with the field and date both apps share.
import { canSpeak, speak } from './speech.js';
import { html } from '../../shared/html.js';
import { isElder, t } from './i18n.js';
import { state } from './store.js';

export { Field, formatDate } from '../../shared/ui.js';

export function Screen({ title, readAloud, children }) {
  const elder = isElder();
  const text = readAloud || title;
  // the key message is written to be spoken (a case number digit by digit, "1 0 0 0 …"); shown,
  // the number is in one piece, as everywhere else on the screen, never broken over two lines
  const shown = readAloud && readAloud.replace(/(\d) (?=\d)/g, '$1');
  return html`<section class="screen" aria-labelledby="screen-title">
    <h1 id="screen-title">${title}</h1>
    ${elder && canSpeak() && html`<div class="read-aloud">
      ${readAloud && html`<p class="key-message">${shown}</p>`}
      <button type="button" class="secondary" onClick=${() => speak(text)}>
        <svg class="icon" aria-hidden="true" viewBox="0 0 24 24" width="24" height="24">
          <path d="M3 9v6h4l5 5V4L7 9H3zm13.5 3A4.5 4.5 0 0 0 14 8v8a4.5 4.5 0 0 0 2.5-4zM14 3.2v2.1a7 7 0 0 1 0 13.4v2.1a9 9 0 0 0 0-17.6z" fill="currentColor"/>
        </svg>${t('read_aloud')}</button>
    </div>`}
    ${children}
  </section>`;
}

export function LiveStatus() {
  // a lost connection to the server reads as offline too: what shows is the last known state
  const lost = state.live === 'offline' || (state.live === 'connecting' && state.wasConnected);
  const status = !state.online || lost ? 'offline' : state.live;
  const text =
    status === 'offline' ? t('live.offline') : status === 'catching_up' ? t('live.catching_up') : '';
  return html`<p class=${`live-status ${text ? 'shown' : ''}`} role="status" data-live=${status}>
    ${text}
  </p>`;
}

