import type { JobListFilter, JobRecord } from '../platform/jobs/job-queue.ts';
import { createJobBackend } from '../platform/jobs/jobs.ts';
import type { JobBackend } from '../platform/jobs/job-queue.ts';
import { CliError } from './cli-error.ts';
import type { Runtime } from './runtime.ts';

/** `omaum jobs list`: the newest jobs first, as a table or JSON. */
export async function listJobs(
  runtime: Runtime,
  filter: JobListFilter,
  isJson: boolean,
): Promise<void> {
  await withBackend(runtime, async (backend) => {
    const page = await backend.queue.list(filter);
    if (isJson) {
      process.stdout.write(`${JSON.stringify(page)}\n`);
      return;
    }
    process.stdout.write(formatTable(page.items));
    process.stdout.write(`${page.items.length} of ${page.total} job(s)\n`);
  });
}

/** `omaum jobs retry <id>`: puts a failed job back in its queue. */
export async function retryJob(runtime: Runtime, id: string, isJson: boolean): Promise<void> {
  await withBackend(runtime, async (backend) => {
    const job = await backend.queue.get(id);
    if (!job) throw new CliError(`no job has the id ${id}`);
    if (job.state !== 'failed') {
      throw new CliError(`job ${id} is ${job.state}; only failed jobs can be retried`);
    }
    const retried = await backend.queue.retry(id);
    process.stdout.write(
      isJson ? `${JSON.stringify(retried)}\n` : `job ${id} is back in queue ${retried.queue}\n`,
    );
  });
}

async function withBackend(
  runtime: Runtime,
  task: (backend: JobBackend) => Promise<void>,
): Promise<void> {
  const backend = await createJobBackend(runtime);
  try {
    await task(backend);
  } finally {
    await backend.close();
  }
}

const COLUMNS = ['id', 'queue', 'name', 'state', 'attempts', 'progress', 'created', 'reason'];

function formatTable(jobs: readonly JobRecord[]): string {
  const rows = jobs.map((job) => [
    job.id,
    job.queue,
    job.name,
    job.state,
    `${job.attemptsMade}/${job.maxAttempts}`,
    `${job.progress}%`,
    job.createdAt,
    job.failedReason ?? '',
  ]);
  const widths = COLUMNS.map((title, index) =>
    Math.max(title.length, ...rows.map((row) => (row[index] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, index) => cell.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(COLUMNS), ...rows.map(line)].map((text) => `${text}\n`).join('');
}
