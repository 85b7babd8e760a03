// @ts-check
/**
 * The JSON API calls of the attendance page, with the session cookie and the
 * CSRF token the server put in the page. Never throws: a network failure is
 * an answer with status 0.
 */

/**
 * @typedef {object} ApiError
 * @property {string} [code]
 * @property {string} [message]
 * @property {unknown} [details]
 */
/**
 * @typedef {object} ApiAnswer
 * @property {boolean} ok
 * @property {number} status
 * @property {unknown} data the parsed JSON body, null when there is none
 */

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta instanceof HTMLMetaElement ? meta.content : '';
}

/**
 * @param {'GET' | 'POST' | 'PUT' | 'DELETE'} method
 * @param {string} path under /api/v1
 * @param {unknown} [body]
 * @returns {Promise<ApiAnswer>}
 */
export async function call(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken();
  if (body !== undefined) headers['content-type'] = 'application/json';
  /** @type {Response} */
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    return { ok: false, status: 0, data: null };
  }
  return { ok: response.ok, status: response.status, data: await jsonOf(response) };
}

/**
 * @param {Response} response
 * @returns {Promise<unknown>}
 */
async function jsonOf(response) {
  try {
    const text = await response.text();
    return text ? /** @type {unknown} */ (JSON.parse(text)) : null;
  } catch {
    return null;
  }
}

/**
 * The error code of a refused call, '' when there is none.
 * @param {ApiAnswer} answer
 */
export function errorCode(answer) {
  const data = /** @type {ApiError | null} */ (answer.data);
  return typeof data?.code === 'string' ? data.code : '';
}
