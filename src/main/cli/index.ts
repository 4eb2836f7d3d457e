import { homedir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { CommanderError } from 'commander'
import { CliError, EXIT, type ExitCode } from './errors'
import { buildProgram } from './program'
import { dataFolders } from './folders'

/**
 * `offload serve …` becomes the headless server, in this process (its pid is
 * the one server.json names, Ctrl+C reaches it directly), with its own flags
 * and help: the server's entry reads them from process.argv.
 */
async function serve(args: string[], what: 'serve' | 'work' = 'serve'): Promise<'serving'> {
  const here = import.meta.dirname
  const entry = import.meta.filename.endsWith('.ts') ? join(here, '..', 'headless', `${what}.ts`) : join(here, `${what === 'serve' ? 'headless' : 'work'}.js`)
  process.argv = [process.argv[0]!, entry, ...args]
  await import(pathToFileURL(entry).href)
  return 'serving'
}

/** The program's own flags that take a value: they and their values come before the command's name. */
const GLOBAL_WITH_VALUE = new Set(['--url', '--token', '--data'])

/** Where the command's name is on the command line (after any global flags), or -1 if there is none. */
function commandAt(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!
    if (word === '--') return -1
    if (GLOBAL_WITH_VALUE.has(word)) i++
    else if (!word.startsWith('-')) return i
  }
  return -1
}

async function main(argv: string[]): Promise<number | 'serving'> {
  const at = commandAt(argv)
  if (argv[at] === 'serve') {
    const before = argv.slice(0, at)
    if (before.some((w) => w === '--url' || w === '--token' || w.startsWith('--url=') || w.startsWith('--token='))) {
      process.stderr.write('offload: serve runs a server; --url and --token are for reaching one\n')
      return EXIT.refused
    }
    // `offload --data d serve` means what `offload serve --data d` does.
    return serve([...before, ...argv.slice(at + 1)])
  }
  // `offload worker --redis URL` takes jobs from a shared queue, in this process, as serve does.
  if (argv[at] === 'worker') return serve([...argv.slice(0, at), ...argv.slice(at + 1)], 'work')
  // What follows the first `--` after `add` (or `schedule add`) is a command to run, never add's own flags.
  const dashes = argv.indexOf('--', at)
  const adds = argv[at] === 'add' || (argv[at] === 'schedule' && argv[at + 1] === 'add')
  const afterDashes = adds && dashes > at ? argv.slice(dashes + 1) : undefined
  const before = afterDashes ? argv.slice(0, dashes) : argv
  let exit: ExitCode = EXIT.ok
  const io = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), folders: dataFolders(process.env, homedir()) }
  const program = buildProgram(io, afterDashes, (code) => (exit = code))
  try {
    await program.parseAsync(before, { from: 'user' })
    return exit
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.refused
    if (error instanceof CliError) {
      process.stderr.write(`offload: ${error.message}\n`)
      return error.exitCode
    }
    process.stderr.write(`offload: ${error instanceof Error ? error.message : String(error)}\n`)
    return EXIT.refused
  }
}

const code = await main(process.argv.slice(2))
// Output to a pipe is written asynchronously: exit once it has drained. A server runs until it is stopped.
if (code !== 'serving') process.stdout.write('', () => process.stderr.write('', () => process.exit(code)))
