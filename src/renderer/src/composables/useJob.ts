/** Start a job of one kind through the api and follow it to the end: the live record, its result, its error. */
import type { JobKind, JobOf, JobResult } from '@shared/job-catalog'
import type { JobRecord } from '@shared/types'
import { computed, ref, shallowRef } from 'vue'
import { useJobs } from '../stores/jobs'
import { describeError } from './errors'

export function useJob<K extends JobKind>() {
  const jobs = useJobs()
  const id = ref<string | null>(null)
  const error = ref<string | null>(null)
  const result = shallowRef<JobResult<K> | null>(null)
  const job = computed<JobRecord | null>(() => (id.value ? (jobs.byId.get(id.value) ?? null) : null))
  const running = computed(() => job.value?.status === 'running' || job.value?.status === 'queued')

  /** Runs `start` (which asks main to start the job) and resolves with the result, or null if it did not succeed. */
  async function run(start: () => Promise<JobOf<K>>): Promise<JobResult<K> | null> {
    error.value = null
    result.value = null
    try {
      const started = await start()
      jobs.put(started)
      id.value = started.id
      const done = await jobs.finished(started)
      if (done.status === 'succeeded' && done.result !== null) return (result.value = done.result)
      error.value = done.error ?? `The job ended ${done.status}.`
    } catch (err) {
      error.value = describeError(err)
    }
    return null
  }

  return { job, running, error, result, run, cancel: () => id.value && jobs.cancel(id.value) }
}
