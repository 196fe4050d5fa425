// 数据共享责任清单 at the counter: the list in force (each fact and document type, the unit
// that owns it, the units that may read it and for what, and why), and for a clerk, a
// resident's data their unit may read for a service item. A read outside the list is refused
// by the server and recorded; the refusal is shown as the server words it.
import { useBusy } from '../../shared/busy.js';
import { html, useEffect, useState } from '../../shared/html.js';
import { gql } from '../core/api.js';
import { Input } from '../core/form.js';
import { t } from '../core/i18n.js';
import { state } from '../core/store.js';
import { ErrorLine, Screen, formatDate } from '../core/ui.js';
import { PublishList } from './sharing_publish.js';

const LIST = `{ sharingList { version effectiveFrom entries { kind key label owner { code name }
  legalBasis readers { unit { code name } items { name } bundles { name } welfareCheck legalBasis } } } }`;
const READ = `query ($r: String!, $i: String!) { residentData(residentId: $r, itemCode: $i) {
  purpose items { kind key label value numberMasked source { name } asOf } } }`;

const purposes = (r) =>
  [...r.items.map((i) => i.name), ...r.bundles.map((b) => b.name), ...(r.welfareCheck ? [t('sharing.welfare_check')] : [])].join('、');

function ResidentRead() {
  const [values, setValues] = useState({ resident: '', item: '' });
  const [found, setFound] = useState(null);
  const busy = useBusy();
  const submit = (e) => {
    e.preventDefault();
    setFound(null);
    busy.run(async () => setFound((await gql(READ, { r: values.resident.trim(), i: values.item.trim() })).residentData));
  };
  return html`<form class="reason-form" data-form="resident-data" onSubmit=${submit}>
    <h2>${t('sharing.read_title')}</h2>
    <p class="hint">${t('sharing.read_hint')}</p>
    <${Input} values=${values} set=${setValues} name="resident" label=${t('sharing.resident_id')} autocomplete="off" required />
    <${Input} values=${values} set=${setValues} name="item" label=${t('sharing.item_code')} autocomplete="off" required />
    <${ErrorLine} error=${busy.error} />
    <button type="submit" class="primary" disabled=${busy.working}>${t('sharing.read')}</button>
    ${found &&
    html`<ul class="cards" data-list="resident-data">
      ${found.items.length === 0 && html`<li class="card">${t('sharing.nothing_held')}</li>`}
      ${found.items.map(
        (i) => html`<li class="card" key=${`${i.kind}:${i.key}`} data-item=${`${i.kind}:${i.key}`}>
          <strong>${i.label}</strong>: ${i.value ?? i.numberMasked ?? ''}
          <span class="hint"> · ${i.source?.name || ''}${i.asOf ? ` · ${formatDate(i.asOf)}` : ''}</span>
        </li>`,
      )}
    </ul>`}
  </form>`;
}

export function Sharing() {
  const [list, setList] = useState(undefined);
  const [error, setError] = useState(null);
  const read = () =>
    gql(LIST)
      .then((d) => setList(d.sharingList))
      .catch(setError);
  useEffect(() => {
    read();
  }, []);
  const clerk = ['STAFF', 'SUPERVISOR'].includes(state.me?.role);
  return html`<${Screen} title=${t('sharing.title')}>
    ${clerk && html`<${ResidentRead} />`}
    ${state.me?.role === 'ADMIN' && html`<${PublishList} onPublished=${read} />`}
    <${ErrorLine} error=${error} />
    ${list === undefined && !error && html`<p>${t('loading')}</p>`}
    ${list === null && html`<p class="notice">${t('sharing.none')}</p>`}
    ${list &&
    html`<p class="hint" data-version=${list.version}>${t('sharing.version', { version: list.version, date: list.effectiveFrom })}</p>
      <table class="figure-table" data-list="sharing"><caption>${t('sharing.caption')}</caption>
        <thead><tr><th scope="col">${t('sharing.item')}</th><th scope="col">${t('sharing.owner')}</th><th scope="col">${t('sharing.readers')}</th></tr></thead>
        <tbody>
          ${list.entries.map(
            (e) => html`<tr key=${`${e.kind}:${e.key}`} data-entry=${`${e.kind}:${e.key}`}>
              <th scope="row">${e.label}</th>
              <td>${e.owner.name}<br /><span class="hint">${e.legalBasis}</span></td>
              <td><ul>${e.readers.map((r) => html`<li key=${r.unit.code}>${r.unit.name}: ${purposes(r)}</li>`)}</ul></td>
            </tr>`,
          )}
        </tbody>
      </table>`}
  <//>`;
}
