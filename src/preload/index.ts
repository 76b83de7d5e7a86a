/**
 * The only bridge between the page and main: a typed invoke and subscribe over the contract. No
 * ipcRenderer, event object or Node API reaches the page.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron'
import { isEventName, isRequestName } from '../shared/contract'

type Listener = (data: unknown) => void
const listeners = new Map<string, Set<Listener>>()

// One shared IPC listener; pages get only the event's data.
ipcRenderer.on('studio:event', (_event, name: string, data: unknown) => {
  for (const l of listeners.get(name) ?? []) l(data)
})

contextBridge.exposeInMainWorld('studio', {
  invoke(name: string, payload: unknown) {
    if (!isRequestName(name))
      return Promise.resolve({
        ok: false,
        error: { code: 'unknown_request', message: `Unknown request "${String(name)}".` },
      })
    return ipcRenderer.invoke('studio:invoke', name, payload)
  },
  /** The path of a file dropped on the page (Electron no longer puts it on File objects). */
  pathForFile(file: File) {
    return webUtils.getPathForFile(file)
  },
  subscribe(name: string, listener: Listener) {
    if (!isEventName(name) || typeof listener !== 'function') return () => {}
    const set = listeners.get(name) ?? new Set<Listener>()
    set.add(listener)
    listeners.set(name, set)
    return () => set.delete(listener)
  },
})
