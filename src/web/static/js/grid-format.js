// @ts-check
/** pt-BR words and dates of the attendance grid (the server's format.ts, for the browser). */

/** @type {Record<string, string>} */
export const STATUS_LABELS = {
  P: 'Presente',
  F: 'Falta',
  J: 'Falta justificada',
  V1: 'Voluntário (extra)',
  V2: 'Voluntário (simples)',
};

const WEEKDAYS = ['domingo', 'segunda', 'terça', 'quarta', 'quinta', 'sexta', 'sábado'];

/** Why the server refused a mark (422 `rule`), in pt-BR. */
/** @type {Record<string, string>} */
export const RULE_MESSAGES = {
  archived: 'a turma, a atividade ou o aluno está arquivado',
  outside_enrollment: 'a matrícula do aluno não cobre esta data',
  future_date: 'P, F ou J só podem ser registrados a partir do dia da atividade',
  attendance_status_required: 'o aluno é esperado neste dia: use P, F ou J',
  voluntary_status_required: 'o aluno não é esperado neste dia: use V1 ou V2',
  unknown_status: 'situação desconhecida',
};

/** `2026-03-05` → `05/03`. @param {string} date */
export function dayMonth(date) {
  return `${date.slice(8, 10)}/${date.slice(5, 7)}`;
}

/** `2026-03-05` → `05/03/2026`. @param {string} date */
export function fullDate(date) {
  return `${date.slice(8, 10)}/${date.slice(5, 7)}/${date.slice(0, 4)}`;
}

/** `2026-03-05` → `quinta`. @param {string} date */
export function weekday(date) {
  const day = new Date(`${date}T12:00:00Z`).getUTCDay();
  return WEEKDAYS[day] ?? '';
}

/**
 * `dd/mm/aaaa` → `YYYY-MM-DD`, or null when it is not a real date.
 * @param {string} text
 */
export function parseBrazilianDate(text) {
  const match = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text.trim());
  if (!match) return null;
  const iso = `${match[3]}-${match[2]}-${match[1]}`;
  const parsed = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(iso) ? iso : null;
}

/**
 * A status as a person reads it; "vazio" when there is none.
 * @param {string | null} status
 */
export function statusLabel(status) {
  return status === null ? 'vazio' : (STATUS_LABELS[status] ?? status);
}

/**
 * @param {number | null} pct whole number
 */
export function formatPct(pct) {
  return pct === null ? '–' : `${pct}%`;
}
