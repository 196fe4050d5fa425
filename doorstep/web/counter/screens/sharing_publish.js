// Publishing the data-sharing list (admins): the lines of a sharing.csv pasted in (the same
// columns as `doorstep import`), checked by the server in a dry run that lists every problem by
// line, then published as a new version from a date. Nothing is written until "publish".
import { useBusy } from '../../shared/busy.js';
import { html, useState } from '../../shared/html.js';
import { gql } from '../core/api.js';
import { t } from '../core/i18n.js';
import { ErrorLine, Field } from '../core/ui.js';

const PUBLISH = `mutation ($rows: [SharingRowInput!]!, $d: Boolean!, $e: Date) {
  publishSharingList(rows: $rows, dryRun: $d, effectiveFrom: $e) {
    dryRun published version entries grants problems { line code message warning } } }`;
const TRUE = new Set(['true', 'yes', '1', '是', 'y']);
const split = (cell) => (cell || '').split(/[;；,，\s]+/).filter(Boolean);

// one CSV line's cells ("" quotes, as spreadsheets write them)
function cells(line) {
  const out = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i];
    if (quoted && c === '"' && line[i + 1] === '"') {
      cell += '"';
      i += 1;
    } else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      out.push(cell.trim());
      cell = '';
    } else cell += c;
  }
  out.push(cell.trim());
  return out;
}

// the rows the API takes, and each row's line in the pasted text (the header is line 1): the
// server numbers the rows it was given, the report names the text's lines
export function parseCsv(text) {
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/);
  const header = cells(lines[0] || '').map((h) => h.toLowerCase());
  const rows = [];
  const lineOf = [];
  lines.slice(1).forEach((line, n) => {
    if (!line.trim()) return;
    lineOf.push(n + 2);
    const v = Object.fromEntries(header.map((h, i) => [h, cells(line)[i] || '']));
    rows.push({
      kind: v.kind || '',
      key: v.key || '',
      ownerUnitCode: v.owner_unit_code || '',
      readerUnitCode: v.reader_unit_code || null,
      items: split(v.items),
      bundles: split(v.bundles),
      welfareCheck: TRUE.has((v.welfare_check || '').toLowerCase()),
      legalBasis: v.legal_basis || '',
    });
  });
  return { rows, lineOf };
}

function Problem({ p }) {
  return html`<li data-line=${p.line} data-code=${p.code}>${p.line ? t('sharing.at_line', { line: p.line }) : ''}${p.message}</li>`;
}

export function PublishList({ onPublished }) {
  const [text, setText] = useState('');
  const [from, setFrom] = useState('');
  const [report, setReport] = useState(null);
  const busy = useBusy();
  const send = (dryRun) =>
    busy.run(async () => {
      const { rows, lineOf } = parseCsv(text);
      const result = (await gql(PUBLISH, { rows, d: dryRun, e: from || null })).publishSharingList;
      const at = (line) => (line ? lineOf[line - 1] || line : 0);
      setReport({ ...result, problems: result.problems.map((p) => ({ ...p, line: at(p.line) })) });
      if (result.published) onPublished(result);
    });
  const errors = report ? report.problems.filter((p) => !p.warning) : [];
  const warnings = report ? report.problems.filter((p) => p.warning) : [];
  return html`<section class="reason-form" data-form="publish-sharing" aria-labelledby="publish-title">
    <h2 id="publish-title">${t('sharing.publish_title')}</h2>
    <p class="hint">${t('sharing.publish_hint')}</p>
    <${Field} label=${t('sharing.csv')}>
      ${(props) => html`<textarea ...${props} name="csv" rows="10" class="code" value=${text}
        onInput=${(e) => {
          setText(e.currentTarget.value);
          setReport(null);
        }}></textarea>`}
    <//>
    <${Field} label=${t('sharing.effective_from')}>
      ${(props) => html`<input ...${props} type="date" name="effective_from" value=${from}
        onInput=${(e) => {
          setFrom(e.currentTarget.value);
          setReport(null);
        }} />`}
    <//>
    <${ErrorLine} error=${busy.error} />
    <button type="button" class="primary" data-action="dry-run" disabled=${busy.working} onClick=${() => send(true)}>${t('sharing.dry_run')}</button>
    ${report &&
    html`<p class="notice" role="status" data-errors=${errors.length}>${
      report.published
        ? t('sharing.published', { version: report.version })
        : errors.length
          ? t('sharing.problems', { count: errors.length })
          : t('sharing.checked', { entries: report.entries, grants: report.grants })
    }</p>
      <ul data-list="problems">${errors.map((p) => html`<${Problem} p=${p} />`)}</ul>
      ${warnings.length > 0 &&
      html`<details data-list="warnings"><summary>${t('sharing.warnings', { count: warnings.length })}</summary>
        <ul>${warnings.map((p) => html`<${Problem} p=${p} />`)}</ul>
      </details>`}
      ${report.dryRun && errors.length === 0 &&
      html`<button type="button" class="secondary" data-action="publish" disabled=${busy.working} onClick=${() => send(false)}>${t('sharing.publish')}</button>`}`}
  </section>`;
}
