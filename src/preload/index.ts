/**
 * The only bridge between the page and main: invoke and subscribe over the contract, plus the path
 * of a dropped file. No ipcRenderer, IPC event object or Node API reaches the page.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron'
import { isEventName, isRequestName } from '../shared/contract'
import type { ApiErrorData, Envelope } from '../shared/errors'

type Listener = (data: unknown) => void
const listeners = new Map<string, Set<Listener>>()

const failure = (error: ApiErrorData): Envelope<unknown> => ({ ok: false, error })

// One shared IPC listener; pages get only the event's data, and one failing listener spoils no other.
ipcRenderer.on('studio:event', (_event, name: string, data: unknown) => {
  for (const listener of listeners.get(name) ?? [])
    try {
      listener(data)
    } catch (err) {
      console.error(`A listener for "${name}" failed:`, err)
    }
})

contextBridge.exposeInMainWorld('studio', {
  invoke(name: string, payload: unknown): Promise<Envelope<unknown>> {
    if (!isRequestName(name))
      return Promise.resolve(failure({ code: 'unknown_request', message: `Unknown request "${String(name)}".` }))
    // A rejection here means the payload could not be sent (it holds something not cloneable) or
    // main is not answering: still an Envelope, like every other failure.
    return ipcRenderer
      .invoke('studio:invoke', name, payload)
      .catch((err: unknown) =>
        failure({ code: 'internal', message: `${name}: ${err instanceof Error ? err.message : String(err)}` }),
      )
  },
  subscribe(name: string, listener: Listener): () => void {
    if (!isEventName(name) || typeof listener !== 'function') return () => {}
    let set = listeners.get(name)
    if (!set) listeners.set(name, (set = new Set()))
    set.add(listener)
    return () => {
      set.delete(listener)
    }
  },
  /** The path of a file dropped on the page (Electron no longer puts it on File objects). */
  pathForFile(file: File): string {
    return webUtils.getPathForFile(file)
  },
})
