// @ts-check
/**
 * Behaviour shared by every page. Loaded as a module: no inline scripts, so
 * the Content-Security-Policy can forbid them.
 */

/** The CSRF token the server put in the page, sent with every htmx request. */
function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta instanceof HTMLMetaElement ? meta.content : '';
}

document.body.addEventListener('htmx:configRequest', (event) => {
  const detail = /** @type {CustomEvent<{headers: Record<string, string>}>} */ (event).detail;
  detail.headers['x-csrf-token'] = csrfToken();
});

// Forms that destroy or archive something ask first.
document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const question = form.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
