/** Rows of the `datasets` table as DatasetSummaries. */
import type { DatasetSummary } from '../../../shared/datasets'
import type { Db } from './database'

interface DatasetRow {
  id: string
  name: string
  format: DatasetSummary['format']
  source_path: string
  fingerprint: string
  classes_json: string
  settings_json: string
  stats_json: string
  created_at: string
}

/** The figures kept in stats_json: everything a summary has beyond its own columns. */
type Stats = Omit<
  DatasetSummary,
  'id' | 'name' | 'format' | 'sourcePath' | 'fingerprint' | 'classes' | 'settings' | 'createdAt'
>

function toSummary(row: DatasetRow): DatasetSummary {
  return {
    id: row.id,
    name: row.name,
    format: row.format,
    sourcePath: row.source_path,
    fingerprint: row.fingerprint,
    classes: JSON.parse(row.classes_json) as string[],
    settings: JSON.parse(row.settings_json) as DatasetSummary['settings'],
    createdAt: row.created_at,
    ...(JSON.parse(row.stats_json) as Stats),
  }
}

export class DatasetsRepo {
  constructor(private readonly db: Db) {}

  insert(d: DatasetSummary): void {
    const { id, name, format, sourcePath, fingerprint, classes, settings, createdAt, ...stats } = d
    this.db
      .prepare(
        `INSERT INTO datasets (id, name, format, source_path, fingerprint, classes_json, settings_json, stats_json, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        name,
        format,
        sourcePath,
        fingerprint,
        JSON.stringify(classes),
        JSON.stringify(settings),
        JSON.stringify(stats),
        createdAt,
      )
  }

  get(id: string): DatasetSummary | null {
    const row = this.db.prepare('SELECT * FROM datasets WHERE id = ?').get(id) as DatasetRow | undefined
    return row ? toSummary(row) : null
  }

  list(): DatasetSummary[] {
    return (this.db.prepare('SELECT * FROM datasets ORDER BY created_at DESC, rowid DESC').all() as DatasetRow[]).map(
      toSummary,
    )
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM datasets WHERE id = ?').run(id).changes > 0
  }
}
