// While acting for someone the banner stays at the top of every screen (sticky, never
// scrolled away), says for whom, and offers the way back.
import { stopActing } from './acting.js';
import { html } from '../../shared/html.js';
import { t } from './i18n.js';
import { useStore } from './store.js';

export function ActingBanner() {
  const s = useStore();
  if (!s.acting) return null;
  return html`<div class="acting-banner" role="region" aria-label=${t('acting_for', { name: s.acting.name })} data-acting=${s.acting.principalId}>
    <strong>${t('acting_for', { name: s.acting.name })}</strong>
    <button type="button" class="secondary" onClick=${() => stopActing()}>${t('acting.stop')}</button>
  </div>`;
}
