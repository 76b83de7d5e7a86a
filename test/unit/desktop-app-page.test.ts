/** Which URLs belong to the app page, and what it loads (no Electron: the host is a plain object). */
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { appPage, type PageHost } from '../../src/main/desktop/app-page'

const index = resolve('/opt/Sentiment Studio/resources/out/renderer/index.html')
const indexUrl = pathToFileURL(index).href // spaces escaped, as Chromium reports it

/** Records what the page asked to load. */
function recordingHost(): PageHost & { loaded: string[] } {
  const loaded: string[] = []
  return {
    loaded,
    loadURL: async (url) => void loaded.push(`url ${url}`),
    loadFile: async (path) => void loaded.push(`file ${path}`),
  }
}

describe('the built page', () => {
  const page = appPage(undefined, index, 'linux')

  it('owns its own index.html, with any route or query', () => {
    expect(page.owns(indexUrl)).toBe(true)
    expect(page.owns(`${indexUrl}#/runs/42`)).toBe(true)
    expect(page.owns(`${indexUrl}?reload=1`)).toBe(true)
  })

  it('does not own another file, a file on another host, the web or a non-URL', () => {
    expect(page.owns(pathToFileURL('/home/me/Downloads/reviews.csv').href)).toBe(false)
    expect(page.owns(pathToFileURL(resolve(index, '..', 'other.html')).href)).toBe(false)
    expect(page.owns('file://fileserver/opt/Sentiment%20Studio/resources/out/renderer/index.html')).toBe(false)
    expect(page.owns('https://example.com/index.html')).toBe(false)
    expect(page.owns('index.html')).toBe(false)
    expect(page.owns('')).toBe(false)
  })

  it('compares paths exactly on Linux', () => {
    expect(page.owns(indexUrl.replace('Studio', 'studio'))).toBe(false)
  })

  it('has no dev origin and loads the file', async () => {
    const host = recordingHost()
    await page.load(host)
    expect(page.devOrigin).toBeUndefined()
    expect(host.loaded).toEqual([`file ${index}`])
  })
})

describe('the built page on Windows', () => {
  const page = appPage(undefined, 'C:\\Program Files\\Sentiment Studio\\resources\\out\\renderer\\index.html', 'win32')

  it('owns its index.html whatever the case of the drive letter and folders', () => {
    expect(page.owns('file:///C:/Program%20Files/Sentiment%20Studio/resources/out/renderer/index.html')).toBe(true)
    expect(page.owns('file:///c:/program%20files/sentiment%20studio/resources/out/renderer/INDEX.html')).toBe(true)
  })

  it('does not own another file or another drive', () => {
    expect(page.owns('file:///C:/Users/me/Downloads/index.html')).toBe(false)
    expect(page.owns('file:///D:/Program%20Files/Sentiment%20Studio/resources/out/renderer/index.html')).toBe(false)
  })
})

describe('the dev server page', () => {
  const page = appPage('http://localhost:5173/', index, 'linux')

  it('owns every URL of the dev server origin, and nothing else', () => {
    expect(page.devOrigin).toBe('http://localhost:5173')
    expect(page.owns('http://localhost:5173/')).toBe(true)
    expect(page.owns('http://localhost:5173/src/main.ts#/train')).toBe(true)
    expect(page.owns('http://localhost:5174/')).toBe(false)
    expect(page.owns('https://localhost:5173/')).toBe(false)
    expect(page.owns('http://127.0.0.1:5173/')).toBe(false)
    expect(page.owns(indexUrl)).toBe(false) // the built file is not the page in development
  })

  it('loads the dev server', async () => {
    const host = recordingHost()
    await page.load(host)
    expect(host.loaded).toEqual(['url http://localhost:5173/'])
  })
})
