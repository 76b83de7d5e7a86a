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
  ScoredRows,
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
        `INSERT INTO scoring_jobs (id, name, run_id, source_path, status, count, created_at, input_json, label_map_json, classes_json, result_key)
         VALUES (?, ?, ?, ?, 'queued', 0, ?, ?, ?, ?, (SELECT COALESCE(MAX(result_key), 0) + 1 FROM scoring_jobs))`,
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

  /** Runs of results (as the job streams them) and a count of skipped inputs, in one transaction. */
  addBatch(id: string, classes: string[], runs: ScoredRows[], skipped: number): void {
    const key = this.keyOf(id)
    const c = classes.length
    const insert = this.db.prepare(
      `INSERT OR REPLACE INTO scoring_results (job_key, idx, source, label, score, probs_json, snippet, truth, text_offset, text_length)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    let count = 0
    // One array for every row's probabilities: each is stringified at once (a subarray per row costs more).
    const probs = new Array<number>(c)
    this.db.transaction(() => {
      for (const r of runs) {
        for (let i = 0; i < r.sources.length; i++) {
          for (let k = 0; k < c; k++) probs[k] = r.probs[i * c + k]!
          const k = r.labels[i]!
          const truth = r.truths[i]!
          insert.run(
            key,
            r.first + i,
            r.sources[i],
            classes[k],
            probs[k],
            JSON.stringify(probs),
            r.snippets[i],
            truth < 0 ? null : classes[truth],
            r.offsets[i],
            r.lengths[i],
          )
        }
        count += r.sources.length
      }
      this.db
        .prepare(`UPDATE scoring_jobs SET count = count + ?, skipped_count = skipped_count + ? WHERE id = ?`)
        .run(count, skipped, id)
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
           count = (SELECT COUNT(*) FROM scoring_results WHERE job_key = ?)
         WHERE id = ?`,
      )
      .run(
        status,
        f.error,
        f.outcome ? JSON.stringify(f.outcome) : null,
        JSON.stringify(f.skipped),
        new Date().toISOString(),
        this.keyOf(id),
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

  /** The small integer its result rows are keyed by (null for an unknown job: it has no rows). */
  private keyOf(id: string): number | null {
    const key = this.db.prepare(`SELECT result_key FROM scoring_jobs WHERE id = ?`).pluck().get(id)
    return typeof key === 'number' ? key : null
  }

  delete(id: string): void {
    this.db.prepare(`DELETE FROM scoring_jobs WHERE id = ?`).run(id)
  }

  results(query: ScoreResultsQuery): ScoreResultsPage {
    const q = scoreResultsQuerySchema.parse(query)
    const where = ['job_key = @key']
    if (q.label !== undefined) where.push('label = @label')
    if (q.minConfidence !== undefined) where.push('score >= @minConfidence')
    if (q.maxConfidence !== undefined) where.push('score <= @maxConfidence')
    if (q.mistakes) where.push('truth IS NOT NULL AND truth <> label')
    const filter = where.join(' AND ')
    const params = {
      key: this.keyOf(q.id),
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
         WHERE job_key = ? AND idx = ?`,
      )
      .get(this.keyOf(id), idx) as (ResultRow & { text_offset: number; text_length: number }) | undefined
    return r ? { ...toRow(r), offset: r.text_offset, length: r.text_length } : null
  }

  summary(id: string, classes: string[]): ScoreSummary {
    const key = this.keyOf(id)
    const counts: Record<string, number> = Object.fromEntries(classes.map((c) => [c, 0]))
    for (const r of this.db
      .prepare(`SELECT label, COUNT(*) AS n FROM scoring_results WHERE job_key = ? GROUP BY label`)
      .all(key) as { label: string; n: number }[])
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
         FROM scoring_results WHERE job_key = @key GROUP BY label, bin`,
      )
      .all({ key, ...(binary && { second: classes[1] }) }) as { label: string; bin: number; n: number }[])
      (bins[r.label] ??= new Array<number>(histogramBins).fill(0))[r.bin] = r.n
    return {
      counts,
      histogram: { edges: Array.from({ length: histogramBins + 1 }, (_, i) => i / histogramBins), counts: bins },
      histogramOf: binary ? `P(${classes[1]})` : 'confidence',
    }
  }
}
