import type { FastifyInstance } from 'fastify';

import { cohortIdParam, monthOptions, monthParam } from '../attendance/attendance.pages.ts';
import { monthsBetween } from '../attendance/calendar.ts';
import { roundPct } from '../attendance/statistics.ts';
import { actorOf } from '../auth/access.plugin.ts';
import { ALL_ROLES } from '../auth/actor.ts';
import type { Services } from '../services.ts';
import { formatDate, formatMonth, formatPct, label } from '../web/format.ts';
import { PageError } from '../web/page-error.ts';
import { renderPage } from '../web/page.ts';
import { currentMonth } from '../web/time.ts';
import type { ActivityCell, Sheet, SheetRow } from './sheets.schemas.ts';

type SheetActivity = Sheet['activities'][number];

// The service's limit (sheets.service.ts), checked here to say it in Portuguese.
const MAX_MONTHS = 36;

/** One number of the sheet, as printed, and whether it is a shortfall. */
export interface SheetNumber {
  readonly text: string;
  readonly isShortfall: boolean;
  readonly isPct: boolean;
}

/** The columns of an activity group: `p f %`, or `c p f v %` for convocation. */
function columnsOf(activity: SheetActivity): readonly string[] {
  return activity.mode === 'convocation' ? ['c', 'p', 'f', 'v', '%'] : ['p', 'f', '%'];
}

/**
 * One activity group of a row, as the workbook prints it: `c` sessions the
 * student was summoned to (expected, marked or not), `p` presences, `f`
 * absences (excused ones included, as the percentage counts them), `v` V1 +
 * V2, and the whole-number percentage rounded from the counters (rule 4).
 */
export function groupNumbers(activity: SheetActivity, cell: ActivityCell): SheetNumber[] {
  const pct = roundPct(cell.present, cell.expected, 'display');
  const values: Record<string, string> = {
    c: String(cell.expected + cell.pending),
    p: String(cell.present),
    f: String(cell.absent + cell.excused),
    v: String(cell.volunteerExtra + cell.volunteerSimple),
    '%': formatPct(pct),
  };
  return columnsOf(activity).map((column) => ({
    text: values[column] ?? '',
    isShortfall: column === '%' && cell.shortfall,
    isPct: column === '%',
  }));
}

function rowView(sheet: Sheet, row: SheetRow, index: number) {
  const cells = new Map(row.activities.map((cell) => [cell.activityId, cell]));
  return {
    number: index + 1,
    studentId: row.studentId,
    fullName: row.fullName,
    initiaticNumber: row.initiaticNumber,
    situation: row.situation,
    situationLabel: row.situation === 'active' ? '' : label('situation', row.situation),
    isDisconnected: row.situation === 'disconnected',
    groups: sheet.activities.map((activity) => {
      const cell = cells.get(activity.activityId);
      return cell ? groupNumbers(activity, cell) : [];
    }),
    volunteer: row.volunteer,
    shortfalls: row.shortfalls,
    cleared: row.cleared,
    pending: row.activities.reduce((sum, cell) => sum + cell.pending, 0),
  };
}

function header(sheet: Sheet) {
  const { cohort, period } = sheet;
  const staff = [
    { role: 'Instrutor', person: cohort.instructor },
    { role: 'Instrutor assistente', person: cohort.assistantInstructor },
    { role: 'Auxiliar de instrução', person: cohort.aide },
  ].flatMap(({ role, person }) => (person ? [{ role, name: person.name }] : []));
  const isMonthly = period.from === period.to;
  return {
    title: isMonthly ? 'Relatório Mensal de Atividades' : 'Relatório Acumulado',
    periodLabel: isMonthly
      ? formatMonth(period.from)
      : `${formatMonth(period.from)} a ${formatMonth(period.to)}`,
    days: `${formatDate(period.firstDay)} a ${formatDate(period.lastDay)}`,
    isMonthly,
    staff,
    dates: [
      { label: 'Iniciação', value: formatDate(cohort.initiationDate) },
      { label: 'Início das atividades', value: formatDate(cohort.activitiesStartDate) },
      { label: 'Primeira aula', value: formatDate(cohort.firstLessonDate) },
      { label: 'Término', value: formatDate(cohort.endDate) },
    ].filter((entry) => entry.value !== ''),
    sessions: sheet.activities.map((activity) => ({
      name: activity.name,
      mode: label('activityMode', activity.mode),
      count: activity.sessions,
      extra: activity.extraSessions,
    })),
  };
}

/** What the template draws: header block, groups, rows and summary, all formatted. */
export function sheetView(sheet: Sheet) {
  const rows = sheet.rows.map((row, index) => rowView(sheet, row, index));
  return {
    header: header(sheet),
    groups: sheet.activities.map((activity) => ({
      name: activity.name,
      isConvocation: activity.mode === 'convocation',
      columns: columnsOf(activity),
    })),
    rows,
    pending: rows.reduce((sum, row) => sum + row.pending, 0),
    summary: sheet.summary,
  };
}

/** The sheet ("Relatório mensal / acumulado") of a cohort, laid out like the workbook. */
export async function sheetPages(app: FastifyInstance, services: Services): Promise<void> {
  app.get('/turmas/:id/relatorio', { config: { access: ALL_ROLES } }, async (request, reply) => {
    const actor = actorOf(request);
    const cohortId = cohortIdParam(request);
    const query = request.query as { de?: string; ate?: string };
    const from = monthParam(query.de || currentMonth(services));
    const to = monthParam(query.ate || from);
    if (to < from) {
      throw new PageError('OMAUM_REQUEST_INVALID', 'O mês final não pode ser anterior ao inicial.');
    }
    if (monthsBetween(from, to).length > MAX_MONTHS) {
      throw new PageError(
        'OMAUM_REQUEST_INVALID',
        `Um relatório cobre no máximo ${MAX_MONTHS} meses.`,
      );
    }
    const [cohort, sheet] = await Promise.all([
      services.cohorts.get(actor, cohortId),
      services.sheets.sheet(actor, cohortId, from, to),
    ]);
    const view = sheetView(sheet);
    return renderPage(
      request,
      reply,
      'sheets/sheet',
      { title: `${view.header.title} · ${cohort.name}` },
      { sheet, view, from, to, months: monthOptions(cohort, [from, to], currentMonth(services)) },
    );
  });
}
