/** Rows of the `vector_files` table. */
import type { VectorFileRecord, VectorInspection } from '../../../shared/vectors'
import type { Db } from './database'

interface VectorRow {
  id: string
  path: string
  member: string | null
  fingerprint: string
  format: VectorFileRecord['format']
  count: number
  dim: number
  created_at: string
}

const toRecord = (r: VectorRow): VectorFileRecord => ({
  id: r.id,
  path: r.path,
  member: r.member,
  fingerprint: r.fingerprint,
  format: r.format,
  count: r.count,
  dim: r.dim,
  createdAt: r.created_at,
})

export class VectorsRepo {
  constructor(private readonly db: Db) {}

  insert(record: VectorFileRecord, inspection: VectorInspection): void {
    this.db
      .prepare(
        `INSERT INTO vector_files (id, path, member, fingerprint, format, count, dim, inspection_json, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        record.id,
        record.path,
        record.member,
        record.fingerprint,
        record.format,
        record.count,
        record.dim,
        JSON.stringify(inspection),
        record.createdAt,
      )
  }

  get(id: string): VectorFileRecord | null {
    const row = this.db.prepare('SELECT * FROM vector_files WHERE id = ?').get(id) as VectorRow | undefined
    return row ? toRecord(row) : null
  }

  list(): VectorFileRecord[] {
    return (
      this.db.prepare('SELECT * FROM vector_files ORDER BY created_at DESC, rowid DESC').all() as VectorRow[]
    ).map(toRecord)
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM vector_files WHERE id = ?').run(id).changes > 0
  }
}
