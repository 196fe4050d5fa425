// Administration (admins): units with their service areas, staff accounts and roles, the
// versioned catalog and the working-day calendar, one tab each (#/admin/<tab>). Everything
// goes through the admin GraphQL; a refusal is the server's own message, shown by its form.
import { useRead } from '../../shared/busy.js';
import { html, useState } from '../../shared/html.js';
import { gql } from '../core/api.js';
import { Check, Input, Select } from '../core/form.js';
import { t } from '../core/i18n.js';
import { ErrorLine, Screen, TabLinks, tabOf } from '../core/ui.js';
import { Calendar } from './admin_calendar.js';
import { Catalog } from './admin_catalog.js';
import { AdminForm, AdminTable, useEditing, useUnits, words } from './admin_parts.js';

const TABS = ['units', 'staff', 'catalog', 'calendar'];
const KINDS = ['DEPARTMENT', 'STREET_OFFICE', 'COMMUNITY', 'ENTERPRISE', 'SOCIAL_ORGANISATION'];
const ROLES = ['STAFF', 'SUPERVISOR', 'ADMIN'];
const UNIT = 'code name kind regionCode parentCode phone territories activeStaff';
const STAFF = 'phone name role unitCode unitName regionCode active';

function UnitForm({ unit, onDone, onCancel }) {
  const [values, set] = useState(
    unit
      ? { ...unit, parentCode: unit.parentCode || '', phone: unit.phone || '', territories: unit.territories.join(', ') }
      : { code: '', name: '', kind: 'COMMUNITY', regionCode: '', parentCode: '', phone: '', territories: '' },
  );
  const save = async () => {
    const input = {
      code: values.code.trim(),
      name: values.name.trim(),
      kind: values.kind,
      regionCode: values.regionCode.trim(),
      parentCode: values.parentCode.trim() || null,
      phone: values.phone.trim() || null,
      territories: words(values.territories),
    };
    await gql(`mutation ($i: UnitInput!) { saveUnit(input: $i) { code } }`, { i: input });
    onDone();
  };
  return html`<${AdminForm} name="unit" title=${unit ? t('admin.unit.edit', { name: unit.name }) : t('admin.unit.new')}
    submit=${t('admin.save')} onSubmit=${save} onCancel=${onCancel}>
    <${Input} values=${values} set=${set} name="code" label=${t('admin.unit.code')} hint=${t('admin.unit.code_hint')}
      readOnly=${Boolean(unit)} />
    <${Input} values=${values} set=${set} name="name" label=${t('admin.unit.name')} />
    <${Select} values=${values} set=${set} name="kind" label=${t('admin.unit.kind')}
      options=${KINDS.map((k) => [k, t(`admin.kind.${k.toLowerCase()}`)])} />
    <${Input} values=${values} set=${set} name="regionCode" label=${t('admin.unit.region')} inputmode="numeric" />
    <${Input} values=${values} set=${set} name="parentCode" label=${t('admin.unit.parent')} />
    <${Input} values=${values} set=${set} name="phone" label=${t('admin.unit.phone')} type="tel" />
    <${Input} values=${values} set=${set} name="territories" label=${t('admin.unit.territories')}
      hint=${t('admin.unit.territories_hint')} />
  <//>`;
}

function Units() {
  const [units, , error, read] = useRead(() => gql(`{ adminUnits { ${UNIT} } }`).then((d) => d.adminUnits));
  const [editing, setEditing, done] = useEditing(read); // null, 'new' or the unit
  return html`<div data-tab="units">
    <${ErrorLine} error=${error} />
    ${editing
      ? html`<${UnitForm} key=${editing.code || 'new'} unit=${editing === 'new' ? null : editing} onDone=${done}
          onCancel=${() => setEditing(null)} />`
      : html`<button type="button" class="primary" data-action="new-unit" onClick=${() => setEditing('new')}>
          ${t('admin.unit.new')}</button>`}
    ${units === null && !error && html`<p>${t('loading')}</p>`}
    ${units &&
    html`<${AdminTable} caption=${t('admin.tab.units')} columns=${[
        t('admin.unit.name'),
        t('admin.unit.kind'),
        t('admin.unit.region'),
        t('admin.unit.territories'),
        t('admin.unit.staff'),
      ]}>
      ${units.map(
        (u) => html`<tr key=${u.code} data-unit=${u.code}>
          <td>${u.name} <span class="hint">${u.code}</span></td>
          <td>${t(`admin.kind.${u.kind.toLowerCase()}`)}</td>
          <td>${u.regionCode}${u.parentCode ? html` <span class="hint">${t('admin.unit.under', { parent: u.parentCode })}</span>` : ''}</td>
          <td>${u.territories.join(', ') || '—'}</td>
          <td>${u.activeStaff}</td>
          <td><button type="button" class="secondary" data-action="edit-unit"
            aria-label=${t('admin.unit.edit', { name: u.name })} onClick=${() => setEditing(u)}>${t('admin.edit')}</button></td>
        </tr>`,
      )}
    <//>`}
  </div>`;
}

function StaffForm({ member, units, onDone, onCancel }) {
  const [values, set] = useState(
    member
      ? { ...member, unitCode: member.unitCode || '', regionCode: member.regionCode || '' }
      : { phone: '', name: '', role: 'STAFF', unitCode: '', regionCode: '', active: true },
  );
  const save = async () => {
    const input = {
      phone: values.phone.trim(),
      name: values.name.trim(),
      role: values.role,
      unitCode: values.unitCode || null,
      regionCode: values.regionCode.trim() || null,
      active: Boolean(values.active),
    };
    await gql(
      member
        ? 'mutation ($i: StaffMemberInput!) { updateStaffMember(input: $i) { phone } }'
        : 'mutation ($i: StaffMemberInput!) { createStaffMember(input: $i) { phone } }',
      { i: input },
    );
    onDone();
  };
  return html`<${AdminForm} name="staff" title=${member ? t('admin.staff.edit', { name: member.name }) : t('admin.staff.new')}
    submit=${t('admin.save')} onSubmit=${save} onCancel=${onCancel}>
    <${Input} values=${values} set=${set} name="phone" label=${t('admin.staff.phone')} type="tel"
      hint=${t('admin.staff.phone_hint')} readOnly=${Boolean(member)} />
    <${Input} values=${values} set=${set} name="name" label=${t('admin.staff.name')} />
    <${Select} values=${values} set=${set} name="role" label=${t('admin.staff.role')}
      options=${ROLES.map((r) => [r, t(`role.${r.toLowerCase()}`)])} />
    <${Select} values=${values} set=${set} name="unitCode" label=${t('admin.staff.unit')} placeholder=${t('admin.staff.no_unit')}
      options=${units.map((u) => [u.code, u.name])} />
    <${Input} values=${values} set=${set} name="regionCode" label=${t('admin.staff.region')}
      hint=${t('admin.staff.region_hint')} inputmode="numeric" />
    ${member && html`<${Check} values=${values} set=${set} name="active" label=${t('admin.staff.active')} />`}
  <//>`;
}

function Staff() {
  const units = useUnits();
  const [filter, setFilter] = useState({ unit: '' });
  const [staff, , error, read] = useRead(
    () =>
      gql(`query ($u: String) { adminStaff(unitCode: $u) { ${STAFF} } }`, { u: filter.unit || null }).then(
        (d) => d.adminStaff,
      ),
    [filter.unit],
  );
  const [editing, setEditing, done] = useEditing(read);
  return html`<div data-tab="staff">
    <${ErrorLine} error=${error} />
    ${editing
      ? html`<${StaffForm} key=${editing.phone || 'new'} member=${editing === 'new' ? null : editing} units=${units}
          onDone=${done} onCancel=${() => setEditing(null)} />`
      : html`<button type="button" class="primary" data-action="new-staff" onClick=${() => setEditing('new')}>
          ${t('admin.staff.new')}</button>`}
    <div class="filters">
      <${Select} values=${filter} set=${setFilter} name="unit" label=${t('admin.staff.filter')} placeholder=${t('admin.staff.every_unit')}
        options=${units.map((u) => [u.code, u.name])} />
    </div>
    ${staff === null && !error && html`<p>${t('loading')}</p>`}
    ${staff &&
    html`<${AdminTable} caption=${t('admin.tab.staff')} columns=${[
        t('admin.staff.name'),
        t('admin.staff.phone'),
        t('admin.staff.role'),
        t('admin.staff.unit'),
        t('admin.staff.active'),
      ]}>
      ${staff.map(
        (m) => html`<tr key=${m.phone} data-staff=${m.phone}>
          <td>${m.name}</td><td>${m.phone}</td>
          <td>${t(`role.${m.role.toLowerCase()}`)}${m.regionCode ? html` <span class="hint">${m.regionCode}</span>` : ''}</td>
          <td>${m.unitName || '—'}</td>
          <td>${m.active ? t('admin.yes') : t('admin.no')}</td>
          <td><button type="button" class="secondary" data-action="edit-staff"
            aria-label=${t('admin.staff.edit', { name: m.name })} onClick=${() => setEditing(m)}>${t('admin.edit')}</button></td>
        </tr>`,
      )}
    <//>`}
  </div>`;
}

const PANES = { units: Units, staff: Staff, catalog: Catalog, calendar: Calendar };

export function Admin({ params }) {
  const tab = tabOf(TABS, params);
  const Pane = PANES[tab];
  return html`<${Screen} title=${t('admin.title')}>
    <${TabLinks} tabs=${TABS} tab=${tab} route="admin" label=${t('admin.tabs')} name=${(name) => t(`admin.tab.${name}`)} />
    <${Pane} />
  <//>`;
}
