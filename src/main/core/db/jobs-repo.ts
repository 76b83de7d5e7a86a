/** Rows of the `jobs` table as JobRecords. */
import type { JobProgress, JobRecord, JobStatus } from '../../../shared/types'
import type { Db } from './database'

interface JobRow {
  id: string
  kind: string
  status: JobStatus
  params_json: string
  progress_json: string | null
  result_json: string | null
  error: string | null
  created_at: string
  started_at: string | null
  finished_at: string | null
}

const parse = (json: string | null): unknown => (json === null ? null : JSON.parse(json))

function toRecord(row: JobRow): JobRecord {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    params: parse(row.params_json),
    progress: parse(row.progress_json) as JobProgress | null,
    result: parse(row.result_json),
    error: row.error,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  }
}

export class JobsRepo {
  constructor(private readonly db: Db) {}

  insert(id: string, kind: string, params: unknown, ownerPid: number): JobRecord {
    this.db
      .prepare(
        `INSERT INTO jobs (id, kind, status, params_json, owner_pid, created_at)
         VALUES (?, ?, 'queued', ?, ?, ?)`,
      )
      .run(id, kind, JSON.stringify(params ?? null), ownerPid, new Date().toISOString())
    return this.get(id)!
  }

  get(id: string): JobRecord | null {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined
    return row ? toRecord(row) : null
  }

  list(limit = 100, kind?: string): JobRecord[] {
    const rows = (
      kind
        ? this.db
            .prepare('SELECT * FROM jobs WHERE kind = ? ORDER BY created_at DESC, rowid DESC LIMIT ?')
            .all(kind, limit)
        : this.db.prepare('SELECT * FROM jobs ORDER BY created_at DESC, rowid DESC LIMIT ?').all(limit)
    ) as JobRow[]
    return rows.map(toRecord)
  }

  markRunning(id: string): void {
    this.db.prepare(`UPDATE jobs SET status = 'running', started_at = ? WHERE id = ?`).run(new Date().toISOString(), id)
  }

  saveProgress(id: string, progress: JobProgress): void {
    this.db.prepare('UPDATE jobs SET progress_json = ? WHERE id = ?').run(JSON.stringify(progress), id)
  }

  finish(id: string, status: JobStatus, outcome: { result?: unknown; error?: string | null }): void {
    this.db
      .prepare('UPDATE jobs SET status = ?, result_json = ?, error = ?, finished_at = ? WHERE id = ?')
      .run(
        status,
        outcome.result === undefined ? null : JSON.stringify(outcome.result),
        outcome.error ?? null,
        new Date().toISOString(),
        id,
      )
  }

  /** Asks the job's owner process to cancel it (the owner polls `cancelRequests`). False once it has ended. */
  requestCancel(id: string): boolean {
    return (
      this.db.prepare(`UPDATE jobs SET cancel_requested = 1 WHERE id = ? AND status IN ('queued','running')`).run(id)
        .changes > 0
    )
  }

  /** Which of these jobs another process asked to cancel. */
  cancelRequests(ids: readonly string[]): string[] {
    if (ids.length === 0) return []
    return this.db
      .prepare(`SELECT id FROM jobs WHERE cancel_requested = 1 AND id IN (${ids.map(() => '?').join(',')})`)
      .pluck()
      .all(...ids)
      .map(String)
  }

  /** The process that runs the job (null for rows from before owners were recorded). */
  ownerOf(id: string): number | null {
    const pid = this.db.prepare('SELECT owner_pid FROM jobs WHERE id = ?').pluck().get(id)
    return typeof pid === 'number' ? pid : null
  }

  /**
   * Jobs (and the runs and scoring jobs they drive) left queued or running by a process that is no
   * longer alive become `interrupted`, with an error that says so. Jobs of a live process (the app
   * while the CLI starts) are kept. Returns the ids of the jobs it marked.
   */
  recoverInterrupted(isAlive: (pid: number) => boolean): string[] {
    const stale = (
      this.db.prepare(`SELECT id, owner_pid FROM jobs WHERE status IN ('queued','running')`).all() as {
        id: string
        owner_pid: number | null
      }[]
    ).filter((j) => j.owner_pid === null || !isAlive(j.owner_pid))
    const now = new Date().toISOString()
    const markJob = this.db.prepare(
      `UPDATE jobs SET status = 'interrupted', finished_at = ?, error = COALESCE(error, ?) WHERE id = ?`,
    )
    const markRuns = this.db.prepare(
      `UPDATE runs SET status = 'interrupted', finished_at = ?, error = COALESCE(error, ?)
       WHERE job_id = ? AND status IN ('queued','running')`,
    )
    const markScoring = this.db.prepare(
      `UPDATE scoring_jobs SET status = 'interrupted', finished_at = ? WHERE job_id = ? AND status IN ('queued','running')`,
    )
    const mark = this.db.transaction(() => {
      for (const { id, owner_pid } of stale) {
        const why = `Interrupted: the app or command that ran this (process ${owner_pid ?? 'unknown'}) stopped before it finished.`
        markJob.run(now, why, id)
        markRuns.run(now, why, id)
        markScoring.run(now, id)
      }
    })
    mark()
    return stale.map((j) => j.id)
  }
}

/** Whether a process id is alive on this machine (signal 0 only checks). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
