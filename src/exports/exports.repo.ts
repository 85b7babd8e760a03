import type { Queryable } from '../platform/db/database.ts';
import type { ExportRow, ExportsTable, NewExport, User } from '../platform/db/tables.ts';
import type { MarkExportRow } from './marks-csv.ts';

type ExportChanges = Partial<Omit<ExportsTable, 'id' | 'ownerId' | 'createdAt'>>;

/** SQL of the `exports` table and of the marks an export reads. */
export class ExportsRepo {
  constructor(private readonly db: Queryable) {}

  insert(row: NewExport): Promise<ExportRow> {
    return this.db.insertInto('exports').values(row).returningAll().executeTakeFirstOrThrow();
  }

  findById(id: number): Promise<ExportRow | undefined> {
    return this.db.selectFrom('exports').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listByOwner(ownerId: number): Promise<ExportRow[]> {
    return this.db
      .selectFrom('exports')
      .selectAll()
      .where('ownerId', '=', ownerId)
      .orderBy('createdAt', 'desc')
      .orderBy('id', 'desc')
      .execute();
  }

  async update(id: number, changes: ExportChanges): Promise<void> {
    await this.db.updateTable('exports').set(changes).where('id', '=', id).execute();
  }

  /** Ready exports past their expiry whose file is still on disk. */
  listExpiredFiles(nowIso: string): Promise<{ id: number; filePath: string }[]> {
    return this.db
      .selectFrom('exports')
      .select(['id', 'filePath'])
      .where('status', '=', 'ready')
      .where('expiresAt', '<=', nowIso)
      .where('filePath', 'is not', null)
      .orderBy('id')
      .$narrowType<{ filePath: string }>()
      .execute();
  }

  /** Records that the file of an expired export is gone; the row stays, as history. */
  async forgetFile(id: number, filePath: string, nowIso: string): Promise<void> {
    await this.db
      .updateTable('exports')
      .set({ filePath: null, updatedAt: nowIso })
      .where('id', '=', id)
      .where('filePath', '=', filePath)
      .execute();
  }

  findUser(id: number): Promise<User | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Every mark of the cohort's sessions held between the two days, in session order. */
  marksOf(cohortId: number, firstDay: string, lastDay: string): Promise<MarkExportRow[]> {
    return this.db
      .selectFrom('marks')
      .innerJoin('sessions', 'sessions.id', 'marks.sessionId')
      .innerJoin('activities', 'activities.id', 'marks.activityId')
      .innerJoin('students', 'students.id', 'marks.studentId')
      .leftJoin('users', 'users.id', 'marks.recordedBy')
      .select([
        'sessions.heldOn as heldOn',
        'activities.name as activityName',
        'sessions.slot as slot',
        'sessions.time as time',
        'sessions.isExtra as isExtra',
        'students.fullName as studentName',
        'students.initiaticNumber as initiaticNumber',
        'marks.status as status',
        'marks.isSummoned as isSummoned',
        'marks.justification as justification',
        'marks.recordedAt as recordedAt',
        'users.name as recordedBy',
      ])
      .where('marks.cohortId', '=', cohortId)
      .where('sessions.heldOn', '>=', firstDay)
      .where('sessions.heldOn', '<=', lastDay)
      .orderBy('sessions.heldOn')
      .orderBy('activities.position')
      .orderBy('sessions.slot')
      .orderBy('students.fullName')
      .orderBy('marks.id')
      .execute();
  }
}
