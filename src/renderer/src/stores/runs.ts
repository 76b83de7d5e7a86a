/** Training runs as main reports them, kept current by run.updated and by their jobs ending. */
import type { Payload } from '@shared/contract'
import type { RunRecord } from '@shared/training/results'
import type { JobStatus } from '@shared/types'
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api } from '../api/client'
import { reportError } from '../composables/errors'
import { notifyRunEnded } from '../composables/notify'

export const isActive = (s: JobStatus) => s === 'queued' || s === 'running'

export const useRuns = defineStore('runs', () => {
  const byId = ref(new Map<string, RunRecord>())
  const list = ref<RunRecord[]>([])

  function put(run: RunRecord) {
    const before = byId.value.get(run.id)
    byId.value.set(run.id, run)
    const at = list.value.findIndex((r) => r.id === run.id)
    if (at >= 0) list.value[at] = run
    else list.value.unshift(run)
    if (before && isActive(before.status) && !isActive(run.status)) notifyRunEnded(run)
  }

  async function load() {
    const runs = await api.invoke('runs.list', { limit: 200 })
    list.value = runs
    for (const r of runs) byId.value.set(r.id, r)
  }

  async function get(id: string): Promise<RunRecord> {
    const run = await api.invoke('runs.get', { id })
    put(run)
    return run
  }

  const refresh = (id: string) => void get(id).catch(reportError)

  // A run's end arrives as its last run.updated or as its job ending, whichever comes first; the
  // record (with the test figures) is read again for either.
  api.subscribe('run.updated', (u) => {
    const known = byId.value.get(u.runId)
    if (known && known.status !== u.status) {
      if (isActive(u.status)) put({ ...known, status: u.status })
      // A queued run that starts has a job now; one that ended has its figures.
      if (u.status !== 'queued') refresh(u.runId)
    }
  })
  api.subscribe('job.updated', (job) => {
    if (isActive(job.status)) return
    for (const run of byId.value.values()) if (run.jobId === job.id && isActive(run.status)) refresh(run.id)
  })

  async function start(request: Payload<'runs.start'>): Promise<RunRecord> {
    const run = await api.invoke('runs.start', request)
    put(run)
    return run
  }

  return {
    byId,
    list,
    put,
    load,
    get,
    start,
    cancel: async (id: string) => put(await api.invoke('runs.cancel', { id })),
    resume: async (id: string) => put(await api.invoke('runs.resume', { id })),
  }
})
