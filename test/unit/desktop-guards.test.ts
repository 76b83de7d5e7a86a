/** What the desktop shell refuses: navigations, new windows, permissions, IPC senders (no Electron). */
import { describe, expect, it } from 'vitest'
import { appPage } from '../../src/main/desktop/app-page'
import {
  answerPermission,
  contentSecurityPolicy,
  navigationGuard,
  refuseSender,
  windowOpenHandler,
} from '../../src/main/desktop/guards'

const page = appPage(undefined, '/opt/studio/out/renderer/index.html', 'linux')
const ours = 'file:///opt/studio/out/renderer/index.html'

/** Whether the guard prevented the event. */
function prevented(guard: ReturnType<typeof navigationGuard>, url: string): boolean {
  let result = false
  guard({ preventDefault: () => (result = true) }, url)
  return result
}

describe('navigation', () => {
  const guard = navigationGuard(page)

  it('lets the page go to itself (a route change, a reload)', () => {
    expect(prevented(guard, ours)).toBe(false)
    expect(prevented(guard, `${ours}#/datasets`)).toBe(false)
  })

  it('refuses the web, other files (a dropped file) and odd schemes', () => {
    for (const url of [
      'https://example.com/',
      'file:///home/me/reviews.csv',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'data:text/html,<h1>hi</h1>',
      'about:blank',
    ])
      expect(prevented(guard, url), url).toBe(true)
  })

  it('follows the dev server in development', () => {
    const dev = navigationGuard(appPage('http://localhost:5173', '/x/index.html', 'linux'))
    expect(prevented(dev, 'http://localhost:5173/#/train')).toBe(false)
    expect(prevented(dev, 'http://localhost:8080/')).toBe(true)
  })
})

describe('new windows', () => {
  it('never opens one, and sends only https links to the allowed sites to the browser', () => {
    const external: string[] = []
    const handler = windowOpenHandler((url) => external.push(url))
    const urls = [
      'https://github.com/x',
      'HTTPS://nlp.stanford.edu/projects/glove/',
      'http://github.com/x', // not https
      'https://example.com/', // not on the list
      'https://github.com.evil.example/', // a look-alike host
      'https://user@github.com/', // credentials in the address
      'file:///etc/passwd',
      'javascript:alert(1)',
      'not a url',
      ours,
    ]
    for (const url of urls) expect(handler({ url })).toEqual({ action: 'deny' })
    expect(external).toEqual(['https://github.com/x', 'HTTPS://nlp.stanford.edu/projects/glove/'])
  })
})

describe('permissions', () => {
  it('grants notifications and refuses everything else', () => {
    const answer = (permission: string) => {
      const granted: boolean[] = []
      answerPermission(null, permission, (g) => granted.push(g))
      return granted
    }
    expect(answer('notifications')).toEqual([true])
    for (const permission of ['media', 'geolocation', 'clipboard-read', 'openExternal', 'fileSystem'])
      expect(answer(permission), permission).toEqual([false])
  })
})

describe('IPC senders', () => {
  const top = { url: ours, parent: null }

  it("accepts the app page's top frame", () => {
    expect(refuseSender(page, top)).toBeUndefined()
  })

  it('refuses a subframe, another page and a frame that is gone, saying where the request came from', () => {
    expect(refuseSender(page, { url: ours, parent: top })?.code).toBe('unsupported')
    const foreign = refuseSender(page, { url: 'https://example.com/', parent: null })
    expect(foreign?.toJSON()).toMatchObject({
      code: 'unsupported',
      message: "Requests are accepted only from the app's own page, not https://example.com/.",
    })
    expect(refuseSender(page, null)?.message).toContain('not a frame that no longer exists')
  })
})

describe('content security policy', () => {
  it('allows only the app itself, and adds the dev server and its socket in development', () => {
    const built = contentSecurityPolicy(undefined)
    expect(built).toContain("default-src 'self'")
    expect(built).toContain("connect-src 'self';")
    expect(built).toContain("frame-ancestors 'none'")
    expect(built).not.toContain('localhost')
    expect(contentSecurityPolicy('http://localhost:5173')).toContain(
      "connect-src 'self' http://localhost:5173 ws://localhost:5173;",
    )
  })
})
