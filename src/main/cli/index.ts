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
async function serve(args: string[]): Promise<'serving'> {
  const here = import.meta.dirname
  const entry = import.meta.filename.endsWith('.ts') ? join(here, '..', 'headless', 'serve.ts') : join(here, 'headless.js')
  process.argv = [process.argv[0]!, entry, ...args]
  await import(pathToFileURL(entry).href)
  return 'serving'
}

async function main(argv: string[]): Promise<number | 'serving'> {
  if (argv[0] === 'serve') return serve(argv.slice(1))
  // What follows `--` after `add` is a command to run, never the add command's own flags.
  const dashes = argv.indexOf('--')
  const before = dashes >= 0 ? argv.slice(0, dashes) : argv
  const afterDashes = dashes >= 0 && before.includes('add') ? argv.slice(dashes + 1) : undefined
  let exit: ExitCode = EXIT.ok
  const io = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), folders: dataFolders(process.env, homedir()) }
  const program = buildProgram(io, afterDashes, (code) => (exit = code))
  try {
    await program.parseAsync(afterDashes ? before : argv, { from: 'user' })
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
