// Who looked at my data: every read of my personal data by staff or by an agent, newest
// first, with who (name, unit or masked phone), what and why.
import { gql } from '../core/api.js';
import { html, useEffect, useState } from '../core/html.js';
import { t } from '../core/i18n.js';
import { Screen, formatDate } from '../core/ui.js';

const QUERY = `{ myDataAccessLog(first: 50) { id readerKind readerKindLabel readerName readerUnit
  readerPhoneMasked whatLabel purposeLabel at } }`;

const who = (r) =>
  [r.readerUnit, r.readerName || r.readerPhoneMasked].filter(Boolean).join(' ') || r.readerKindLabel;

export function DataAccess() {
  const [rows, setRows] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    gql(QUERY)
      .then((data) => setRows(data.myDataAccessLog))
      .catch((e) => setError(e.message));
  }, []);
  return html`<${Screen} title=${t('access.title')}>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${!rows && !error && html`<p>${t('loading')}</p>`}
    ${rows && rows.length === 0 && html`<p class="empty">${t('access.none')}</p>`}
    <ul class="cards" data-list="access">
      ${(rows || []).map(
        (r) => html`<li class="card" key=${r.id} data-reader=${r.readerKind}>
          <span class="card-text">${t('access.entry', { who: who(r), what: r.whatLabel, purpose: r.purposeLabel })}</span>
          <span class="card-meta">${r.readerKindLabel} · <time datetime=${r.at}>${formatDate(r.at)}</time></span>
        </li>`,
      )}
    </ul>
  <//>`;
}
