// Me: language, elder mode on or off, log out.
import { gql } from '../core/api.js';
import { html } from '../../shared/html.js';
import { isElder, t } from '../core/i18n.js';
import { stopLive } from '../core/live.js';
import { forgetSession } from '../core/store.js';
import { lazy } from '../core/lazy.js';
import { Screen } from '../core/ui.js';
import { setElderMode } from './elder_offer.js';
import { Language } from './login.js';

const MoreLinks = lazy(() => import('./more.js'), 'MoreLinks');

export function Settings() {
  const logout = async () => {
    await gql('mutation { logout }').catch(() => {});
    stopLive();
    forgetSession();
    location.hash = '#/';
  };
  return html`<${Screen} title=${t('settings.title')}>
    <${Language} />
    <button type="button" class="primary" onClick=${() => setElderMode(!isElder())}>
      ${isElder() ? t('elder.turn_off') : t('elder.turn_on')}</button>
    <button type="button" class="secondary" onClick=${logout}>${t('logout')}</button>
    <${MoreLinks} />
  <//>`;
}
