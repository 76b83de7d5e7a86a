/** App-wide settings that outlive a restart (migration 8): one JSON value per key. */
import type { z } from 'zod'
import type { Db } from './database'

export class SettingsRepo {
  constructor(private readonly db: Db) {}

  /** The stored value, or undefined when none is stored or it no longer fits the schema. */
  get<T>(key: string, schema: z.ZodType<T>): T | undefined {
    const row = this.db.prepare('SELECT value_json FROM settings WHERE key = ?').get(key) as
      { value_json: string } | undefined
    if (!row) return undefined
    const parsed = schema.safeParse(JSON.parse(row.value_json))
    return parsed.success ? parsed.data : undefined
  }

  set(key: string, value: unknown): void {
    this.db
      .prepare(
        'INSERT INTO settings (key, value_json) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json',
      )
      .run(key, JSON.stringify(value))
  }
}
