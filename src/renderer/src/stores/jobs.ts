/** Jobs as main reports them: the recent list, kept live by job.updated events. */
import { isJobOf, type JobKind, type JobOf } from '@shared/job-catalog'
import type { JobRecord } from '@shared/types'
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api } from '../api/client'

export const useJobs = defineStore('jobs', () => {
  const byId = ref(new Map<string, JobRecord>())
  const list = ref<JobRecord[]>([])

  function put(job: JobRecord) {
    byId.value.set(job.id, job)
    const at = list.value.findIndex((j) => j.id === job.id)
    if (at >= 0) list.value[at] = job
    else list.value.unshift(job)
  }

  async function load() {
    const jobs = await api.invoke('jobs.list', { limit: 100 })
    list.value = jobs
    for (const j of jobs) byId.value.set(j.id, j)
  }

  api.subscribe('job.updated', put)

  /** Resolves when the job has finished, with its final record. */
  function finished<K extends JobKind>({ id, kind }: Pick<JobOf<K>, 'id' | 'kind'>): Promise<JobOf<K>> {
    return new Promise((resolve) => {
      const check = (job: JobRecord) => {
        if (job.id !== id || job.status === 'running' || job.status === 'queued' || !isJobOf(job, kind)) return false
        resolve(job)
        return true
      }
      const known = byId.value.get(id)
      if (known && check(known)) return
      const stop = api.subscribe('job.updated', (job) => {
        if (check(job)) stop()
      })
      // The job may have finished between starting it and subscribing.
      void api.invoke('jobs.get', { id }).then((job) => {
        if (check(job)) stop()
      })
    })
  }

  return { byId, list, put, load, finished, cancel: (id: string) => api.invoke('jobs.cancel', { id }) }
})
