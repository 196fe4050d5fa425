// At the counter (窗口): an application made for a walk-in citizen (identity document checked,
// consent recorded), a principal's consent to a delegation given in person, and a ticket filed
// for a hotline caller; a caller's follow-up answer and a review request (desk_answers.js).
// Each form sends once however often it is pressed and shows the
// server's refusal in the clerk's language; nothing is sent before the checks are ticked.
import { html, useEffect, useState } from '../../shared/html.js';
import { gql } from '../core/api.js';
import { t } from '../core/i18n.js';
import { Check, Done, Input, Select, useDeskForm } from '../core/form.js';
import { ErrorLine, Screen, TabLinks, formatDate, tabOf } from '../core/ui.js';
import { FollowUp, ReviewRequest } from './desk_answers.js';

const TABS = ['walkin', 'consent', 'hotline', 'followup', 'review'];
const LANGUAGES = ['zh_Hans', 'zh_Hant', 'en'];
const KINDS = ['COMPLAINT', 'HELP', 'ENQUIRY', 'REPORT', 'SUGGESTION'];
const URGENCIES = ['NORMAL', 'URGENT', 'DANGER'];
const WALKIN_START = { language: 'zh_Hans', identityDocument: '' };
const HOTLINE_START = { kind: 'COMPLAINT', urgency: 'NORMAL' };

async function applyForWalkIn(values, materials) {
  const input = {
    application: {
      bundleCode: values.bundle || '',
      applicantName: values.name || null,
      residentId: values.residentId || null,
      materials,
    },
    phone: values.phone || null,
    language: values.language,
    identityDocument: values.identityDocument || '',
    identityChecked: Boolean(values.identityChecked),
    consentGiven: Boolean(values.consentGiven),
    note: values.note || null,
  };
  const d = await gql('mutation ($i: AssistedApplicationInput!) { submitAssistedApplication(input: $i) { number bundleName } }', { i: input });
  return d.submitAssistedApplication;
}

function WalkIn() {
  const { values, set, made, again, working, error, sendNow } = useDeskForm(WALKIN_START, applyForWalkIn);
  const [bundles, setBundles] = useState([]);
  const [materials, setMaterials] = useState([]);
  const [chosen, setChosen] = useState(new Set());
  useEffect(() => {
    gql('{ catalog { code name } }').then((d) => setBundles(d.catalog)).catch(() => {});
  }, []);
  useEffect(() => {
    setChosen(new Set());
    if (!values.bundle) return setMaterials([]);
    gql('query ($c: String!) { bundle(code: $c) { items { materials { code name required } } } }', { c: values.bundle })
      .then((d) => {
        const seen = new Map();
        for (const item of d.bundle?.items || []) for (const m of item.materials) seen.set(m.code, m);
        setMaterials([...seen.values()]);
      })
      .catch(() => {});
  }, [values.bundle]);
  const submit = (event) => {
    event.preventDefault();
    sendNow([...chosen]);
  };
  if (made) {
    return html`<${Done} onAgain=${again}>${t('desk.walkin.done', { number: made.number, bundle: made.bundleName })}
      <a href=${`#/application/${made.number}`}>${t('desk.open_application')}</a><//>`;
  }
  const p = { values, set };
  return html`<form data-form="walkin" onSubmit=${submit} novalidate class="desk-form">
    <${Select} ...${p} name="bundle" label=${t('desk.walkin.bundle')} placeholder=${t('desk.choose')}
      options=${bundles.map((b) => [b.code, b.name])} />
    <div class="grid">
      <${Input} ...${p} name="name" label=${t('desk.walkin.name')} autocomplete="off" />
      <${Input} ...${p} name="residentId" label=${t('desk.walkin.resident_id')} hint=${t('desk.walkin.resident_id_hint')} autocomplete="off" maxlength="18" />
      <${Input} ...${p} name="phone" type="tel" label=${t('desk.walkin.phone')} hint=${t('desk.walkin.phone_hint')} />
      <${Select} ...${p} name="language" label=${t('desk.walkin.language')} options=${LANGUAGES.map((l) => [l, t(`language.${l}`)])} />
    </div>
    ${materials.length > 0 &&
    html`<fieldset class="materials-check"><legend>${t('desk.walkin.materials')}</legend>
      ${materials.map(
        (m) => html`<div class="check"><label><input type="checkbox" name="material" value=${m.code}
          checked=${chosen.has(m.code)} onChange=${(e) => {
            const next = new Set(chosen);
            if (e.currentTarget.checked) next.add(m.code);
            else next.delete(m.code);
            setChosen(next);
          }} /> ${m.name}${m.required ? '' : ` (${t('materials.optional')})`}</label></div>`,
      )}
    </fieldset>`}
    <fieldset class="checks"><legend>${t('desk.checks')}</legend>
      <${Input} ...${p} name="identityDocument" label=${t('desk.walkin.document')} hint=${t('desk.walkin.document_hint')} />
      <${Check} ...${p} name="identityChecked" label=${t('desk.walkin.identity_checked')} />
      <${Check} ...${p} name="consentGiven" label=${t('desk.walkin.consent')} />
    </fieldset>
    <${Input} ...${p} name="note" label=${t('desk.note')} />
    <${ErrorLine} error=${error} />
    <button type="submit" class="primary" disabled=${working}>${t('desk.walkin.submit')}</button>
  </form>`;
}

async function recordConsent(values) {
  const d = await gql(
    `mutation ($p: String!, $a: String!, $i: Boolean!, $u: Boolean!, $n: String) {
      recordInPersonConsent(principalPhone: $p, agentPhone: $a, identityChecked: $i,
        understandingChecked: $u, note: $n) { statusLabel themeLabels validUntil } }`,
    {
      p: values.principal || '',
      a: values.agent || '',
      i: Boolean(values.identityChecked),
      u: Boolean(values.understood),
      n: values.note || null,
    },
  );
  return d.recordInPersonConsent;
}

function Consent() {
  const { values, set, made, again, working, error, submit } = useDeskForm({}, recordConsent);
  if (made) {
    return html`<${Done} onAgain=${again}>${t('desk.consent.done', {
      status: made.statusLabel,
      themes: made.themeLabels.join('、'),
      until: formatDate(made.validUntil),
    })}<//>`;
  }
  const p = { values, set };
  return html`<form data-form="consent" onSubmit=${submit} novalidate class="desk-form">
    <p class="hint">${t('desk.consent.intro')}</p>
    <div class="grid">
      <${Input} ...${p} name="principal" type="tel" label=${t('desk.consent.principal')} />
      <${Input} ...${p} name="agent" type="tel" label=${t('desk.consent.agent')} />
    </div>
    <fieldset class="checks"><legend>${t('desk.checks')}</legend>
      <${Check} ...${p} name="identityChecked" label=${t('desk.consent.identity_checked')} />
      <${Check} ...${p} name="understood" label=${t('desk.consent.understood')} />
    </fieldset>
    <${Input} ...${p} name="note" label=${t('desk.note')} />
    <${ErrorLine} error=${error} />
    <button type="submit" class="primary" disabled=${working}>${t('desk.consent.submit')}</button>
  </form>`;
}

async function fileTicket(values) {
  const input = {
    kind: values.kind,
    categoryCode: values.category || '',
    description: values.description || '',
    regionCode: values.region || '',
    urgency: values.urgency,
    citizenPhone: values.caller || '',
  };
  const d = await gql('mutation ($i: SubmitTicketInput!) { submitTicket(input: $i) { number leadUnit { name } } }', { i: input });
  return d.submitTicket;
}

function Hotline() {
  const { values, set, made, again, working, error, submit } = useDeskForm(HOTLINE_START, fileTicket);
  const [categories, setCategories] = useState([]);
  const [places, setPlaces] = useState([]);
  useEffect(() => {
    gql('{ ticketCategories { code name } ticketPlaces { code name } }')
      .then((d) => {
        setCategories(d.ticketCategories);
        setPlaces(d.ticketPlaces);
      })
      .catch(() => {});
  }, []);
  if (made) {
    return html`<${Done} onAgain=${again}>${t('desk.hotline.done', { number: made.number, unit: made.leadUnit.name })}
      <a href=${`#/ticket/${made.number}`}>${t('desk.open_ticket')}</a><//>`;
  }
  const p = { values, set };
  return html`<form data-form="hotline" onSubmit=${submit} novalidate class="desk-form">
    <div class="grid">
      <${Input} ...${p} name="caller" type="tel" label=${t('desk.hotline.caller')} hint=${t('desk.hotline.caller_hint')} />
      <${Select} ...${p} name="kind" label=${t('desk.hotline.kind')} options=${KINDS.map((k) => [k, t(`ticket_kind.${k.toLowerCase()}`)])} />
      <${Select} ...${p} name="category" label=${t('tickets.category')} placeholder=${t('desk.choose')} options=${categories.map((c) => [c.code, c.name])} />
      <${Select} ...${p} name="region" label=${t('ticket.place')} placeholder=${t('desk.choose')} options=${places.map((r) => [r.code, r.name])} />
      <${Select} ...${p} name="urgency" label=${t('tickets.urgency')} options=${URGENCIES.map((u) => [u, t(`urgency.${u.toLowerCase()}`)])} />
    </div>
    <${Input} ...${p} name="description" label=${t('desk.hotline.description')} />
    <${ErrorLine} error=${error} />
    <button type="submit" class="primary" disabled=${working}>${t('desk.hotline.submit')}</button>
  </form>`;
}

const FORMS = {
  walkin: WalkIn,
  consent: Consent,
  hotline: Hotline,
  followup: FollowUp,
  review: ReviewRequest,
};

export function Desk({ params }) {
  const tab = tabOf(TABS, params);
  const Form = FORMS[tab];
  return html`<${Screen} title=${t('desk.title')}>
    <${TabLinks} tabs=${TABS} tab=${tab} route="desk" label=${t('desk.title')} name=${(name) => t(`desk.${name}`)} />
    <h2>${t(`desk.${tab}`)}</h2>
    <${Form} key=${tab} />
  <//>`;
}
