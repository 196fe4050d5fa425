// The versioned catalog for admins: every version of each service item (事项: its unit,
// materials and time limits in working days) and of each bundle (一件事), with the one in force
// marked. A change is a new version in force from its date; applications made before keep
// the version they were made under (the count of tasks or applications per version shows it).
import { useRead } from '../../shared/busy.js';
import { html, useState } from '../../shared/html.js';
import { gql } from '../core/api.js';
import { Check, Input, Select } from '../core/form.js';
import { t } from '../core/i18n.js';
import { ErrorLine, formatDate, shanghaiDay } from '../core/ui.js';
import { AdminForm, AdminTable, Lines, useEditing, useUnits, words } from './admin_parts.js';

const ITEM = `itemCode version effectiveFrom inForce name unitCode description legalDays promisedDays
  retired tasks materials { code name required }`;
const BUNDLE = 'bundleCode version effectiveFrom inForce name description itemCodes retired applications';

// tomorrow in Shanghai: a new version usually starts on a coming day
const tomorrow = () => shanghaiDay(new Date(Date.now() + 86400000));

// materials as text, one a line: "code | name" and "| optional" when it may be left out
const materialsText = (list) =>
  list.map((m) => `${m.code} | ${m.name}${m.required ? '' : ' | optional'}`).join('\n');
const materialsOf = (text) =>
  (text || '')
    .split('\n')
    .map((line) => line.split('|').map((part) => part.trim()))
    .filter((parts) => parts[0])
    .map(([code, name = '', flag = '']) => ({ code, name, required: !/^(optional|可选|可選)$/i.test(flag) }));

function ItemForm({ item, units, onDone, onCancel }) {
  const [values, set] = useState({
    code: item?.itemCode || '',
    name: item?.name || '',
    unitCode: item?.unitCode || '',
    legalDays: item ? String(item.legalDays) : '',
    promisedDays: item ? String(item.promisedDays) : '',
    effectiveFrom: tomorrow(),
    description: item?.description || '',
    materials: item ? materialsText(item.materials) : '',
    retired: false,
  });
  const save = async () => {
    const input = {
      code: values.code.trim(),
      name: values.name.trim(),
      unitCode: values.unitCode,
      legalDays: Number.parseInt(values.legalDays, 10) || 0,
      promisedDays: Number.parseInt(values.promisedDays, 10) || 0,
      effectiveFrom: values.effectiveFrom,
      description: values.description.trim(),
      materials: materialsOf(values.materials),
      retired: Boolean(values.retired),
    };
    await gql(`mutation ($i: ServiceItemVersionInput!) { publishServiceItemVersion(input: $i) { version } }`, { i: input });
    onDone();
  };
  return html`<${AdminForm} name="item" title=${item ? t('admin.item.new_version', { name: item.name }) : t('admin.item.new')}
    submit=${t('admin.publish')} onSubmit=${save} onCancel=${onCancel}>
    <${Input} values=${values} set=${set} name="code" label=${t('admin.item.code')} readOnly=${Boolean(item)} />
    <${Input} values=${values} set=${set} name="name" label=${t('admin.item.name')} />
    <${Select} values=${values} set=${set} name="unitCode" label=${t('admin.item.unit')} placeholder=${t('desk.choose')}
      options=${units.map((u) => [u.code, u.name])} />
    <${Input} values=${values} set=${set} name="legalDays" label=${t('admin.item.legal_days')} type="number" min="1" />
    <${Input} values=${values} set=${set} name="promisedDays" label=${t('admin.item.promised_days')} type="number" min="1" />
    <${Input} values=${values} set=${set} name="effectiveFrom" label=${t('admin.effective_from')} type="date" />
    <${Input} values=${values} set=${set} name="description" label=${t('admin.description')} />
    <${Lines} values=${values} set=${set} name="materials" label=${t('admin.item.materials')} hint=${t('admin.item.materials_hint')} />
    <${Check} values=${values} set=${set} name="retired" label=${t('admin.retire')} />
  <//>`;
}

function BundleForm({ bundle, onDone, onCancel }) {
  const [values, set] = useState({
    code: bundle?.bundleCode || '',
    name: bundle?.name || '',
    itemCodes: bundle ? bundle.itemCodes.join(', ') : '',
    effectiveFrom: tomorrow(),
    description: bundle?.description || '',
    retired: false,
  });
  const save = async () => {
    const input = {
      code: values.code.trim(),
      name: values.name.trim(),
      itemCodes: words(values.itemCodes),
      effectiveFrom: values.effectiveFrom,
      description: values.description.trim(),
      retired: Boolean(values.retired),
    };
    await gql(`mutation ($i: BundleVersionInput!) { publishBundleVersion(input: $i) { version } }`, { i: input });
    onDone();
  };
  return html`<${AdminForm} name="bundle" title=${bundle ? t('admin.bundle.new_version', { name: bundle.name }) : t('admin.bundle.new')}
    submit=${t('admin.publish')} onSubmit=${save} onCancel=${onCancel}>
    <${Input} values=${values} set=${set} name="code" label=${t('admin.bundle.code')} readOnly=${Boolean(bundle)} />
    <${Input} values=${values} set=${set} name="name" label=${t('admin.bundle.name')} />
    <${Input} values=${values} set=${set} name="itemCodes" label=${t('admin.bundle.items')} hint=${t('admin.bundle.items_hint')} />
    <${Input} values=${values} set=${set} name="effectiveFrom" label=${t('admin.effective_from')} type="date" />
    <${Input} values=${values} set=${set} name="description" label=${t('admin.description')} />
    <${Check} values=${values} set=${set} name="retired" label=${t('admin.retire')} />
  <//>`;
}

const state = (v) =>
  v.retired ? t('admin.version.retired') : v.inForce ? t('admin.version.in_force') : t('admin.version.not_in_force');

// one version of an item or a bundle (`kind`): its name and code, number and state, first day,
// the kind's own cells, and for the one in force the button that starts the next version
function VersionRow({ kind, code, version: v, newVersion, onNewVersion, children }) {
  return html`<tr ...${{ [`data-${kind}`]: code }} data-version=${v.version} data-in-force=${v.inForce}>
    <td>${v.name} <span class="hint">${code}</span></td>
    <td>${v.version} <span class="hint">${state(v)}</span></td>
    <td>${formatDate(v.effectiveFrom)}</td>
    ${children}
    <td>${v.inForce &&
    html`<button type="button" class="secondary" data-action=${`${kind}-version`} aria-label=${newVersion}
      onClick=${onNewVersion}>${t('admin.new_version')}</button>`}</td>
  </tr>`;
}

export function Catalog() {
  const units = useUnits();
  const [data, , error, read] = useRead(() => gql(`{ serviceItemVersions { ${ITEM} } bundleVersions { ${BUNDLE} } }`));
  const [editing, setEditing, done] = useEditing(read); // {kind: 'item'|'bundle', of: version|null}
  const unitName = (code) => units.find((u) => u.code === code)?.name || code;
  return html`<div data-tab="catalog">
    <${ErrorLine} error=${error} />
    ${editing?.kind === 'item' &&
    html`<${ItemForm} key=${editing.of?.itemCode || 'new'} item=${editing.of} units=${units} onDone=${done}
      onCancel=${() => setEditing(null)} />`}
    ${editing?.kind === 'bundle' &&
    html`<${BundleForm} key=${editing.of?.bundleCode || 'new'} bundle=${editing.of} onDone=${done}
      onCancel=${() => setEditing(null)} />`}
    ${!editing &&
    html`<div class="row">
      <button type="button" class="primary" data-action="new-item" onClick=${() => setEditing({ kind: 'item', of: null })}>
        ${t('admin.item.new')}</button>
      <button type="button" class="secondary" data-action="new-bundle" onClick=${() => setEditing({ kind: 'bundle', of: null })}>
        ${t('admin.bundle.new')}</button>
    </div>`}
    ${data === null && !error && html`<p>${t('loading')}</p>`}
    ${data &&
    html`<section aria-labelledby="items-title">
      <h2 id="items-title">${t('admin.items')}</h2>
      <${AdminTable} caption=${t('admin.items')} columns=${[
          t('admin.item.name'),
          t('admin.version'),
          t('admin.effective_from'),
          t('admin.item.unit'),
          t('admin.item.limits'),
          t('admin.item.materials'),
          t('admin.item.tasks'),
        ]}>
        ${data.serviceItemVersions.map(
          (v) => html`<${VersionRow} key=${`${v.itemCode}-${v.version}`} kind="item" code=${v.itemCode} version=${v}
            newVersion=${t('admin.item.new_version', { name: v.name })} onNewVersion=${() => setEditing({ kind: 'item', of: v })}>
            <td>${unitName(v.unitCode)}</td>
            <td>${t('admin.item.days', { legal: v.legalDays, promised: v.promisedDays })}</td>
            <td>${v.materials.map((m) => m.name).join('、') || '—'}</td>
            <td>${v.tasks}</td>
          <//>`,
        )}
      <//>
    </section>
    <section aria-labelledby="bundles-title">
      <h2 id="bundles-title">${t('admin.bundles')}</h2>
      <${AdminTable} caption=${t('admin.bundles')} columns=${[
          t('admin.bundle.name'),
          t('admin.version'),
          t('admin.effective_from'),
          t('admin.bundle.items'),
          t('admin.bundle.applications'),
        ]}>
        ${data.bundleVersions.map(
          (v) => html`<${VersionRow} key=${`${v.bundleCode}-${v.version}`} kind="bundle" code=${v.bundleCode} version=${v}
            newVersion=${t('admin.bundle.new_version', { name: v.name })} onNewVersion=${() => setEditing({ kind: 'bundle', of: v })}>
            <td>${v.itemCodes.join(', ')}</td>
            <td>${v.applications}</td>
          <//>`,
        )}
      <//>
    </section>`}
  </div>`;
}
