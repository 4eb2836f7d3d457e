import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { descendantsOf, sweepProcesses } from '../../src/main/common/process-sweep'
import { readProcessTable } from '../../src/main/common/process-table'
import { isAlive, processesMatching, uniqueMarker, waitFor } from '../helpers'

const LIVE = 'setTimeout(() => {}, 1e9)'

/** A node process that starts `children` marked grandchildren in the ways a job might, then waits. */
function parentOf(marker: string, children: ('plain' | 'detached' | 'orphan')[]) {
  const script = `
    const { spawn } = require('node:child_process')
    const node = process.execPath
    for (const how of ${JSON.stringify(children)}) {
      if (how === 'orphan') spawn('/bin/sh', ['-c', '"$0" -e "$1" "$2" &', node, ${JSON.stringify(LIVE)}, ${JSON.stringify(marker)}], { stdio: 'ignore' })
      else spawn(node, ['-e', ${JSON.stringify(LIVE)}, ${JSON.stringify(marker)}], { stdio: 'ignore', detached: how === 'detached' })
    }
    ${LIVE}`
  const root = spawn(process.execPath, ['-e', script], { stdio: 'ignore', detached: true })
  // The root's own command line holds the marker too, and so does the shell that starts the orphan, until it exits.
  const isGrandchild = (pid: number): boolean => {
    try {
      return pid !== root.pid && readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith(process.execPath)
    } catch {
      return false
    }
  }
  return Object.assign(root, {
    marked: () => processesMatching(marker).filter((pid) => pid !== root.pid),
    grandchildren: () => processesMatching(marker).filter(isGrandchild),
  })
}

describe('sweeping what a process started', () => {
  it('reads every process with its parent and group', () => {
    const table = readProcessTable()
    expect(table.find((p) => p.pid === process.pid)).toMatchObject({ ppid: process.ppid })
  })

  it('kills children, detached ones and orphans left in the group, but not the root', async () => {
    const marker = uniqueMarker()
    const root = parentOf(marker, ['plain', 'detached', 'orphan'])
    await waitFor(() => root.grandchildren().length === 3 && root.marked().length === 3, 'three grandchildren, the shell gone')
    expect(sweepProcesses({ root: root.pid! })).toBe(3)
    expect(root.marked()).toEqual([])
    expect(isAlive(root.pid!)).toBe(true)
    expect(sweepProcesses({ root: root.pid!, includeRoot: true })).toBe(1)
    await waitFor(() => root.signalCode === 'SIGKILL', 'the root to be killed')
  })

  it('spares what it is told to, with everything under it', async () => {
    const marker = uniqueMarker()
    const root = parentOf(marker, ['plain'])
    await waitFor(() => root.marked().length === 1, 'the helper child')
    const own = descendantsOf(root.pid!)
    expect(own).toEqual(new Set(root.marked()))
    expect(sweepProcesses({ root: root.pid!, spare: own })).toBe(0)
    expect(root.marked()).toHaveLength(1)
    sweepProcesses({ root: root.pid!, includeRoot: true })
  })

  it('never turns a mistaken group into kill(-1) or into its own group', () => {
    const bystander = spawn(process.execPath, ['-e', LIVE], { stdio: 'ignore' })
    const ownGroup = readProcessTable().find((p) => p.pid === process.pid)!.pgid
    expect(sweepProcesses({ root: bystander.pid!, groups: [1, 0, -5, ownGroup] })).toBe(0)
    expect([isAlive(bystander.pid!), isAlive(process.pid)]).toEqual([true, true])
    bystander.kill('SIGKILL')
  })
})
