import type { FastifyInstance, FastifyRequest } from 'fastify';

import { actorOf } from '../auth/access.plugin.ts';
import { AppError } from '../platform/errors/app-error.ts';
import { JOB_STATES, QUEUE_NAMES } from '../platform/jobs/job-queue.ts';
import type { JobListFilter, JobRecord, JobState, QueueName } from '../platform/jobs/job-queue.ts';
import type { Services } from '../services.ts';
import { formatDateTime } from '../web/format.ts';
import { renderPage, setFlash } from '../web/page.ts';

const ADMIN = ['admin'] as const;
const LATEST = 50;
const FAILED_SHOWN = 20;

export const STATE_LABELS: Readonly<Record<JobState, string>> = {
  waiting: 'Aguardando',
  delayed: 'Agendada',
  active: 'Em execução',
  completed: 'Concluída',
  failed: 'Falhou',
};

function isQueue(value: string | undefined): value is QueueName {
  return (QUEUE_NAMES as readonly string[]).includes(value ?? '');
}

function isState(value: string | undefined): value is JobState {
  return (JOB_STATES as readonly string[]).includes(value ?? '');
}

/** The filters of the address (`?fila=heavy&estado=failed`); unknown values are ignored. */
export function jobFilter(query: unknown): { queue?: QueueName; state?: JobState } {
  const { fila, estado } = (query ?? {}) as { fila?: string; estado?: string };
  return {
    ...(isQueue(fila) ? { queue: fila } : {}),
    ...(isState(estado) ? { state: estado } : {}),
  };
}

function jobView(job: JobRecord, timeZone: string) {
  return {
    id: job.id,
    queue: job.queue,
    name: job.name,
    state: job.state,
    stateLabel: STATE_LABELS[job.state],
    progress: Math.round(job.progress),
    attempts: `${job.attemptsMade}/${job.maxAttempts}`,
    failedReason: job.failedReason ?? '',
    created: formatDateTime(job.createdAt, timeZone),
    finished: job.finishedAt ? formatDateTime(job.finishedAt, timeZone) : '—',
  };
}

async function overview(services: Services, request: FastifyRequest) {
  const actor = actorOf(request);
  const filter: JobListFilter = { ...jobFilter(request.query), limit: LATEST };
  const [counts, latest, failed] = await Promise.all([
    services.jobAdmin.counts(actor),
    services.jobAdmin.list(actor, filter),
    services.jobAdmin.list(actor, { state: 'failed', limit: FAILED_SHOWN }),
  ]);
  const view = (job: JobRecord) => jobView(job, services.timeZone);
  return {
    counts: JOB_STATES.map((state) => ({
      state,
      label: STATE_LABELS[state],
      count: counts[state],
    })),
    latest: latest.items.map(view),
    latestTotal: latest.total,
    failed: failed.items.map(view),
    failedTotal: failed.total,
    filter,
  };
}

function isQueueMissing(error: unknown): boolean {
  return error instanceof AppError && error.code === 'OMAUM_JOB_QUEUE_UNAVAILABLE';
}

/** `/tarefas`: the background jobs for administrators, and retrying the failed ones. */
export async function jobPages(app: FastifyInstance, services: Services): Promise<void> {
  app.get('/tarefas', { config: { access: ADMIN } }, async (request, reply) => {
    const options = {
      queues: QUEUE_NAMES,
      states: JOB_STATES.map((state) => ({ value: state, label: STATE_LABELS[state] })),
    };
    try {
      const data = await overview(services, request);
      return await renderPage(
        request,
        reply,
        'jobs/index',
        { title: 'Tarefas' },
        {
          ...options,
          ...data,
          hasQueue: true,
        },
      );
    } catch (error) {
      if (!isQueueMissing(error)) throw error;
      return renderPage(
        request,
        reply,
        'jobs/index',
        { title: 'Tarefas' },
        {
          ...options,
          hasQueue: false,
          filter: {},
        },
      );
    }
  });

  app.post('/tarefas/:id/repetir', { config: { access: ADMIN } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const job = await services.jobAdmin.retry(actorOf(request), id);
    setFlash(request, { kind: 'success', message: `A tarefa ${job.id} voltou para a fila.` });
    return reply.redirect('/tarefas', 303);
  });
}
