/**
 * The e-mails OMAUM writes, in pt-BR: each template gives a subject, a plain
 * text body and an HTML body saying the same thing. Every value is escaped in
 * the HTML; names come from the database and may hold `<` or `&`.
 */

export interface MailContent {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** A range of whole months, `YYYY-MM`, both included. */
export interface MonthPeriod {
  readonly from: string;
  readonly to: string;
}

export interface ReportEmailInput {
  readonly cohortName: string;
  readonly period: MonthPeriod;
  /** As users know it, e.g. `Relatório Mensal de Atividades`. */
  readonly reportName: string;
  readonly recipientName?: string | null;
}

export interface ShortfallActivity {
  readonly name: string;
  /** 0–100. */
  readonly attendancePct: number;
}

export interface ShortfallNoticeInput {
  readonly studentName: string;
  readonly cohortName: string;
  readonly period: MonthPeriod;
  /** The cohort's minimum, 0–100. */
  readonly minAttendancePct: number;
  readonly activities: readonly ShortfallActivity[];
  /** Whom to talk to, e.g. `a secretaria` (the default) or `o instrutor da turma`. */
  readonly contact?: string | null;
  /** `YYYY-MM-DD`: the date to settle it by, when the follow-up has one. */
  readonly dueDate?: string | null;
}

const SIGNATURE = 'Mensagem enviada automaticamente pelo OMAUM. Não é preciso respondê-la.';

/** The e-mail that carries a report (attached by the caller) to its recipients. */
export function reportEmail(input: ReportEmailInput): MailContent {
  const period = formatPeriod(input.period);
  const reference =
    input.period.from === input.period.to ? `referente a ${period}` : `do período de ${period}`;
  const subject = `${input.reportName} – ${input.cohortName} – ${period}`;
  const body =
    `Segue em anexo o relatório “${input.reportName}” da turma ${input.cohortName}, ` +
    `${reference}.`;

  const text = [greeting(input.recipientName), '', body, '', SIGNATURE, ''].join('\n');
  const html = document(subject, [paragraph(greeting(input.recipientName)), paragraph(body)]);
  return { subject, text, html };
}

/** Tells a student which activities are in shortfall ("carência") over a period. */
export function shortfallNotice(input: ShortfallNoticeInput): MailContent {
  const period = formatPeriod(input.period);
  const minimum = formatPct(input.minAttendancePct);
  const subject = `Aviso de carência – ${input.cohortName} – ${period}`;
  const intro =
    `No período de ${period}, sua frequência na turma ${input.cohortName} ficou abaixo ` +
    `do mínimo de ${minimum} nas atividades abaixo.`;
  const items = input.activities.map(
    (activity) => `${activity.name}: ${formatPct(activity.attendancePct)}`,
  );
  const request = contactRequest(input.contact, input.dueDate);

  const text = [
    greeting(input.studentName),
    '',
    intro,
    '',
    ...items.map((item) => `- ${item}`),
    '',
    request,
    '',
    SIGNATURE,
    '',
  ].join('\n');
  const html = document(subject, [
    paragraph(greeting(input.studentName)),
    paragraph(intro),
    `<ul>${items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`,
    paragraph(request),
  ]);
  return { subject, text, html };
}

/** `2026-01`..`2026-03` → `janeiro a março de 2026`; one month → `março de 2026`. */
export function formatPeriod(period: MonthPeriod): string {
  const from = parseMonth(period.from);
  const to = parseMonth(period.to);
  if (period.from === period.to) return `${from.name} de ${from.year}`;
  if (from.year === to.year) return `${from.name} a ${to.name} de ${to.year}`;
  return `${from.name} de ${from.year} a ${to.name} de ${to.year}`;
}

/** Makes text safe inside HTML elements and double- or single-quoted attributes. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const MONTH_NAME = new Intl.DateTimeFormat('pt-BR', { month: 'long', timeZone: 'UTC' });
const PERCENT = new Intl.NumberFormat('pt-BR', { maximumFractionDigits: 1 });

function parseMonth(month: string): { year: string; name: string } {
  const match = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!match?.[1] || !match[2]) throw new RangeError(`not a month (YYYY-MM): ${month}`);
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1));
  return { year: match[1], name: MONTH_NAME.format(date) };
}

function formatPct(value: number): string {
  return `${PERCENT.format(value)}%`;
}

function formatDate(date: string): string {
  const [year, month, day] = date.split('-');
  return year && month && day ? `${day}/${month}/${year}` : date;
}

function greeting(name: string | null | undefined): string {
  const trimmed = name?.trim();
  return trimmed ? `Olá, ${trimmed},` : 'Olá,';
}

function contactRequest(contact: string | null | undefined, dueDate: string | null | undefined) {
  const whom = contact?.trim() || 'a secretaria';
  const until = dueDate ? ` até ${formatDate(dueDate)}` : '';
  return `Por favor, procure ${whom}${until} para combinar como regularizar sua situação.`;
}

function paragraph(text: string): string {
  return `<p>${escapeHtml(text)}</p>`;
}

function document(title: string, blocks: readonly string[]): string {
  return [
    '<!doctype html>',
    '<html lang="pt-BR">',
    '<head><meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title></head>`,
    '<body style="font-family: Arial, Helvetica, sans-serif; color: #222; line-height: 1.5">',
    ...blocks,
    `<p style="color: #666; font-size: 0.9em">${escapeHtml(SIGNATURE)}</p>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
