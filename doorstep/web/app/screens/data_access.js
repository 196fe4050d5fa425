// Who looked at my data: every read of my personal data by staff or by an agent, newest
// first, with who (name, unit or masked phone), what and why; a read the data-sharing list
// refused is marked. Then, per item of my data (数据共享责任清单): the unit that owns it, the
// units that may use it and for what, and how often it was used. Acting for someone: the
// principal's, when the delegation covers every theme; else the server's reason instead.
import { gql } from '../core/api.js';
import { html, useEffect, useState } from '../../shared/html.js';
import { t, whose } from '../core/i18n.js';
import { state } from '../core/store.js';
import { Screen, formatDate } from '../core/ui.js';

const QUERY = `{ myDataAccessLog(first: 50) { id readerKind readerKindLabel readerName readerUnit
  readerPhoneMasked whatLabel purposeLabel refused at } }`;
const SHARING = `{ myDataSharing { items { kind key label listed owner { name } legalBasis
  readers { unit { code name } items { name } bundles { name } welfareCheck }
  used { refused } } } }`;

const who = (r) =>
  [r.readerUnit, r.readerName || r.readerPhoneMasked].filter(Boolean).join(' ') || r.readerKindLabel;

const purposes = (reader) =>
  [
    ...reader.items.map((i) => i.name),
    ...reader.bundles.map((b) => b.name),
    ...(reader.welfareCheck ? [t('sharing.welfare_check')] : []),
  ].join('、');

function SharedItem({ item }) {
  const used = item.used.filter((u) => !u.refused).length;
  const refused = item.used.length - used;
  return html`<li class="card" data-item=${`${item.kind}:${item.key}`}>
    <span class="card-text"><strong>${item.label}</strong></span>
    <span class="card-meta">${
      item.listed ? t('sharing.owner', { owner: item.owner.name }) : t('sharing.unlisted')
    }</span>
    ${item.readers.length > 0 &&
    html`<details>
      <summary>${t('sharing.may_use', { count: item.readers.length })}</summary>
      <ul data-list="readers">
        ${item.readers.map(
          (r) => html`<li key=${r.unit.code}>${r.unit.name}: ${purposes(r)}</li>`,
        )}
      </ul>
    </details>`}
    <span class="card-meta" data-used=${used}>${t('sharing.used', { count: used })}${
      refused > 0 ? ` · ${t('sharing.refused', { count: refused })}` : ''
    }</span>
  </li>`;
}

export function DataAccess() {
  const [rows, setRows] = useState(null);
  const [shared, setShared] = useState(null);
  const [sharingRefused, setSharingRefused] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    gql(QUERY)
      .then((data) => setRows(data.myDataAccessLog))
      .catch((e) => setError(e.message));
    gql(SHARING)
      .then((data) => setShared(data.myDataSharing.items))
      .catch((e) => {
        setShared([]);
        // acting under a delegation for some themes only: say why the list is not shown
        if (state.acting) setSharingRefused(e.message);
      });
  }, []);
  return html`<${Screen} title=${whose('access.title', 'access.title_for')}>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${!rows && !error && html`<p>${t('loading')}</p>`}
    ${rows && rows.length === 0 && html`<p class="empty">${t('access.none')}</p>`}
    <ul class="cards" data-list="access">
      ${(rows || []).map(
        (r) => html`<li class="card" key=${r.id} data-reader=${r.readerKind} data-refused=${r.refused}>
          <span class="card-text">${t('access.entry', { who: who(r), what: r.whatLabel, purpose: r.purposeLabel })}</span>
          <span class="card-meta">${r.readerKindLabel}${r.refused ? ` · ${t('access.refused')}` : ''} · <time datetime=${r.at}>${formatDate(r.at)}</time></span>
        </li>`,
      )}
    </ul>
    ${sharingRefused &&
    html`<section aria-labelledby="sharing-title" data-sharing="refused">
      <h2 id="sharing-title">${whose('sharing.title', 'sharing.title_for')}</h2>
      <p class="hint">${sharingRefused}</p>
    </section>`}
    ${shared && shared.length > 0 &&
    html`<section aria-labelledby="sharing-title">
      <h2 id="sharing-title">${whose('sharing.title', 'sharing.title_for')}</h2>
      <p class="hint">${t('sharing.intro')}</p>
      <ul class="cards" data-list="sharing">
        ${shared.map((item) => html`<${SharedItem} key=${`${item.kind}:${item.key}`} item=${item} />`)}
      </ul>
    </section>`}
  <//>`;
}
