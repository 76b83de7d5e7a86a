/** The contract over the preload bridge (desktop app). */
import type { StudioApi } from '@shared/contract'
import { ApiError } from '@shared/errors'
import type { StudioBridge } from './bridge'

export function electronTransport(bridge: StudioBridge): StudioApi {
  return {
    async invoke(name, payload) {
      // IPC copies with structured clone, which refuses Vue's reactive proxies: send plain data.
      const answer = await bridge.invoke(name, JSON.parse(JSON.stringify(payload ?? {})))
      if (!answer.ok) throw ApiError.from(answer.error)
      return answer.result as never
    },
    subscribe(name, listener) {
      return bridge.subscribe(name, listener as (data: unknown) => void)
    },
  }
}
