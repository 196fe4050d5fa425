// The working-day calendar for admins: this year and the next, where each one's days come from,
// the weekdays deadlines count as rest days, and every entered version. A year without its
// official schedule counts only the statutory holidays (全国年节及纪念日放假办法, no 调休): it is
// shown with a warning until an admin enters the State Council's dates here.
import { useRead } from '../../shared/busy.js';
import { html, useState } from '../../shared/html.js';
import { gql } from '../core/api.js';
import { Input, Select } from '../core/form.js';
import { t } from '../core/i18n.js';
import { ErrorLine, formatDate } from '../core/ui.js';
import { AdminForm, Lines, useEditing, words } from './admin_parts.js';

const VERSION = 'version holidays workdays source note enteredVia enteredBy enteredAt';
const YEAR = `year basis warning weekdayRestDays inForce { ${VERSION} } versions { ${VERSION} }`;

const thisYear = () =>
  Number(new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(new Date()));

function ScheduleForm({ years, onDone, onCancel }) {
  const missing = years.find((y) => y.warning);
  const [values, set] = useState({
    year: String((missing || years[years.length - 1]).year),
    holidays: '',
    workdays: '',
    source: '',
    note: '',
  });
  const save = async () => {
    const input = {
      year: Number(values.year),
      holidays: words(values.holidays),
      workdays: words(values.workdays),
      source: values.source.trim(),
      note: values.note.trim(),
    };
    await gql(`mutation ($i: HolidayScheduleInput!) { enterHolidaySchedule(input: $i) { version } }`, { i: input });
    onDone();
  };
  return html`<${AdminForm} name="schedule" title=${t('admin.calendar.enter')} submit=${t('admin.calendar.save')}
    onSubmit=${save} onCancel=${onCancel}>
    <${Select} values=${values} set=${set} name="year" label=${t('admin.calendar.year')}
      options=${years.map((y) => [String(y.year), String(y.year)])} />
    <${Input} values=${values} set=${set} name="source" label=${t('admin.calendar.source')} hint=${t('admin.calendar.source_hint')} />
    <${Lines} values=${values} set=${set} name="holidays" label=${t('admin.calendar.holidays')} hint=${t('admin.calendar.dates_hint')} />
    <${Lines} values=${values} set=${set} name="workdays" label=${t('admin.calendar.workdays')} hint=${t('admin.calendar.dates_hint')} />
    <${Input} values=${values} set=${set} name="note" label=${t('admin.calendar.note')} />
  <//>`;
}

const dates = (list) =>
  list.length ? new Intl.ListFormat(document.documentElement.lang).format(list.map(formatDate)) : '—';

function Year({ year }) {
  const id = `year-${year.year}`;
  return html`<section aria-labelledby=${id} class="card" data-year=${year.year} data-basis=${year.basis}>
    <h2 id=${id}>${t('admin.calendar.year_title', { year: year.year })}</h2>
    ${year.warning &&
    html`<p class="notice warning" data-warning="missing">${t('admin.calendar.missing', { year: year.year })}</p>`}
    <p>${t(`admin.calendar.basis.${year.basis.toLowerCase()}`)}</p>
    <h3>${year.warning ? t('admin.calendar.statutory_days') : t('admin.calendar.rest_days')}</h3>
    <p data-rest-days>${dates(year.weekdayRestDays)}</p>
    ${year.versions.length > 0 &&
    html`<table class="admin">
      <caption>${t('admin.calendar.versions')}</caption>
      <thead><tr>
        <th scope="col">${t('admin.version')}</th><th scope="col">${t('admin.calendar.source')}</th>
        <th scope="col">${t('admin.calendar.holidays')}</th><th scope="col">${t('admin.calendar.workdays')}</th>
        <th scope="col">${t('admin.calendar.entered')}</th>
      </tr></thead>
      <tbody>${year.versions.map(
        (v) => html`<tr key=${v.version} data-version=${v.version}>
          <td>${v.version}${year.inForce?.version === v.version ? html` <span class="hint">${t('admin.version.in_force')}</span>` : ''}</td>
          <td>${v.source}${v.note ? html` <span class="hint">${v.note}</span>` : ''}</td>
          <td>${dates(v.holidays)}</td><td>${dates(v.workdays)}</td>
          <td>${formatDate(v.enteredAt)} <span class="hint">${v.enteredVia}</span></td>
        </tr>`,
      )}</tbody>
    </table>`}
  </section>`;
}

export function Calendar() {
  const [years, , error, read] = useRead(() => {
    const first = thisYear();
    return gql(`query ($f: Int!, $l: Int!) { workingCalendar(first: $f, last: $l) { ${YEAR} } }`, {
      f: first,
      l: first + 1,
    }).then((d) => d.workingCalendar);
  });
  const [entering, setEntering, done] = useEditing(read);
  return html`<div data-tab="calendar">
    <${ErrorLine} error=${error} />
    ${years === null && !error && html`<p>${t('loading')}</p>`}
    ${years && entering && html`<${ScheduleForm} years=${years} onDone=${done} onCancel=${() => setEntering(false)} />`}
    ${years &&
    !entering &&
    html`<button type="button" class="primary" data-action="enter-schedule" onClick=${() => setEntering(true)}>
      ${t('admin.calendar.enter')}</button>`}
    ${years && years.map((y) => html`<${Year} key=${y.year} year=${y} />`)}
  </div>`;
}
