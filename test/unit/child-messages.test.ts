/**
 * `ChildMessages`, the Electron launcher's send (`desktop/utility-launcher.ts`), on a real child
 * process under Node: messages sent before the child is connected are held and go in order once it
 * is; after it has exited they are dropped, not written; a write that throws is dropped and reported,
 * and later messages still go.
 */
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { ChildMessages } from '../../src/main/core/jobs/child-messages'

const echo = `process.on('message', (m) => { process.send(m); if (m === 'bye') process.disconnect() })`

describe('ChildMessages', () => {
  it('holds messages until the child has spawned, then drops them once it has exited', async () => {
    const child = fork('-e', [echo], { execArgv: [], stdio: ['ignore', 'ignore', 'ignore', 'ipc'] })
    const writes: string[] = []
    const messages = new ChildMessages<string>((m) => {
      writes.push(m)
      child.send(m)
    })
    const received: string[] = []
    child.on('message', (m) => received.push(m as string))
    messages.send('one')
    messages.send('two')
    expect(writes).toEqual([])
    await once(child, 'spawn')
    messages.spawned()
    messages.send('bye')
    await once(child, 'exit')
    expect(received).toEqual(['one', 'two', 'bye'])
    messages.ended()
    // The channel is closed: a write now would fail; none is attempted.
    expect(() => messages.send('late')).not.toThrow()
    expect(writes).toEqual(['one', 'two', 'bye'])
  })

  it('drops a write that throws, says why, and sends the next message', () => {
    const written: string[] = []
    const dropped: string[] = []
    const messages = new ChildMessages<string>(
      (m) => {
        if (m === 'bad') throw new Error('channel closing')
        written.push(m)
      },
      (reason) => dropped.push(reason),
    )
    messages.spawned()
    expect(() => messages.send('bad')).not.toThrow()
    messages.send('good')
    expect([written, dropped]).toEqual([['good'], ['channel closing']])
  })

  it('drops what is still held when the child ends before it spawned', () => {
    const written: string[] = []
    const messages = new ChildMessages<string>((m) => written.push(m))
    messages.send('start')
    messages.ended()
    messages.spawned()
    messages.send('cancel')
    expect(written).toEqual([])
  })
})
