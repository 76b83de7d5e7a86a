import { describe, expect, it } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { latestSchemaVersion } from '../../src/main/core/db/migrations'
import { useTempDir } from '../fixtures/temp-dir'
import { makeLineFiles } from '../fixtures/dataset-files'
import { writeGlove } from '../fixtures/vector-files'

const tempDir = useTempDir()
const cli = join(__dirname, '..', '..', 'src', 'main', 'cli', 'index.ts')

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('cli', () => {
  it('info --json prints one JSON document with the backends and the data directory', () => {
    const dataDir = tempDir()
    const r = run(['info', '--json', '--data-dir', dataDir])
    expect(r.code).toBe(0)
    const info = JSON.parse(r.stdout)
    expect(info).toMatchObject({
      version: expect.any(String),
      dataDir,
      schemaVersion: latestSchemaVersion,
      selectedBackend: expect.any(String),
    })
    expect(info.backends).toContainEqual(expect.objectContaining({ name: 'wasm', available: true }))
    expect(r.stderr).toMatch(/Detecting/)
  })

  it('takes the data directory from SENTIMENT_STUDIO_DATA_DIR', () => {
    const dataDir = tempDir()
    const r = run(['info', '--json'], { SENTIMENT_STUDIO_DATA_DIR: dataDir })
    expect(JSON.parse(r.stdout).dbPath).toBe(join(dataDir, 'studio.db'))
  })

  it.each([
    [['frobnicate'], /Unknown command "frobnicate"/],
    [['info', '--colour'], /Unknown option '--colour'/],
    [['serve', '--port', 'eighty'], /--port must be a whole number/],
    [[], /Usage/],
  ])('exits 2 on the usage error %j', (args, message) => {
    const r = run(args as string[], { SENTIMENT_STUDIO_DATA_DIR: tempDir() })
    expect(r.code).toBe(2)
    expect(`${r.stderr}${r.stdout}`).toMatch(message)
  })

  it('exits 1 with a one-line error when the data directory cannot be used', () => {
    const file = join(tempDir(), 'not-a-folder')
    writeFileSync(file, '')
    const r = run(['info', '--json', '--data-dir', file])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/^Error: /)
  })

  it('serve --port 0 prints the URL with its token and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'serve', '--port', '0', '--data-dir', tempDir()])
    const line = await new Promise<string>((resolve) => {
      let out = ''
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString()
        if (out.includes('\n')) resolve(out)
      })
    })
    expect(line).toMatch(/serving at http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}/)
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    expect(await exit).toBe(0)
  })

  it('serve --host 0.0.0.0 warns that it is reachable from other machines', async () => {
    const child = spawn(process.execPath, [
      '--import',
      'tsx',
      cli,
      'serve',
      '--port',
      '0',
      '--host',
      '0.0.0.0',
      '--json',
      '--data-dir',
      tempDir(),
    ])
    let stderr = ''
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()))
    const json = await new Promise<string>((resolve) => child.stdout.once('data', (b: Buffer) => resolve(b.toString())))
    expect(JSON.parse(json)).toMatchObject({ host: '0.0.0.0', port: expect.any(Number) })
    expect(stderr).toMatch(/Warning: listening on 0\.0\.0\.0 makes Sentiment Studio reachable from other machines/)
    child.kill('SIGTERM')
  })
})

/** `import` of a pair of generated line files (pos, neg), lowercased, with more flags. */
function importLines(dataDir: string, perClass: number, flags: string[] = []) {
  const { pos, neg } = makeLineFiles(tempDir(), perClass)
  const paths = ['--path', pos, '--path', neg, '--class-names', 'pos,neg']
  return run(['import', '--format', 'lines', ...paths, '--lowercase', ...flags, '--data-dir', dataDir, '--json'])
}

describe('cli import and datasets', () => {
  it('imports with flags, prints the summary as JSON, lists, shows and deletes', async () => {
    const dataDir = tempDir()
    const r = importLines(dataDir, 20, [
      '--min-count',
      '2',
      '--val-ratio',
      '0.25',
      '--test-ratio',
      '0.2',
      '--seed',
      '5',
      '--name',
      'rt',
    ])
    expect(r.stderr).not.toMatch(/Error/)
    expect(r.code).toBe(0)
    const d = JSON.parse(r.stdout)
    expect(d).toMatchObject({
      name: 'rt',
      classes: ['neg', 'pos'],
      counts: { train: 24, val: 8, test: 8 },
      skipped: [],
      durationMs: expect.any(Number),
    })
    expect(d.vocabSize).toBeGreaterThan(2)
    const list = JSON.parse(run(['datasets', 'list', '--json', '--data-dir', dataDir]).stdout)
    expect(list.map((x: { id: string }) => x.id)).toEqual([d.id])
    expect(JSON.parse(run(['datasets', 'show', d.id, '--json', '--data-dir', dataDir]).stdout)).toMatchObject({
      id: d.id,
      settings: { split: { seed: 5 } },
    })
    expect(run(['datasets', 'delete', d.id, '--data-dir', dataDir]).code).toBe(0)
    const missing = run(['datasets', 'show', d.id, '--data-dir', dataDir])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toBe(`Error: No dataset with id ${d.id}.\n`)
  })

  it('names the flag at fault and exits 2', () => {
    const r = run(['import', '--path', 'x', '--val-ratio', '2', '--data-dir', tempDir()])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^Error: --val-ratio: /)
    expect(run(['import', '--format', 'lines', '--path', 'a', '--data-dir', tempDir()]).stderr).toMatch(
      /one --path per class/,
    )
  })

  it('fails with the import error on stderr and exit 1, leaving nothing', () => {
    const dataDir = tempDir()
    const r = run(['import', '--path', join(dataDir, 'missing.csv'), '--data-dir', dataDir, '--json'])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/missing\.csv does not exist; check the path\./)
  })
})

describe('cli vectors', () => {
  it('inspects, fixes the header, registers and reports coverage for a dataset', () => {
    const dataDir = tempDir()
    const dir = tempDir()
    const file = join(dir, 'glove.txt')
    writeGlove(file, ['wonderful', 'boring', 'film', 'the', 'Great'], 6)
    const inspect = JSON.parse(run(['vectors', 'inspect', file, '--json', '--data-dir', dataDir]).stdout)
    expect(inspect).toMatchObject({
      format: 'glove',
      header: null,
      headerMatches: null,
      count: 5,
      dim: 6,
      problems: [],
    })

    const out = join(dir, 'glove.w2v.txt')
    const fixed = JSON.parse(run(['vectors', 'fix-header', file, '--out', out, '--json', '--data-dir', dataDir]).stdout)
    expect(fixed).toEqual({ out, count: 5, dim: 6, headerLine: '5 6', droppedLines: 0 })
    expect(readFileSync(out, 'utf8').split('\n')[0]).toBe('5 6')

    const added = JSON.parse(run(['vectors', 'add', out, '--json', '--data-dir', dataDir]).stdout)
    expect(added).toMatchObject({
      path: out,
      format: 'word2vec',
      count: 5,
      dim: 6,
      fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
    })

    const dataset = JSON.parse(importLines(dataDir, 8).stdout)
    const coverage = JSON.parse(
      run(['vectors', 'coverage', added.id, '--dataset', dataset.id, '--json', '--data-dir', dataDir]).stdout,
    )
    expect(coverage.vocabularyFound).toBe(4) // wonderful, boring, the, and "great" folded from Great
    expect(coverage.dim).toBe(6)
    expect(coverage.topMissing.length).toBeGreaterThan(0)
  })

  it('refuses an inconsistent file with the line, exit 1, and leaves it untouched', () => {
    const file = join(tempDir(), 'bad.txt')
    writeFileSync(file, 'a 0.1 0.2\nb 0.3\n')
    const r = run(['vectors', 'fix-header', file, '--data-dir', tempDir()])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/has 1 unusable line \(first: line 2, 1 value where 2 are expected\)/)
    expect(readFileSync(file, 'utf8')).toBe('a 0.1 0.2\nb 0.3\n')
  })
})

describe('cli training', () => {
  it('lists presets, trains with --set, prints the run as JSON, and lists and shows it', () => {
    const dataDir = tempDir()
    const presets = JSON.parse(run(['presets', 'list', '--json', '--data-dir', dataDir]).stdout)
    expect(presets.map((p: { name: string }) => p.name)).toEqual([
      'rnn-baseline',
      'sentimentnet-bilstm',
      'amazon-lstm',
      'mxnet-dense',
      'kim-cnn',
      'fasttext-bigram',
      'fasttext-sgd',
      'nbsvm',
      'recommended',
    ])
    const dataset = JSON.parse(importLines(dataDir, 40).stdout)
    const r = run([
      'train',
      '--dataset',
      dataset.id,
      '--preset',
      'kim-cnn',
      '--set',
      'epochs=2',
      '--set',
      'seed=7',
      '--set',
      'batchSize=16',
      '--set',
      'learningRate=0.001',
      '--set',
      'maxLen=20',
      '--backend',
      'wasm',
      '--json',
      '--data-dir',
      dataDir,
    ])
    expect(r.code, r.stderr).toBe(0)
    const result = JSON.parse(r.stdout)
    expect(result).toMatchObject({
      id: expect.any(String),
      status: 'succeeded',
      backend: 'wasm',
      config: { model: 'cnn', epochs: 2, seed: 7, batchSize: 16, learningRate: 0.001, maxLen: 20 },
      test: {
        accuracy: expect.any(Number),
        precision: expect.any(Number),
        recall: expect.any(Number),
        f1: expect.any(Number),
        loss: expect.any(Number),
        confusion: [expect.any(Array), expect.any(Array)],
      },
      bestValidation: { step: expect.any(Number), loss: expect.any(Number) },
      durationMs: expect.any(Number),
      samplesPerSecond: expect.any(Number),
    })
    expect(r.stderr).toMatch(/Test: accuracy/)
    const listed = JSON.parse(run(['runs', 'list', '--json', '--data-dir', dataDir]).stdout)
    expect(listed.map((x: { id: string }) => x.id)).toEqual([result.id])
    const shown = JSON.parse(run(['runs', 'show', result.id, '--json', '--data-dir', dataDir]).stdout)
    expect(shown.history.epochs).toHaveLength(2)
  })

  it.each([
    [['--set', 'epochs=three'], /epochs/],
    [['--set', 'epoch=3'], /Unknown setting "epoch"/],
    [['--preset', 'nope'], /No preset "nope"/],
    [['--backend', 'quantum'], /backend/],
  ])('exits 2 on a bad training flag %j', (flags, message) => {
    const dataDir = tempDir()
    const dataset = JSON.parse(importLines(dataDir, 5).stdout)
    const args = ['train', '--dataset', dataset.id, '--preset', 'kim-cnn', ...flags, '--data-dir', dataDir]
    const r = run(args)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
  })
})
