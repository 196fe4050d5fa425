// The rules that find people (服务找人), as staff review them: each current version, and a
// dry run of a changed version (how many would gain or lose an offer; nothing is changed).
// Supervisors may then publish it. The rule is edited as the JSON the API takes.
import { html, useState } from '../../shared/html.js';
import { useBusy, useRead } from '../../shared/busy.js';
import { gql } from '../core/api.js';
import { t } from '../core/i18n.js';
import { state } from '../core/store.js';
import { ErrorLine, Field, Screen } from '../core/ui.js';

const RULES = `{ offerRules { code version current kind category bundleCode ownerUnitCode ownerUnitName
  condition title explanation validDays } }`;

const asInput = (r) => ({
  code: r.code,
  kind: r.kind.toLowerCase(),
  category: r.category.toLowerCase(),
  bundle_code: r.bundleCode,
  owner_unit_code: r.ownerUnitCode,
  valid_days: r.validDays,
  condition: r.condition,
  title: r.title,
  explanation: r.explanation,
});

function Editor({ rule, onPublished }) {
  const [text, setText] = useState(JSON.stringify(asInput(rule), null, 2));
  const [run, setRun] = useState(null);
  const [parseError, setParseError] = useState(null);
  const busy = useBusy();
  const parsed = () => {
    try {
      setParseError(null);
      return JSON.parse(text);
    } catch {
      setParseError(t('offer_rules.not_json'));
      return null;
    }
  };
  const tryIt = () => {
    const value = parsed();
    if (value) busy.run(async () => setRun((await gql('mutation ($r: JSON!) { dryRunOfferRule(rule: $r) { code currentVersion matched gain lose keep } }', { r: value })).dryRunOfferRule));
  };
  const publish = () => {
    const value = parsed();
    if (value) busy.run(async () => onPublished((await gql('mutation ($r: JSON!) { publishOfferRule(rule: $r) { code version } }', { r: value })).publishOfferRule));
  };
  return html`<div class="reason-form" data-editor=${rule.code}>
    <${Field} label=${t('offer_rules.json')} error=${parseError}>
      ${(props) => html`<textarea ...${props} name="rule" rows="14" class="code" value=${text}
        onInput=${(e) => {
          setText(e.currentTarget.value);
          setRun(null);
        }}></textarea>`}
    <//>
    <${ErrorLine} error=${busy.error} />
    <button type="button" class="primary" data-action="dry-run" disabled=${busy.working} onClick=${tryIt}>${t('offer_rules.try')}</button>
    ${run &&
    html`<p class="notice" role="status" data-gain=${run.gain} data-lose=${run.lose}>${t('offer_rules.result', run)}</p>
      ${['SUPERVISOR', 'ADMIN'].includes(state.me?.role) &&
      html`<button type="button" class="secondary" data-action="publish" disabled=${busy.working} onClick=${publish}>${t('offer_rules.publish')}</button>`}`}
  </div>`;
}

export function OfferRules() {
  const [rules, , error, read] = useRead(() => gql(RULES).then((d) => d.offerRules.filter((r) => r.current)));
  const [open, setOpen] = useState(null);
  const [published, setPublished] = useState(null);
  return html`<${Screen} title=${t('offer_rules.title')}>
    <${ErrorLine} error=${error} />
    ${published && html`<p class="notice done" role="status">${t('offer_rules.published', published)}</p>`}
    ${rules === null && !error && html`<p>${t('loading')}</p>`}
    ${rules &&
    html`<ul class="cards">${rules.map(
      (r) => html`<li class="card" key=${r.code} data-rule=${r.code}>
        <h3>${r.title[state.strings?.language] || r.title.zh_Hans || r.code}</h3>
        <p class="hint">${r.code} · v${r.version} · ${r.ownerUnitName}</p>
        ${open === r.code
          ? html`<${Editor} rule=${r} onPublished=${(p) => {
              setPublished(p);
              setOpen(null);
              read();
            }} />`
          : html`<button type="button" class="secondary" onClick=${() => setOpen(r.code)}>${t('offer_rules.open')}</button>`}
      </li>`,
    )}</ul>`}
  <//>`;
}
