/**
 * The contract over serve mode's WebSocket. The auth cookie from the login exchange goes with the
 * connection. Requests made while disconnected wait for the socket; it reconnects with back-off.
 */
import type { StudioApi } from '@shared/contract'
import { ApiError } from '@shared/errors'
import { wsPath, type WsInvoke, type WsServerMessage } from '@shared/ws-protocol'
import { ref } from 'vue'

export const connected = ref(false)

export function wsTransport(): StudioApi {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${wsPath}`
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: ApiError) => void }>()
  const listeners = new Map<string, Set<(data: unknown) => void>>()
  const queue: WsInvoke[] = []
  let socket: WebSocket
  let nextId = 1
  let backoff = 500

  const connect = () => {
    socket = new WebSocket(url)
    socket.onopen = () => {
      connected.value = true
      backoff = 500
      for (const m of queue.splice(0)) socket.send(JSON.stringify(m))
    }
    socket.onmessage = (e) => {
      const m = JSON.parse(String(e.data)) as WsServerMessage
      if (m.type === 'event') {
        for (const l of listeners.get(m.name) ?? []) l(m.data)
        return
      }
      const p = pending.get(m.id)
      if (!p) return
      pending.delete(m.id)
      if (m.ok) p.resolve(m.result)
      else p.reject(ApiError.from(m.error))
    }
    socket.onclose = () => {
      connected.value = false
      for (const p of pending.values())
        p.reject(
          new ApiError(
            'failed',
            'Lost the connection to the Sentiment Studio server; is it still running? Reconnecting…',
          ),
        )
      pending.clear()
      setTimeout(connect, backoff)
      backoff = Math.min(backoff * 2, 10_000)
    }
  }
  connect()

  return {
    invoke(name, payload) {
      const message: WsInvoke = { type: 'invoke', id: nextId++, name, payload }
      return new Promise((resolve, reject) => {
        pending.set(message.id, { resolve: resolve as (v: unknown) => void, reject })
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message))
        else queue.push(message)
      })
    },
    subscribe(name, listener) {
      const set = listeners.get(name) ?? new Set()
      set.add(listener as (data: unknown) => void)
      listeners.set(name, set)
      return () => set.delete(listener as (data: unknown) => void)
    },
  }
}
