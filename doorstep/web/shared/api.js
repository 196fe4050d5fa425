// The public GraphQL API over HTTP, as any outside app calls it: a bearer token, the chosen
// language as Accept-Language (refusals come back in it), and one error type with the
// server's stable code and message.
export class ApiError extends Error {
  constructor(code, message, extensions = {}) {
    super(message);
    this.code = code;
    this.extensions = extensions;
  }
}

export const SESSION_ENDED = new Set(['auth.required', 'auth.session_invalid', 'auth.session_expired']);

// token(): the session's bearer token, if any; languageTag(), t(): the app's strings;
// headers(): what else every request carries; refused(code): the app's answer to a refusal
// (a session that ended: log in again) before the error is thrown
export function createGql({ token, languageTag, t, headers = () => ({}), refused }) {
  return async function gql(query, variables = {}) {
    const sent = { 'content-type': 'application/json', 'accept-language': languageTag(), ...headers() };
    if (token()) sent.authorization = `Bearer ${token()}`;
    let response;
    let body = null;
    try {
      response = await fetch('/graphql', {
        method: 'POST',
        headers: sent,
        body: JSON.stringify({ query, variables }),
      });
      body = await response.json();
    } catch {
      throw new ApiError('network', t('error.network'));
    }
    const error = body?.errors?.[0];
    if (error) {
      const code = error.extensions?.code || 'internal';
      refused(code);
      throw new ApiError(code, error.message, error.extensions);
    }
    if (!response.ok || !body?.data) {
      throw new ApiError(body?.code || 'http_error', body?.message || t('error.network'));
    }
    return body.data;
  };
}
