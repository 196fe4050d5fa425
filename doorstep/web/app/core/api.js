// The app's API client (shared/api.js): the session's token, and while acting for someone
// (帮办代办) every request names the principal; a delegation that ended while acting goes back
// to the agent's own account.
import { ApiError, SESSION_ENDED, createGql } from '../../shared/api.js';
import { languageTag, t } from './i18n.js';
import { forgetSession, set, state } from './store.js';

export { ApiError };

const ACTING_ENDED = new Set(['delegation.inactive', 'delegation.not_found']);

export const gql = createGql({
  token: () => state.token,
  languageTag,
  t,
  headers: () => (state.acting ? { 'x-acting-for': state.acting.principalId } : {}),
  refused: (code) => {
    if (SESSION_ENDED.has(code) && state.token) forgetSession();
    if (ACTING_ENDED.has(code) && state.acting) set({ acting: null }, ['acting']);
  },
});

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
