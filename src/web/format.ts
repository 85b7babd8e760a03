/** pt-BR formatting shared by every page and export. */

const WEEKDAY_NAMES: Record<string, string> = {
  mon: 'segunda-feira',
  tue: 'terça-feira',
  wed: 'quarta-feira',
  thu: 'quinta-feira',
  fri: 'sexta-feira',
  sat: 'sábado',
  sun: 'domingo',
};

export const MONTH_NAMES: readonly string[] = [
  'janeiro',
  'fevereiro',
  'março',
  'abril',
  'maio',
  'junho',
  'julho',
  'agosto',
  'setembro',
  'outubro',
  'novembro',
  'dezembro',
];

export const LABELS = {
  role: {
    admin: 'Administração',
    secretary: 'Secretaria',
    instructor: 'Instrutor',
    viewer: 'Consulta',
  },
  situation: {
    active: 'Ativo',
    on_leave: 'Afastado',
    disconnected: 'Desligado',
    deceased: 'Falecido',
    excluded: 'Excluído',
  },
  cohortStatus: {
    active: 'Ativa',
    inactive: 'Inativa',
    cancelled: 'Cancelada',
    finished: 'Concluída',
  },
  enrollmentStatus: { active: 'Ativa', cancelled: 'Cancelada', finished: 'Concluída' },
  activityKind: {
    lesson: 'Aulas',
    full_moon: 'Plenilúnio',
    service: 'Serviço',
    cleaning: 'Limpeza',
    lecture: 'Palestra',
    other: 'Outra',
  },
  activityMode: { mandatory: 'Obrigatória', convocation: 'Convocação' },
  sex: { M: 'Masculino', F: 'Feminino', O: 'Outro' },
  markStatus: {
    P: 'Presente',
    F: 'Falta',
    J: 'Falta justificada',
    V1: 'Voluntário (extra)',
    V2: 'Voluntário (simples)',
  },
} as const;

/** `2026-03-05` → `05/03/2026`; empty for null. */
export function formatDate(date: string | null | undefined): string {
  if (!date) return '';
  const [year, month, day] = date.slice(0, 10).split('-');
  return year && month && day ? `${day}/${month}/${year}` : date;
}

/** An ISO instant as `dd/mm/aaaa hh:mm` in the institution's time zone. */
export function formatDateTime(instant: string | null | undefined, timeZone: string): string {
  if (!instant) return '';
  const parts = new Intl.DateTimeFormat('pt-BR', {
    timeZone,
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(instant));
  return parts.replace(',', '');
}

/** `dd/mm/aaaa` → `YYYY-MM-DD`, or null when it is not a real date. */
export function parseBrazilianDate(text: string): string | null {
  const match = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text.trim());
  if (!match) return null;
  const [, day, month, year] = match;
  const iso = `${year}-${month}-${day}`;
  const parsed = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(iso) ? iso : null;
}

/** `2026-03` → `março de 2026`. */
export function formatMonth(month: string): string {
  const [year, number] = month.split('-');
  const name = MONTH_NAMES[Number(number) - 1];
  return name && year ? `${name} de ${year}` : month;
}

/** `2026-03` → `mar/26`, for chart axes and narrow columns. */
export function formatShortMonth(month: string): string {
  const [year = '', number = ''] = month.split('-');
  const name = MONTH_NAMES[Number(number) - 1];
  return name ? `${name.slice(0, 3)}/${year.slice(2)}` : month;
}

export function formatWeekday(weekday: string | null): string {
  return weekday ? (WEEKDAY_NAMES[weekday] ?? weekday) : '';
}

/** Whole-number percentage as the sheet shows it; a dash when there is none. */
export function formatPct(pct: number | null): string {
  return pct === null ? '–' : `${Math.round(pct)}%`;
}

export function formatCpf(cpf: string): string {
  return cpf.length === 11
    ? `${cpf.slice(0, 3)}.${cpf.slice(3, 6)}.${cpf.slice(6, 9)}-${cpf.slice(9)}`
    : cpf;
}

export function label(group: keyof typeof LABELS, value: string | null): string {
  if (value === null) return '';
  const labels = LABELS[group] as Record<string, string>;
  return labels[value] ?? value;
}
