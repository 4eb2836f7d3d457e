import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { z } from 'zod'
import { defineKind, JobFailure } from './kind'
import { signalProcessGroup } from '../common/process-group'
import { existingFolder } from './path-params'

const TAIL_LINES = 20
const KILL_GRACE_MS = 2000
const PROGRESS_LINE = /^::progress\s+(\d+(?:\.\d+)?)(?:\s+(.*))?$/

export const shellKind = defineKind({
  name: 'shell',
  // A command may do anything; counting it as CPU-bound never overloads the cores.
  bound: 'cpu',
  description:
    'Runs a command. Without args the command goes through /bin/sh; with args it is run directly. ' +
    'Output lines go to the log; a line "::progress <0-100> [message]" sets progress.',
  params: z.strictObject({
    // Several lines make a script, run by /bin/sh as one.
    command: z.string().min(1).max(100_000).meta({ multiline: true }),
    args: z.array(z.string().max(100_000)).max(10_000).optional(),
    cwd: existingFolder.optional(),
    env: z.record(z.string(), z.string()).optional(),
  }),
  async run(params, ctx) {
    const child = spawn(params.command, params.args ?? [], {
      cwd: params.cwd,
      env: { ...process.env, ...params.env },
      shell: params.args === undefined,
      // Its own process group, so cancel can kill everything the command starts.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve)
      child.once('error', reject)
    })
    try {
      await spawned
    } catch (error) {
      throw new JobFailure('exit_code', `Could not start ${params.command}: ${(error as Error).message}`)
    }
    ctx.ownProcessGroup(child.pid!)

    const tail: string[] = []
    const keep = (line: string): void => {
      tail.push(line)
      if (tail.length > TAIL_LINES) tail.shift()
    }
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = PROGRESS_LINE.exec(line)
      if (match) ctx.progress(Math.min(100, Number(match[1])) / 100, match[2])
      else {
        ctx.log(line)
        keep(line)
      }
    })
    createInterface({ input: child.stderr }).on('line', (line) => {
      ctx.log(line)
      keep(line)
    })

    const killTree = (signal: NodeJS.Signals): void => signalProcessGroup(child.pid!, signal)
    let escalation: NodeJS.Timeout | undefined
    const onAbort = (): void => {
      killTree('SIGTERM')
      escalation = setTimeout(() => killTree('SIGKILL'), KILL_GRACE_MS)
    }
    ctx.signal.addEventListener('abort', onAbort, { once: true })

    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('close', (c, s) => resolve([c, s])))
    ctx.signal.removeEventListener('abort', onAbort)
    clearTimeout(escalation)
    // Whatever the command left running in its group goes with it.
    killTree('SIGKILL')

    if (ctx.signal.aborted) throw new JobFailure('cancelled', 'Stopped')
    if (code !== 0) {
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`
      throw new JobFailure('exit_code', `${params.command} ${how}`, { exitCode: code, signal, tail })
    }
    return { exitCode: 0, tail }
  },
  jobName: (params) => `shell: ${params.args ? [params.command, ...params.args].join(' ') : params.command}`,
  summary: (result) => [`Exit code ${result.exitCode}`, ...result.tail].join('\n'),
})
