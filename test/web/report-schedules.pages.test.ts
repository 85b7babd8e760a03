import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';

import type { Db } from '../../src/platform/db/database.ts';
import { createEmbeddedBackend } from '../../src/platform/jobs/embedded/embedded-backend.ts';
import type { JobBackend } from '../../src/platform/jobs/job-queue.ts';
import { manualClock } from '../auth/manual-clock.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { insertCohort, insertStudent } from '../support/fixtures.ts';
import type { Browser, FormFields } from './cohorts.support.ts';
import { fieldBlock, signIn, textOf } from './cohorts.support.ts';

function fieldError(html: string, name: string): string | null {
  return /<p class="field-error"[^>]*>([^<]*)<\/p>/.exec(fieldBlock(html, name))?.[1] ?? null;
}

describeEachDatabase('the report schedule pages', (dialect) => {
  let t: TestApp;
  let db: Db;
  let backend: JobBackend;
  let secretary: Browser;
  let cohortId: number;

  beforeEach(async () => {
    let created: JobBackend | null = null;
    t = await createTestApp(dialect, {
      clock: manualClock('2026-03-10T12:00:00.000Z'),
      jobs: (database) => {
        created = createEmbeddedBackend(database);
        return created.queue;
      },
    });
    assert.ok(created);
    backend = created;
    db = t.testDb.database.db;
    cohortId = (await insertCohort(db, { name: 'Turma Envios' })).id;
    secretary = await signIn(t, 'secretary');
  });

  afterEach(async () => {
    await backend.close();
    await t.close();
  });

  function scheduleForm(fields: FormFields = {}): FormFields {
    return {
      report: 'sheet-month',
      format: 'xlsx',
      recipients: 'Secretaria@Escola.org.br\ndirecao@escola.org.br',
      frequency: '0 7 1 * *',
      cron: '',
      timeZone: 'America/Sao_Paulo',
      isActive: 'on',
      ...fields,
    };
  }

  async function createThroughForm(fields: FormFields = {}): Promise<number> {
    const response = await secretary.post(`/turmas/${cohortId}/envios`, scheduleForm(fields));
    assert.equal(response.statusCode, 303, response.body.slice(0, 500));
    assert.equal(response.headers.location, `/turmas/${cohortId}/envios`);
    const row = await db
      .selectFrom('reportSchedules')
      .selectAll()
      .where('cohortId', '=', cohortId)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async function queuedScheduleIds(): Promise<string[]> {
    return (await backend.queue.listSchedules()).map((schedule) => schedule.id);
  }

  it('is linked from the cohort page for staff only', async () => {
    const page = await secretary.get(`/turmas/${cohortId}`);
    assert.match(page.body, new RegExp(`href="/turmas/${cohortId}/envios">Envios programados<`));
    const viewer = await signIn(t, 'viewer');
    const seen = await viewer.get(`/turmas/${cohortId}`);
    assert.equal(seen.statusCode, 200);
    assert.doesNotMatch(seen.body, /\/envios"/);
  });

  it('shows an empty list and a form with the presets and the institution time zone', async () => {
    const list = await secretary.get(`/turmas/${cohortId}/envios`);
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /<h1>Envios programados<\/h1>/);
    assert.match(list.body, /Esta turma ainda não tem envios programados/);

    const form = await secretary.get(`/turmas/${cohortId}/envios/novo`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /<option value="0 7 1 \* \*" selected>Todo dia 1º, às 07:00<\/option>/);
    assert.match(form.body, /<option value="outra">Outra \(expressão cron\)<\/option>/);
    assert.match(fieldBlock(form.body, 'timeZone'), /value="America\/Sao_Paulo"/);
    assert.match(form.body, /name="isActive" checked/);
    assert.match(form.body, /\/static\/js\/report-schedule-form\.js/);
    assert.doesNotMatch(form.body, /style=|<script>/);
  });

  it('creates a schedule from the form and lists its next run', async () => {
    const id = await createThroughForm();

    const list = await secretary.get(`/turmas/${cohortId}/envios`);
    assert.match(list.body, /Envio programado criado\./);
    const row = textOf(list.body.split(`id="envio-${id}"`)[1]?.split('</tr>')[0] ?? '');
    assert.match(row, /Relatório mensal \(mês anterior\)/);
    assert.match(row, /Planilha \(XLSX\)/);
    assert.match(row, /secretaria@escola\.org\.br, direcao@escola\.org\.br/);
    assert.match(row, /Todo dia 1º, às 07:00/);
    assert.match(row, /Ativo/);
    // 10/03/2026 → the next 1st at 07:00 in São Paulo.
    assert.match(row, /01\/04\/2026 07:00/);
    assert.match(row, /Nunca/);
    assert.ok((await queuedScheduleIds()).includes(`report-schedule-${id}`));
  });

  it('shows every error beside its field and keeps what was typed', async () => {
    const typed = {
      recipients: 'boa@escola.org.br\nnao-e-email',
      frequency: 'outra',
      cron: 'toda segunda',
      timeZone: 'Marte/Olimpo',
    };
    const response = await secretary.post(`/turmas/${cohortId}/envios`, scheduleForm(typed));
    assert.equal(response.statusCode, 400);
    assert.equal(fieldError(response.body, 'recipients'), 'E-mail inválido: nao-e-email.');
    assert.match(fieldError(response.body, 'cron') ?? '', /expressão cron de cinco campos/);
    assert.match(fieldError(response.body, 'timeZone') ?? '', /Fuso horário desconhecido/);
    assert.match(fieldBlock(response.body, 'recipients'), />boa@escola\.org\.br\nnao-e-email</);
    assert.match(fieldBlock(response.body, 'cron'), /value="toda segunda"/);
    assert.match(fieldBlock(response.body, 'timeZone'), /value="Marte\/Olimpo"/);
    assert.match(response.body, /<option value="outra" selected>/);
    const count = await db.selectFrom('reportSchedules').select('id').execute();
    assert.equal(count.length, 0);

    const empty = await secretary.post(
      `/turmas/${cohortId}/envios`,
      scheduleForm({ recipients: '  ', frequency: 'outra', cron: '' }),
    );
    assert.equal(empty.statusCode, 400);
    assert.equal(fieldError(empty.body, 'recipients'), 'Informe pelo menos um e-mail.');
    assert.equal(fieldError(empty.body, 'cron'), 'Informe a expressão cron.');
  });

  it('edits a schedule: the form shows its values and the list the change', async () => {
    const id = await createThroughForm();
    const edit = await secretary.get(`/turmas/${cohortId}/envios/${id}/editar`);
    assert.equal(edit.statusCode, 200);
    assert.match(edit.body, /<option value="0 7 1 \* \*" selected>/);
    assert.match(fieldBlock(edit.body, 'recipients'), /secretaria@escola\.org\.br\n/);

    const saved = await secretary.post(
      `/turmas/${cohortId}/envios/${id}`,
      scheduleForm({
        report: 'sheet-accumulated',
        format: 'pdf',
        frequency: 'outra',
        cron: '30 8 * * 1',
        recipients: 'direcao@escola.org.br',
      }),
    );
    assert.equal(saved.statusCode, 303, saved.body.slice(0, 500));
    const list = await secretary.get(`/turmas/${cohortId}/envios`);
    assert.match(list.body, /Envio programado atualizado\./);
    assert.match(list.body, /Relatório acumulado/);
    assert.match(list.body, /cron <code>30 8 \* \* 1<\/code>/);
    const queued = (await backend.queue.listSchedules()).find(
      (schedule) => schedule.id === `report-schedule-${id}`,
    );
    assert.equal(queued?.cron, '30 8 * * 1');

    const again = await secretary.get(`/turmas/${cohortId}/envios/${id}/editar`);
    assert.match(again.body, /<option value="outra" selected>/);
    assert.match(fieldBlock(again.body, 'cron'), /value="30 8 \* \* 1"/);
  });

  it('deactivates and activates a schedule, taking it off the queue and back', async () => {
    const id = await createThroughForm();
    const off = await secretary.post(`/turmas/${cohortId}/envios/${id}/desativar`, {});
    assert.equal(off.statusCode, 303);
    assert.ok(!(await queuedScheduleIds()).includes(`report-schedule-${id}`));
    const list = await secretary.get(`/turmas/${cohortId}/envios`);
    assert.match(list.body, /Envio programado desativado\./);
    assert.match(list.body, />Desativado</);
    assert.doesNotMatch(list.body, />Enviar agora</);

    const on = await secretary.post(`/turmas/${cohortId}/envios/${id}/ativar`, {});
    assert.equal(on.statusCode, 303);
    assert.ok((await queuedScheduleIds()).includes(`report-schedule-${id}`));
  });

  it('deletes a schedule', async () => {
    const id = await createThroughForm();
    const response = await secretary.post(`/turmas/${cohortId}/envios/${id}/excluir`, {});
    assert.equal(response.statusCode, 303);
    const list = await secretary.get(`/turmas/${cohortId}/envios`);
    assert.match(list.body, /Envio programado excluído\./);
    assert.match(list.body, /ainda não tem envios programados/);
    assert.ok(!(await queuedScheduleIds()).includes(`report-schedule-${id}`));
    const gone = await secretary.get(`/turmas/${cohortId}/envios/${id}/editar`);
    assert.equal(gone.statusCode, 404);
  });

  it('sends a schedule now by queueing its report job', async () => {
    const id = await createThroughForm();
    const response = await secretary.post(`/turmas/${cohortId}/envios/${id}/enviar`, {});
    assert.equal(response.statusCode, 303);
    const jobs = await backend.queue.list({ name: 'reports.scheduled' });
    assert.equal(jobs.total, 1);
    assert.equal(jobs.items[0]?.queue, 'email');
    const data = jobs.items[0]?.data as { scheduleId: number; requestId?: string } | undefined;
    assert.equal(data?.scheduleId, id);
    // Its own request id: the period goes out again even if the tick already sent it.
    assert.match(data?.requestId ?? '', /^[0-9a-f-]{36}$/);
    const list = await secretary.get(`/turmas/${cohortId}/envios`);
    assert.match(list.body, /O envio foi colocado na fila e sai em instantes, mesmo que/);
  });

  it('refuses to send an inactive schedule now, saying why', async () => {
    const id = await createThroughForm({ isActive: '' });
    const response = await secretary.post(`/turmas/${cohortId}/envios/${id}/enviar`, {});
    assert.equal(response.statusCode, 303);
    assert.equal((await backend.queue.list({ name: 'reports.scheduled' })).total, 0);
    const list = await secretary.get(`/turmas/${cohortId}/envios`);
    assert.match(list.body, /Ative o envio programado antes de enviá-lo agora\./);
  });

  it('answers 404 for a schedule reached through another cohort', async () => {
    const id = await createThroughForm();
    const other = (await insertCohort(db)).id;
    const response = await secretary.get(`/turmas/${other}/envios/${id}/editar`);
    assert.equal(response.statusCode, 404);
    assert.match(response.body, /Agendamento de relatório não encontrado/);
  });

  it("is refused to viewers and to instructors, even the cohort's own", async () => {
    const id = await createThroughForm();
    const teacher = await insertStudent(db, { fullName: 'Instrutora da Turma' });
    await db
      .updateTable('cohorts')
      .set({ instructorId: teacher.id })
      .where('id', '=', cohortId)
      .execute();
    const instructor = await signIn(t, 'instructor', { studentId: teacher.id });
    assert.equal((await instructor.get(`/turmas/${cohortId}`)).statusCode, 200);
    for (const user of [instructor, await signIn(t, 'viewer')]) {
      assert.equal((await user.get(`/turmas/${cohortId}/envios`)).statusCode, 403);
      assert.equal((await user.get(`/turmas/${cohortId}/envios/novo`)).statusCode, 403);
      const posted = await user.post(`/turmas/${cohortId}/envios`, scheduleForm());
      assert.equal(posted.statusCode, 403);
      const deleted = await user.post(`/turmas/${cohortId}/envios/${id}/excluir`, {});
      assert.equal(deleted.statusCode, 403);
      const sent = await user.post(`/turmas/${cohortId}/envios/${id}/enviar`, {});
      assert.equal(sent.statusCode, 403);
    }
    const rows = await db.selectFrom('reportSchedules').select('id').execute();
    assert.deepEqual(
      rows.map((row) => row.id),
      [id],
    );
    assert.equal((await backend.queue.list({ name: 'reports.scheduled' })).total, 0);
  });
});
