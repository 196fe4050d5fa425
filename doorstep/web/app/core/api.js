// The public GraphQL API over HTTP, as any outside app calls it: a bearer token, the chosen
// language as Accept-Language (refusals come back in it), and one error type with the
// server's stable code and message.
import { languageTag, t } from './i18n.js';
import { forgetSession, set, state } from './store.js';

export class ApiError extends Error {
  constructor(code, message, extensions = {}) {
    super(message);
    this.code = code;
    this.extensions = extensions;
  }
}

const SESSION_ENDED = new Set(['auth.required', 'auth.session_invalid', 'auth.session_expired']);
const ACTING_ENDED = new Set(['delegation.inactive', 'delegation.not_found']);

export async function gql(query, variables = {}) {
  const headers = { 'content-type': 'application/json', 'accept-language': languageTag() };
  if (state.token) headers.authorization = `Bearer ${state.token}`;
  // acting for someone (帮办代办): every request names the principal
  if (state.acting) headers['x-acting-for'] = state.acting.principalId;
  let response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError('network', t('error.network'));
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    throw new ApiError('network', t('error.network'));
  }
  const error = body?.errors?.[0];
  if (error) {
    const code = error.extensions?.code || 'internal';
    if (SESSION_ENDED.has(code) && state.token) forgetSession();
    // the delegation ended while acting: back to the agent's own account
    if (ACTING_ENDED.has(code) && state.acting) set({ acting: null }, ['acting']);
    throw new ApiError(code, error.message, error.extensions);
  }
  if (!response.ok || !body?.data) {
    throw new ApiError(body?.code || 'http_error', body?.message || t('error.network'));
  }
  return body.data;
}

export const ME_FIELDS = `role language languageChosen elderMode elderModeOffered smsOnly
  presentation { elderMode minFontPt minTouchTargetDp noPromotions readAloud }
  actingFor { __typename }`;
export const ME = `me { ${ME_FIELDS} }`;

export const APPLICATION_FIELDS = `number bundleCode bundleName status statusLabel nextStep
  readAloud updatedAt createdAt progress { done total percent }
  tasks { id itemName unitName unitPhone status statusLabel dueOn paused reason }`;

// A material file: a grant from the API, then the bytes to its url (the server checks the
// content's type and size again; the size is checked here first so a cheap phone does not
// send 10 MB for nothing). Resolves to { fileId, mediaType, size, sha256 }.
export async function uploadFile(file) {
  const { requestUploadGrant: grant } = await gql('mutation { requestUploadGrant { url token maxBytes } }');
  if (file.size > grant.maxBytes) {
    throw new ApiError('file.too_large', t('files.too_large', { mb: Math.floor(grant.maxBytes / 1048576) }));
  }
  let response;
  try {
    response = await fetch(grant.url, {
      method: 'POST',
      headers: {
        'content-type': file.type || 'application/octet-stream',
        'x-upload-grant': grant.token,
        'accept-language': languageTag(),
      },
      body: file,
    });
  } catch {
    throw new ApiError('network', t('error.network'));
  }
  const body = await response.json().catch(() => null);
  if (!response.ok || !body?.fileId) {
    throw new ApiError(body?.code || 'http_error', body?.message || t('error.network'));
  }
  return body;
}
