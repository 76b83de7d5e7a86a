/**
 * Score jobs in SQLite: one `scoring_jobs` row each, and a `scoring_results` row per scored input,
 * written as the job streams them, so the results table pages, sorts and filters millions of rows
 * server-side (indexes on score and on label + score) and a cancelled job keeps what it scored.
 */
import type {
  ScoreInput,
  ScoreOutcome,
  ScoreRecord,
  ScoreResultsPage,
  ScoreResultsQuery,
  ScoreRow,
  ScoreStatus,
  ScoreSummary,
  SkippedInput,
  StoredScoreRow,
} from '../../../shared/scoring'
import { scoreResultsQuerySchema } from '../../../shared/scoring'
import type { Db } from './database'

interface JobRow {
  id: string
  name: string
  run_id: string
  job_id: string | null
  source_path: string
  status: ScoreStatus
  count: number | null
  error: string | null
  created_at: string
  finished_at: string | null
  input_json: string
  label_map_json: string | null
  classes_json: string
  skipped_count: number
  skipped_json: string | null
  outcome_json: string | null
}

interface ResultRow {
  idx: number
  source: string
  snippet: string
  label: string
  score: number
  probs_json: string
  truth: string | null
}

const parse = <T>(json: string | null): T | null => (json === null ? null : (JSON.parse(json) as T))

function toRecord(row: JobRow): ScoreRecord {
  const outcome = parse<ScoreOutcome>(row.outcome_json)
  return {
    id: row.id,
    name: row.name,
    runId: row.run_id,
    jobId: row.job_id,
    input: JSON.parse(row.input_json) as ScoreInput,
    labelMap: parse(row.label_map_json),
    sourcePath: row.source_path,
    status: row.status,
    classes: JSON.parse(row.classes_json) as string[],
    scored: row.count ?? 0,
    skippedCount: row.skipped_count,
    skipped: parse<SkippedInput[]>(row.skipped_json) ?? [],
    durationMs: outcome?.durationMs ?? null,
    reviewsPerSecond: outcome?.reviewsPerSecond ?? null,
    evaluation: outcome?.evaluation ?? null,
    error: row.error,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  }
}

const toRow = (r: ResultRow): ScoreRow => ({
  idx: r.idx,
  source: r.source,
  snippet: r.snippet,
  label: r.label,
  confidence: r.score,
  probs: JSON.parse(r.probs_json) as number[],
  truth: r.truth,
})

const sortColumn = { idx: 'idx', confidence: 'score', label: 'label', source: 'source' } as const
const histogramBins = 20

export class ScoresRepo {
  constructor(private readonly db: Db) {}

  insert(s: {
    id: string
    name: string
    runId: string
    input: ScoreInput
    labelMap: Record<string, string> | undefined
    sourcePath: string
    classes: string[]
  }): void {
    this.db
      .prepare(
        `INSERT INTO scoring_jobs (id, name, run_id, source_path, status, count, created_at, input_json, label_map_json, classes_json)
         VALUES (?, ?, ?, ?, 'queued', 0, ?, ?, ?, ?)`,
      )
      .run(
        s.id,
        s.name,
        s.runId,
        s.sourcePath,
        new Date().toISOString(),
        JSON.stringify(s.input),
        s.labelMap ? JSON.stringify(s.labelMap) : null,
        JSON.stringify(s.classes),
      )
  }

  markRunning(id: string, jobId: string): void {
    this.db.prepare(`UPDATE scoring_jobs SET status = 'running', job_id = ? WHERE id = ?`).run(jobId, id)
  }

  /** One batch of results and skipped inputs, in one transaction. */
  addBatch(id: string, rows: StoredScoreRow[], skipped: number): void {
    const insert = this.db.prepare(
      `INSERT OR REPLACE INTO scoring_results (scoring_job_id, idx, source, label, score, probs_json, snippet, truth, text_offset, text_length)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    this.db.transaction(() => {
      for (const r of rows)
        insert.run(
          id,
          r.idx,
          r.source,
          r.label,
          r.confidence,
          JSON.stringify(r.probs),
          r.snippet,
          r.truth,
          r.offset,
          r.length,
        )
      this.db
        .prepare(`UPDATE scoring_jobs SET count = count + ?, skipped_count = skipped_count + ? WHERE id = ?`)
        .run(rows.length, skipped, id)
    })()
  }

  finish(
    id: string,
    status: ScoreStatus,
    f: { error: string | null; outcome: ScoreOutcome | null; skipped: SkippedInput[] },
  ): void {
    this.db
      .prepare(
        `UPDATE scoring_jobs SET status = ?, error = ?, outcome_json = ?, skipped_json = ?, finished_at = ?,
           count = (SELECT COUNT(*) FROM scoring_results WHERE scoring_job_id = ?)
         WHERE id = ?`,
      )
      .run(
        status,
        f.error,
        f.outcome ? JSON.stringify(f.outcome) : null,
        JSON.stringify(f.skipped),
        new Date().toISOString(),
        id,
        id,
      )
  }

  get(id: string): ScoreRecord | null {
    const row = this.db.prepare(`SELECT * FROM scoring_jobs WHERE id = ?`).get(id) as JobRow | undefined
    return row ? toRecord(row) : null
  }

  list(runId?: string, limit = 500): ScoreRecord[] {
    const rows = (
      runId
        ? this.db
            .prepare(`SELECT * FROM scoring_jobs WHERE run_id = ? ORDER BY created_at DESC LIMIT ?`)
            .all(runId, limit)
        : this.db.prepare(`SELECT * FROM scoring_jobs ORDER BY created_at DESC LIMIT ?`).all(limit)
    ) as JobRow[]
    return rows.map(toRecord)
  }

  rename(id: string, name: string): void {
    this.db.prepare(`UPDATE scoring_jobs SET name = ? WHERE id = ?`).run(name, id)
  }

  delete(id: string): void {
    this.db.prepare(`DELETE FROM scoring_jobs WHERE id = ?`).run(id)
  }

  results(query: ScoreResultsQuery): ScoreResultsPage {
    const q = scoreResultsQuerySchema.parse(query)
    const where = ['scoring_job_id = @id']
    if (q.label !== undefined) where.push('label = @label')
    if (q.minConfidence !== undefined) where.push('score >= @minConfidence')
    if (q.maxConfidence !== undefined) where.push('score <= @maxConfidence')
    if (q.mistakes) where.push('truth IS NOT NULL AND truth <> label')
    const filter = where.join(' AND ')
    const params = {
      id: q.id,
      label: q.label,
      minConfidence: q.minConfidence,
      maxConfidence: q.maxConfidence,
      limit: q.limit,
      offset: q.offset,
    }
    const bound = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined))
    const total = (
      this.db.prepare(`SELECT COUNT(*) AS n FROM scoring_results WHERE ${filter}`).get(bound) as { n: number }
    ).n
    const order = `${sortColumn[q.sort]} ${q.order === 'desc' ? 'DESC' : 'ASC'}${q.sort === 'idx' ? '' : `, idx ${q.order === 'desc' ? 'DESC' : 'ASC'}`}`
    const rows = this.db
      .prepare(
        `SELECT idx, source, snippet, label, score, probs_json, truth FROM scoring_results WHERE ${filter}
         ORDER BY ${order} LIMIT @limit OFFSET @offset`,
      )
      .all(bound) as ResultRow[]
    return { total, rows: rows.map(toRow) }
  }

  /** Where a row's full text is in the results file. */
  location(id: string, idx: number): (ScoreRow & { offset: number; length: number }) | null {
    const r = this.db
      .prepare(
        `SELECT idx, source, snippet, label, score, probs_json, truth, text_offset, text_length FROM scoring_results
         WHERE scoring_job_id = ? AND idx = ?`,
      )
      .get(id, idx) as (ResultRow & { text_offset: number; text_length: number }) | undefined
    return r ? { ...toRow(r), offset: r.text_offset, length: r.text_length } : null
  }

  summary(id: string, classes: string[]): ScoreSummary {
    const counts: Record<string, number> = Object.fromEntries(classes.map((c) => [c, 0]))
    for (const r of this.db
      .prepare(`SELECT label, COUNT(*) AS n FROM scoring_results WHERE scoring_job_id = ? GROUP BY label`)
      .all(id) as { label: string; n: number }[])
      counts[r.label] = r.n
    // Two classes: the second class's probability (1 - confidence when the first was predicted).
    const binary = classes.length === 2
    const value = binary ? `CASE WHEN label = @second THEN score ELSE 1 - score END` : 'score'
    const bins: Record<string, number[]> = Object.fromEntries(
      classes.map((c) => [c, new Array<number>(histogramBins).fill(0)]),
    )
    for (const r of this.db
      .prepare(
        `SELECT label, MIN(CAST((${value}) * ${histogramBins} AS INTEGER), ${histogramBins - 1}) AS bin, COUNT(*) AS n
         FROM scoring_results WHERE scoring_job_id = @id GROUP BY label, bin`,
      )
      .all({ id, ...(binary && { second: classes[1] }) }) as { label: string; bin: number; n: number }[])
      (bins[r.label] ??= new Array<number>(histogramBins).fill(0))[r.bin] = r.n
    return {
      counts,
      histogram: { edges: Array.from({ length: histogramBins + 1 }, (_, i) => i / histogramBins), counts: bins },
      histogramOf: binary ? `P(${classes[1]})` : 'confidence',
    }
  }
}
