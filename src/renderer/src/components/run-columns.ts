/**
 * The columns the Runs table can show, keyed by the same dotted keys main sorts by, and which the
 * user shows (remembered in localStorage).
 */
import type { RunKey, RunRow } from '@shared/runs'
import { ref, watch } from 'vue'
import { duration, percent } from '../format'

export interface RunColumn {
  key: RunKey | 'tags'
  title: string
  /** Plain text of the cell; name, status and tags render richer in the view. */
  text: (r: RunRow) => string
  width: number
}

const num = (v: number | null, digits = 3) => (v === null ? '—' : v.toFixed(digits))
const pct = (v: number | null) => (v === null ? '—' : percent(v))

export const runColumns: RunColumn[] = [
  { key: 'name', title: 'Name', text: (r) => r.name, width: 240 },
  { key: 'status', title: 'Status', text: (r) => r.status, width: 110 },
  { key: 'dataset', title: 'Dataset', text: (r) => r.datasetName ?? 'deleted', width: 150 },
  { key: 'model', title: 'Model', text: (r) => r.model, width: 100 },
  { key: 'preset', title: 'Preset', text: (r) => r.preset ?? 'custom', width: 160 },
  { key: 'config.embeddingDim', title: 'Embedding', text: (r) => String(r.config.embeddingDim), width: 100 },
  { key: 'config.hiddenUnits', title: 'Hidden', text: (r) => String(r.config.hiddenUnits), width: 90 },
  { key: 'config.optimizer', title: 'Optimizer', text: (r) => r.config.optimizer, width: 100 },
  { key: 'config.learningRate', title: 'Learning rate', text: (r) => String(r.config.learningRate), width: 120 },
  { key: 'config.batchSize', title: 'Batch', text: (r) => String(r.config.batchSize), width: 80 },
  { key: 'config.epochs', title: 'Epochs', text: (r) => String(r.config.epochs), width: 85 },
  { key: 'config.seed', title: 'Seed', text: (r) => String(r.config.seed), width: 80 },
  { key: 'bestValidation.accuracy', title: 'Best val. acc.', text: (r) => pct(r.bestValAccuracy), width: 120 },
  { key: 'test.accuracy', title: 'Test acc.', text: (r) => pct(r.testAccuracy), width: 100 },
  { key: 'test.f1', title: 'Test F1', text: (r) => num(r.testF1), width: 90 },
  { key: 'durationMs', title: 'Duration', text: (r) => duration(r.durationMs) || '—', width: 110 },
  { key: 'backend', title: 'Backend', text: (r) => r.backend ?? '—', width: 95 },
  { key: 'createdAt', title: 'Created', text: (r) => new Date(r.createdAt).toLocaleString(), width: 180 },
  { key: 'tags', title: 'Tags', text: (r) => r.tags.join(', '), width: 180 },
]

const storageKey = 'sentiment-studio.runs.columns'
const defaults = [
  'name',
  'status',
  'dataset',
  'model',
  'config.learningRate',
  'bestValidation.accuracy',
  'test.accuracy',
  'test.f1',
  'durationMs',
  'createdAt',
  'tags',
]

function stored(): string[] {
  try {
    const saved: unknown = JSON.parse(localStorage.getItem(storageKey) ?? 'null')
    if (Array.isArray(saved)) {
      const known = saved.filter((k) => runColumns.some((c) => c.key === k))
      if (known.length) return known
    }
  } catch {
    // A damaged entry falls back to the defaults.
  }
  return defaults
}

/** The keys of the visible columns, saved whenever they change. */
export function useVisibleColumns() {
  const visible = ref<string[]>(stored())
  watch(visible, (keys) => localStorage.setItem(storageKey, JSON.stringify(keys)), { deep: true })
  return visible
}
