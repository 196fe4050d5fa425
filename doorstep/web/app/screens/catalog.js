// The catalog: 一件事 bundles first, then single items.
import { gql } from '../core/api.js';
import { useRead } from '../../shared/busy.js';
import { html } from '../../shared/html.js';
import { t } from '../core/i18n.js';
import { Screen } from '../core/ui.js';

export function Catalog() {
  const [bundles, , error] = useRead(() =>
    gql('{ catalog { code name description isSingle promisedDays } }').then((data) =>
      [...data.catalog].sort((a, b) => a.isSingle - b.isSingle),
    ),
  );
  return html`<${Screen} title=${t('catalog.title')}>
    ${error && html`<p class="error" role="alert">${error.message}</p>`}
    ${!bundles && !error && html`<p>${t('loading')}</p>`}
    <ul class="cards">
      ${(bundles || []).map(
        (b) => html`<li class="card" key=${b.code}>
          <a href=${`#/apply/${b.code}`}>
            <span class="card-title">${b.name}</span>
            <span class="card-text">${b.description}</span>
            <span class="card-meta">${t('catalog.promised_days', { days: b.promisedDays })}</span>
          </a>
        </li>`,
      )}
    </ul>
  <//>`;
}
