/**
 * The Runs table's query, answered a page at a time by main (`runs.query`): filters, sort and page,
 * with the free text debounced, and the page reloaded when a run changes status.
 */
import type { RunKey, RunPage, RunRow, RunsQuery } from '@shared/runs'
import type { JobStatus } from '@shared/types'
import { onScopeDispose, reactive, ref, watch } from 'vue'
import { api } from '../api/client'
import { reportError } from './errors'

export interface RunFilters {
  text: string
  status: JobStatus[]
  datasetId: string | null
  model: string | null
  tag: string | null
  starred: boolean
  range: { key: RunKey; min: number | null; max: number | null }
}

export function useRunsQuery() {
  const filters = reactive<RunFilters>({
    text: '',
    status: [],
    datasetId: null,
    model: null,
    tag: null,
    starred: false,
    range: { key: 'test.accuracy', min: null, max: null },
  })
  const sort = ref('-createdAt')
  const page = ref(1)
  const pageSize = ref(50)
  const result = ref<RunPage>({ rows: [], total: 0 })
  const loading = ref(false)

  function query(): RunsQuery {
    const { range } = filters
    return {
      text: filters.text.trim() || undefined,
      status: filters.status.length ? filters.status : undefined,
      datasetId: filters.datasetId ?? undefined,
      model: filters.model ?? undefined,
      tag: filters.tag ?? undefined,
      starred: filters.starred || undefined,
      ranges:
        range.min !== null || range.max !== null
          ? [{ key: range.key, min: range.min ?? undefined, max: range.max ?? undefined }]
          : undefined,
      sort: sort.value,
      offset: (page.value - 1) * pageSize.value,
      limit: pageSize.value,
    }
  }

  // Answers can cross: only the latest request's answer is shown.
  let asked = 0
  async function load() {
    const mine = ++asked
    loading.value = true
    try {
      const page = await api.invoke('runs.query', query())
      if (mine === asked) result.value = page
    } catch (err) {
      reportError(err)
    } finally {
      if (mine === asked) loading.value = false
    }
  }

  let timer: ReturnType<typeof setTimeout> | undefined
  const later = (ms: number) => {
    clearTimeout(timer)
    timer = setTimeout(() => void load(), ms)
  }
  watch(
    () => filters.text,
    () => {
      page.value = 1
      later(250)
    },
  )
  watch(
    () => [filters.status, filters.datasetId, filters.model, filters.tag, filters.starred, { ...filters.range }],
    () => {
      page.value = 1
      later(0)
    },
    { deep: true },
  )
  watch([sort, page, pageSize], () => later(0))

  const unsubscribe = api.subscribe('run.updated', (u) => {
    const shown = result.value.rows.find((r) => r.id === u.runId)
    if (!shown || shown.status !== u.status) later(500)
  })
  onScopeDispose(() => {
    unsubscribe()
    clearTimeout(timer)
  })

  /** Every run the filters match, in the table's order (for an export), a thousand at a time. */
  async function all(): Promise<RunRow[]> {
    const rows: RunRow[] = []
    for (;;) {
      const next = await api.invoke('runs.query', { ...query(), offset: rows.length, limit: 1000 })
      rows.push(...next.rows)
      if (next.rows.length === 0 || rows.length >= next.total) return rows
    }
  }

  return { filters, sort, page, pageSize, result, loading, load, all }
}
