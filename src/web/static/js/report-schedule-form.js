// @ts-check
/**
 * The report schedule form: the free cron field is only shown when the
 * frequency "Outra" is chosen. Without JavaScript both stay visible and the
 * server reads the cron field only for "Outra".
 */

const form = document.querySelector('form[data-schedule-form]');
const frequency = form?.querySelector('select[name="frequency"]');
const cronField = form?.querySelector('[data-cron-field]');

/**
 * @param {HTMLSelectElement} select
 * @param {HTMLElement} field
 * @param {boolean} isChange
 */
function showCron(select, field, isChange) {
  const isCustom = select.value === field.dataset.custom;
  field.hidden = !isCustom;
  if (isCustom && isChange) field.querySelector('input')?.focus();
}

if (frequency instanceof HTMLSelectElement && cronField instanceof HTMLElement) {
  showCron(frequency, cronField, false);
  frequency.addEventListener('change', () => showCron(frequency, cronField, true));
}
