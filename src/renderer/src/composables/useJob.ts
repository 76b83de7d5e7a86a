/** Start a job through the api and follow it to the end: the live record, its result, its error. */
import type { JobRecord } from '@shared/types'
import { computed, ref } from 'vue'
import { useJobs } from '../stores/jobs'
import { describeError } from './errors'

export function useJob<R>() {
  const jobs = useJobs()
  const id = ref<string | null>(null)
  const error = ref<string | null>(null)
  const result = ref<R | null>(null)
  const job = computed<JobRecord | null>(() => (id.value ? (jobs.byId.get(id.value) ?? null) : null))
  const running = computed(() => job.value?.status === 'running' || job.value?.status === 'queued')

  /** Runs `start` (which asks main to start a job) and resolves with the result, or null if it did not succeed. */
  async function run(start: () => Promise<JobRecord>): Promise<R | null> {
    error.value = null
    result.value = null
    try {
      const started = await start()
      jobs.put(started)
      id.value = started.id
      const done = await jobs.finished(started.id)
      if (done.status === 'succeeded') return (result.value = done.result as R)
      error.value = done.error ?? `The job ended ${done.status}.`
    } catch (err) {
      error.value = describeError(err)
    }
    return null
  }

  return { job, running, error, result, run, cancel: () => id.value && jobs.cancel(id.value) }
}
