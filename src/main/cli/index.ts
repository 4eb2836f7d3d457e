import { spawn } from 'node:child_process'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { CommanderError } from 'commander'
import { CliError, EXIT, type ExitCode } from './errors'
import { buildProgram } from './program'
import { dataFolders } from './folders'

/** `offload serve …` is the headless server itself, in a process of its own, with its own flags and help. */
function serve(args: string[]): Promise<number> {
  const here = import.meta.dirname
  const fromSource = import.meta.filename.endsWith('.ts')
  const entry = fromSource ? ['--import', 'tsx', join(here, '..', 'headless', 'serve.ts')] : [join(here, 'headless.js')]
  const child = spawn(process.execPath, [...entry, ...args], { stdio: 'inherit' })
  // Ctrl+C reaches the server through the terminal's process group; a TERM sent to us is passed on.
  process.on('SIGTERM', () => child.kill('SIGTERM'))
  process.on('SIGINT', () => undefined)
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))))
}

async function main(argv: string[]): Promise<number> {
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
// Output to a pipe is written asynchronously: exit once it has drained.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)))
