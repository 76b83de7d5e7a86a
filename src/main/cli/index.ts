/**
 * The command line: `npm run cli -- <command> [options]`. Commands share the app's data directory,
 * so what they do shows up in the desktop app. Exit 0 on success, 1 on failure, 2 on usage errors.
 */
import { parseArgs } from 'node:util'
import type { AppContext } from '../core/app-context'
import { datasetsCommand, datasetsOptions } from './commands/datasets'
import { importCommand, importOptions, importUsage } from './commands/import'
import { infoCommand } from './commands/info'
import { serveCommand, servePolicy } from './commands/serve'
import {
  predictCommand,
  predictOptions,
  scoreCommand,
  scoreOptions,
  scoresCommand,
  scoresOptions,
} from './commands/score'
import { presetsCommand, sweepCommand, sweepOptions, trainCommand, trainOptions } from './commands/train'
import { queueCommand, runsCommand, runsOptions, runsUsage } from './commands/runs'
import { vectorsCommand, vectorsOptions } from './commands/vectors'
import { openContext } from './context'
import { UsageError } from './errors'
import { createOutput } from './output'
import { dataPaths, resolveDataDir } from '../core/paths'
import { describeSystemError } from '../core/system-errors'

const usage = `Usage: sentiment-studio <command> [options]

Commands:
  info                    version, data directory, runtimes and tfjs backends
  serve [--port N] [--host H] [--allow-path DIR ...] [--allow-local-downloads]
                          serve the app to a browser (default 127.0.0.1:5757); requests may name
                          files only in your home, the data directory and each --allow-path
  import --path P [import settings, below]
                          import a dataset (Ctrl+C cancels and leaves nothing behind)
  datasets list | show ID | delete ID
  datasets download [--url U] [--md5 M] [import settings, below]
                          download aclImdb (resumable, checked) and import it
  vectors inspect FILE [--member M]      format, header, count, dim, problems by line
  vectors fix-header FILE [--out OUT] [--remove] [--drop-bad-lines] [--member M]
                          write (or remove) the COUNT DIM header word2vec readers need
  vectors add FILE [--member M] | list | delete ID
  vectors coverage ID --dataset ID [--case-sensitive] [--oov zeros|random] [--seed S]
                          build the embedding matrix for a dataset; report coverage
  presets list            the model presets and what they reproduce
  train --dataset ID --preset NAME [--set key=value ...] [--vectors ID]
        [--backend auto|cuda|tensorflow|wasm|cpu] [--name N] [--repeat N]
                          train a model (progress on stderr; Ctrl+C cancels, runs resume resumes);
                          --repeat N trains N runs with consecutive seeds as one group;
                          --preset auto [--set budgetMinutes=5] searches models and settings
                          in that time on the validation split and tests the best
  sweep --dataset ID --preset NAME --grid key=a,b [--grid key=c,d ...] [train options]
                          one run per combination (lists: --grid filterSizes=3,4;2,3), one group,
                          ranked by test accuracy
  sweep --dataset ID --preset NAME --random N --range key=min:max[:log] [--range key=a,b ...]
        [--seed S] [train options]
                          N runs drawn from the ranges (log-uniform with :log, whole numbers for
                          integer fields) or choices; --grid and --random are exclusive
${runsUsage}
  queue list | move ID POS | cancel ID
                          runs waiting to train (the app starts them N at a time)
  score --run ID --input PATH [--format folder|delimited|fasttext] [--text-column C] [--id-column C]
        [--label-column C] [--ext .txt ...] [--label-map 1=neg,2=pos] [--out FILE.csv|FILE.jsonl]
        [--backend cuda|tensorflow|wasm|cpu]
  score --run ID --dataset ID [--split test]
                          score reviews with a run's model; evaluate when they carry labels
  predict --run ID --text "..." [--explain]
                          one text's label and probabilities (--explain: each word's weight)
  scores list [--run ID] | show ID | export ID --out F | delete ID

Options for every command:
  --json                  print one JSON document on stdout (progress goes to stderr)
  --data-dir DIR          data directory (default: $SENTIMENT_STUDIO_DATA_DIR or the app's own)
  -h, --help              this help

${importUsage}`

const common = {
  json: { type: 'boolean', default: false },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const

const commandOptions = {
  info: {},
  serve: {
    port: { type: 'string', default: '5757' },
    host: { type: 'string', default: '127.0.0.1' },
    'allow-path': { type: 'string', multiple: true },
    'allow-local-downloads': { type: 'boolean', default: false },
  },
  import: importOptions,
  datasets: datasetsOptions,
  vectors: vectorsOptions,
  presets: {},
  train: trainOptions,
  sweep: sweepOptions,
  runs: runsOptions,
  queue: {},
  score: scoreOptions,
  predict: predictOptions,
  scores: scoresOptions,
} as const

/** Commands that take positional arguments. */
const takesPositionals: readonly CommandName[] = ['datasets', 'vectors', 'presets', 'runs', 'queue', 'scores']

type CommandName = keyof typeof commandOptions

/** The data directory of this run, once known, for naming the database in system errors. */
let dataDir: string | undefined
/** Why the history was opened read-only, which is also why a command that writes fails. */
let readOnly: string | null = null

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${usage}\n`)
    return command ? 0 : 2
  }
  if (!Object.hasOwn(commandOptions, command))
    throw new UsageError(`Unknown command "${command}". Run with --help for the list.`)
  const name = command as CommandName
  let parsed
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...common, ...commandOptions[name] },
      allowPositionals: takesPositionals.includes(name),
      strict: true,
    })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  const values = parsed.values as Record<string, string | string[] | boolean | undefined>
  if (values.help) {
    process.stdout.write(`${usage}\n`)
    return 0
  }
  const out = createOutput(values.json === true)
  dataDir = resolveDataDir(values['data-dir'] as string | undefined)
  const context: AppContext =
    name === 'serve'
      ? openContext(values['data-dir'] as string | undefined, 'serve', servePolicy(values))
      : openContext(values['data-dir'] as string | undefined, 'cli')
  readOnly = context.readOnly
  try {
    switch (name) {
      case 'info':
        return (await infoCommand(context, out), 0)
      case 'serve':
        return (await serveCommand(context, out, { host: values.host as string, port: values.port as string }), 0)
      case 'import':
        return (await importCommand(context, out, values), 0)
      case 'datasets':
        return (await datasetsCommand(context, out, parsed.positionals, values), 0)
      case 'vectors':
        return (await vectorsCommand(context, out, parsed.positionals, values), 0)
      case 'presets':
        return (await presetsCommand(out, parsed.positionals), 0)
      case 'train':
        return (await trainCommand(context, out, values), 0)
      case 'sweep':
        return (await sweepCommand(context, out, values), 0)
      case 'runs':
        return (await runsCommand(context, out, parsed.positionals, values), 0)
      case 'queue':
        return (await queueCommand(context, out, parsed.positionals), 0)
      case 'score':
        return (await scoreCommand(context, out, values), 0)
      case 'predict':
        return (await predictCommand(context, out, values), 0)
      case 'scores':
        return (await scoresCommand(context, out, parsed.positionals, values), 0)
    }
  } finally {
    await context.close()
  }
}

/**
 * Exits once stdout and stderr have handed everything to the OS: `process.exit` alone cuts what is
 * still queued for a slow reader's pipe (at 64 KiB).
 */
function exitWhenFlushed(code: number): void {
  process.exitCode = code
  let pending = 2
  const done = () => --pending === 0 && process.exit(code)
  process.stdout.write('', done)
  process.stderr.write('', done)
}

let failed = false
/** Every failure, thrown or escaped from an event handler, ends the command with one line. */
function fail(err: unknown): void {
  if (failed) return
  failed = true
  const readOnlyWrite = readOnly && err instanceof Error && 'code' in err && err.code === 'SQLITE_READONLY'
  const message =
    (readOnlyWrite ? readOnly : null) ??
    describeSystemError(err, dataDir ? dataPaths(dataDir).db : undefined) ??
    (err instanceof Error ? err.message : String(err)).split('\n')[0]
  process.stderr.write(`Error: ${message}\n`)
  exitWhenFlushed(err instanceof UsageError ? 2 : 1)
}
process.on('uncaughtException', fail)
process.on('unhandledRejection', fail)

main(process.argv.slice(2)).then(exitWhenFlushed, fail)
