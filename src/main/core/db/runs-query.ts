/**
 * The Runs table's query as SQL: filters, sort and page from a parsed `RunsQuery`. Pure, so it is
 * tested against hand-written SQL. Keys reach the SQL only through the fixed column map or as a
 * config field name the schema knows; every value is a bound parameter.
 */
import type { ParsedRunsQuery, RunFieldKey, RunKey } from '../../../shared/runs'

const columns: Record<RunFieldKey, string> = {
  name: 'r.name COLLATE NOCASE',
  status: 'r.status',
  dataset: 'd.name COLLATE NOCASE',
  model: 'r.model',
  preset: 'r.preset',
  backend: 'r.backend',
  createdAt: 'r.created_at',
  durationMs: 'r.duration_ms',
  'test.accuracy': 'r.test_accuracy',
  'test.f1': 'r.test_f1',
  'bestValidation.accuracy': 'r.best_val_accuracy',
  'bestValidation.loss': 'r.best_val_loss',
  starred: 'r.starred',
}

/** The SQL expression of a key: a column, or a field of the stored config. */
export function keyExpression(key: RunKey): string {
  if (key.startsWith('config.')) return `json_extract(r.config_json, '$.${key.slice(7)}')`
  return columns[key as RunFieldKey]
}

/** `%text%` for LIKE, with LIKE's own characters taken literally. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

export interface BuiltQuery {
  /** The page's ids, in order. */
  sql: string
  /** How many runs match, over all pages. */
  countSql: string
  params: (string | number)[]
  pageParams: (string | number)[]
}

export function buildRunsQuery(q: ParsedRunsQuery): BuiltQuery {
  const where: string[] = []
  const params: (string | number)[] = []
  if (q.status?.length) {
    where.push(`r.status IN (${q.status.map(() => '?').join(', ')})`)
    params.push(...q.status)
  }
  if (q.datasetId !== undefined) {
    where.push('r.dataset_id = ?')
    params.push(q.datasetId)
  }
  if (q.model !== undefined) {
    where.push('r.model = ?')
    params.push(q.model)
  }
  if (q.tag !== undefined) {
    where.push('EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = r.id AND t.tag = ?)')
    params.push(q.tag)
  }
  if (q.groupId !== undefined) {
    where.push('r.group_id = ?')
    params.push(q.groupId)
  }
  if (q.starred !== undefined) {
    where.push('r.starred = ?')
    params.push(q.starred ? 1 : 0)
  }
  // Every word must appear somewhere: "lstm imdb" finds LSTM runs on IMDB. An id matches from its
  // start (a pasted id or its first characters), not anywhere in its hex digits.
  for (const word of q.text?.trim().split(/\s+/).filter(Boolean) ?? []) {
    const fields = ['r.name', 'r.note', 'r.preset', 'r.model', 'd.name']
    where.push(
      `(${fields.map((f) => `${f} LIKE ? ESCAPE '\\'`).join(' OR ')} OR r.id LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = r.id AND t.tag LIKE ? ESCAPE '\\'))`,
    )
    const pattern = likePattern(word)
    params.push(...Array<string>(fields.length).fill(pattern), pattern.slice(1), pattern)
  }
  for (const range of q.ranges ?? []) {
    const expr = keyExpression(range.key)
    if (range.min !== undefined) {
      where.push(`${expr} >= ?`)
      params.push(range.min)
    }
    if (range.max !== undefined) {
      where.push(`${expr} <= ?`)
      params.push(range.max)
    }
  }
  const descending = q.sort.startsWith('-')
  const key = q.sort.replace(/^-/, '') as RunKey
  // Runs without the value (no test yet) come last either way; ties keep the newest first.
  const order = `${keyExpression(key)} ${descending ? 'DESC' : 'ASC'} NULLS LAST, r.created_at DESC, r.rowid DESC`
  const from = 'FROM runs r LEFT JOIN datasets d ON d.id = r.dataset_id'
  const filter = where.length ? ` WHERE ${where.join(' AND ')}` : ''
  return {
    sql: `SELECT r.id ${from}${filter} ORDER BY ${order} LIMIT ? OFFSET ?`,
    countSql: `SELECT COUNT(*) AS n ${from}${filter}`,
    params,
    pageParams: [...params, q.limit, q.offset],
  }
}
