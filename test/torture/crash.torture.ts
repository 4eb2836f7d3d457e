/**
 * Crash torture: a headless server with a load of short shell jobs is killed
 * with SIGKILL over and over, at random moments (and sometimes right after it
 * starts, while its workers are still loading), and restarted on the same
 * data folder. Afterwards every job must have run to success exactly once,
 * except that a job the database showed running at a kill may have run again.
 *
 * Figures: rounds, jobs, lost, stuck, duplicates, overAttempts, orphans, integrity.
 */
import Database from 'better-sqlite3'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createRng,
  describeProcs,
  killEverything,
  killPids,
  kill9,
  LONG,
  longBudgetSeconds,
  mark,
  markedProcesses,
  printFigures,
  removeTempDirs,
  seedFromEnv,
  sleep,
  startServer,
  stopServer,
  TAG_ENV,
  taggedProcesses,
  tempFolder,
  waitUntil,
  type RunningServer,
} from './lib'

const CONCURRENCY = 2
const SHORT_ROUNDS = 30
/** Jobs the first batch holds; more are added whenever the queue runs low. */
const FIRST_INSTANT = 300
const FIRST_MIXED = 120
const TOP_UP_BELOW = 60
const TOP_UP_INSTANT = 200
const TOP_UP_MIXED = 50
const ORPHAN_AFTER_MS = 5000

interface Created {
  name: string
  maxAttempts: number
}

interface RunningRow {
  id: string
  started_at: number | null
  attempts: number
}

interface FinalRow {
  id: string
  name: string
  status: string
  attempts: number
  max_attempts: number
  error_code: string | null
  error_message: string | null
}

afterAll(async () => {
  await killEverything()
  removeTempDirs()
})

describe('crash torture', () => {
  it('kill -9 at random moments loses nothing, duplicates only jobs in flight, leaves no process behind', async () => {
    const began = Date.now()
    const seed = seedFromEnv()
    const rng = createRng(seed)
    const dataDir = tempFolder('crash')
    const outDir = tempFolder('crash-out')
    const dbFile = join(dataDir, 'offload.db')
    const marker = mark()
    const budgetMs = LONG ? longBudgetSeconds('crash') * 1000 : Infinity

    const created = new Map<string, Created>()
    /** Kills at which the database showed the job running with started_at set (its attempt may be charged). */
    const startedAtKills = new Map<string, number>()
    /** Kills at which the database showed the job running at all (it may have run, so it may run again). */
    const runningAtKills = new Map<string, number>()
    const integrity: string[] = []
    const orphanReports: string[] = []
    const orphanChecks: Promise<void>[] = []
    let orphans = 0
    let serial = 0
    let rounds = 0
    let earlyKills = 0
    let inFlightSeen = 0
    let maxRunningAtKill = 0
    let maxStartedAtKill = 0
    const restartMs: number[] = []
    const phantomStarts: string[] = []
    const statesAtKill: Map<string, string>[] = []
    const figures: Record<string, unknown> = { seed }

    /**
     * A block of instant jobs first (they are short enough to be pipelined: sent to a worker ahead,
     * waiting in its inbox), then a mix that sleeps before or after its side effect.
     */
    const newJobs = (instant: number, mixed: number) =>
      Array.from({ length: instant + mixed }, (_, i) => {
        const name = `j${String(++serial).padStart(5, '0')}`
        const out = join(outDir, name)
        const roll = i < instant ? 0 : rng.next()
        // Each run appends the tag of the server launch it ran under, so a duplicate shows when it ran.
        const effect = `echo "$${TAG_ENV}" >> ${out}`
        const command =
          roll < 0.3
            ? `${effect}; : ${marker}`
            : roll < 0.7
              ? `sleep 0.0${rng.int(1, 9)}; ${effect}; : ${marker}`
              : roll < 0.97
                ? `${effect}; sleep 0.${rng.int(1, 2)}; : ${marker}`
                : `sleep 0.${rng.int(4, 8)}; ${effect}; : ${marker}`
        const maxAttempts = rng.chance(0.06) ? 1 : 10
        return { kind: 'shell', name, params: { command }, maxAttempts }
      })

    const enqueue = async (server: RunningServer, instant: number, mixed: number): Promise<void> => {
      const jobs = newJobs(instant, mixed)
      const res = await server.call('POST', '/api/jobs/batch', { jobs })
      expect(res.status, `enqueue answered ${res.text}`).toBe(201)
      ;(res.body.ids as string[]).forEach((id, i) => created.set(id, { name: jobs[i]!.name, maxAttempts: jobs[i]!.maxAttempts }))
    }

    /** Server launch tag → "server N", for the evidence. */
    const launchNames = new Map<string, string>()
    const start = async () => {
      const server = await startServer(dataDir, ['--concurrency', String(CONCURRENCY)])
      launchNames.set(server.tag, `server ${launchNames.size + 1}`)
      return server
    }

    const readAtKill = (): { running: RunningRow[]; queued: number } => {
      const db = new Database(dbFile, { readonly: true, fileMustExist: true })
      try {
        const running = db.prepare(`SELECT id, started_at, attempts FROM jobs WHERE status = 'running'`).all() as RunningRow[]
        // What the database said of every unfinished job, kept for the evidence of a duplicate.
        const unfinished = db.prepare(`SELECT id, status, attempts, started_at FROM jobs WHERE status <> 'succeeded'`).all() as (RunningRow & {
          status: string
        })[]
        statesAtKill[rounds] = new Map(unfinished.map((r) => [r.id, `${r.status}${r.started_at === null ? '' : ' started'}, attempts ${r.attempts}`]))
        const queued = (db.prepare(`SELECT count(*) AS n FROM jobs WHERE status = 'queued'`).get() as { n: number }).n
        const check = (db.pragma('integrity_check', { simple: true }) as string) ?? 'no answer'
        if (check !== 'ok') integrity.push(`after kill ${rounds}: ${check}`)
        return { running, queued }
      } finally {
        db.close()
      }
    }

    const checkOrphansLater = (server: RunningServer, killedAt: number, round: number, early: boolean): void => {
      orphanChecks.push(
        (async () => {
          await sleep(Math.max(0, killedAt + ORPHAN_AFTER_MS - Date.now()))
          const left = taggedProcesses(server.tag)
          if (left.length === 0) return
          orphans += left.length
          orphanReports.push(
            `round ${round} (${early ? 'killed right after start' : 'killed mid-run'}), ${ORPHAN_AFTER_MS / 1000} s after kill -9 of pid ${server.child.pid}:\n${describeProcs(left)}`,
          )
          // Recorded; now out of the way so later rounds count their own.
          killPids(left.map((p) => p.pid))
        })(),
      )
    }

    let server = await start()
    await enqueue(server, FIRST_INSTANT, FIRST_MIXED)
    try {
      for (;;) {
        if (LONG ? Date.now() - began > budgetMs : rounds >= SHORT_ROUNDS) break
        rounds++
        // About one round in five kills the server right after it starts, while its workers load.
        const early = rounds % 5 === 3
        await sleep(early ? rng.int(0, 50) : rng.int(50, 1500))
        const killedAt = Date.now()
        await kill9(server)
        if (early) earlyKills++
        const { running, queued } = readAtKill()
        maxRunningAtKill = Math.max(maxRunningAtKill, running.length)
        const shownStarted = running.filter((r) => r.started_at !== null)
        maxStartedAtKill = Math.max(maxStartedAtKill, shownStarted.length)
        // Each worker executes one job at a time; with one more finished but not yet recorded, no more
        // than two per worker can have begun. More "started" rows are jobs merely waiting in a
        // worker's inbox, and the restart would charge them an attempt they never used.
        if (shownStarted.length > 2 * CONCURRENCY) {
          phantomStarts.push(
            `kill ${rounds}: ${shownStarted.length} jobs shown running with started_at set on ${CONCURRENCY} workers (${running.length} running in all)`,
          )
        }
        inFlightSeen += running.length
        for (const row of running) {
          runningAtKills.set(row.id, (runningAtKills.get(row.id) ?? 0) + 1)
          if (row.started_at !== null) startedAtKills.set(row.id, (startedAtKills.get(row.id) ?? 0) + 1)
        }
        checkOrphansLater(server, killedAt, rounds, early)
        const restarting = Date.now()
        server = await start()
        restartMs.push(Date.now() - restarting)
        if (queued < TOP_UP_BELOW) await enqueue(server, TOP_UP_INSTANT, TOP_UP_MIXED)
      }

      // Drain: everything must finish on the last server.
      const drainMs = LONG ? 600_000 : 120_000
      const drainStart = Date.now()
      let last: any
      const drained = await waitUntil(
        async () => {
          last = (await server.call('GET', '/api/stats')).body
          return last?.counts && last.counts.queued === 0 && last.counts.running === 0
        },
        () => `the queue to drain (stats: ${JSON.stringify(last?.counts)})`,
        drainMs,
        250,
      ).catch((error: Error) => error)
      figures.drainError = drained instanceof Error ? drained.message : undefined
      const drainSeconds = Math.round((Date.now() - drainStart) / 1000)
      const stopCode = await stopServer(server)
      expect.soft(stopCode, `the last server's exit code after SIGTERM; output:\n${server.output().slice(-2000)}`).toBe(0)
      checkOrphansLater(server, Date.now(), rounds + 1, false)
      await Promise.all(orphanChecks)
      const strays = markedProcesses(marker)
      if (strays.length > 0) {
        orphans += strays.length
        orphanReports.push(`job processes still alive at the end:\n${describeProcs(strays)}`)
        killPids(strays.map((p) => p.pid))
      }

      // ── The verdict, from the database and the side-effect files ──
      const db = new Database(dbFile, { readonly: true, fileMustExist: true })
      const rows = new Map(
        (db.prepare(`SELECT id, name, status, attempts, max_attempts, error_code, error_message FROM jobs`).all() as FinalRow[]).map((r) => [r.id, r]),
      )
      const finalCheck = db.pragma('integrity_check', { simple: true }) as string
      const logsStmt = db.prepare(`SELECT line FROM job_logs WHERE job_id = ? ORDER BY seq`).pluck()
      const logsOf = (id: string): string => JSON.stringify((logsStmt.all(id) as string[]).slice(-6))
      if (finalCheck !== 'ok') integrity.push(`at the end: ${finalCheck}`)

      // (the database stays open for the evidence below)
      const lost: string[] = []
      const stuck: string[] = []
      const duplicates: string[] = []
      const overAttempts: string[] = []
      let allowedInterrupted = 0
      for (const [id, job] of created) {
        const row = rows.get(id)
        const started = startedAtKills.get(id) ?? 0
        const inFlight = runningAtKills.get(id) ?? 0
        const file = join(outDir, job.name)
        const ranUnder = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []
        const runs = ranUnder.length
        // Server N ends at kill N: what the database showed of this job there.
        const launches = ranUnder
          .map((tag) => {
            const n = Number(launchNames.get(tag)?.split(' ')[1])
            const state = n <= rounds ? `; at kill ${n} the database said ${statesAtKill[n]?.get(id) ?? 'succeeded'}` : ' (the last server)'
            return `${launchNames.get(tag) ?? tag}${state}`
          })
          .join('; ')
        if (!row) {
          lost.push(`${job.name} ${id}: missing from the database`)
          continue
        }
        if (row.status === 'queued' || row.status === 'running') stuck.push(`${job.name} ${id}: ${row.status} (attempts ${row.attempts})`)
        else if (row.status === 'succeeded') {
          if (runs === 0) lost.push(`${job.name} ${id}: succeeded but its command never ran`)
        } else if (row.status === 'failed' && row.error_code === 'interrupted' && started >= row.max_attempts) {
          allowedInterrupted++
        } else {
          lost.push(
            `${job.name} ${id}: ${row.status} (${row.error_code}: ${row.error_message}), attempts ${row.attempts}/${row.max_attempts}, ` +
              `seen running at ${inFlight} kill(s), ${started} with started_at set; ran ${runs} time(s); log ${logsOf(id)}`,
          )
        }
        if (runs > 1 + inFlight) {
          duplicates.push(
            `${job.name} ${id}: ran ${runs} times (under ${launches}), seen running at ${inFlight} kill(s); now ${row.status}, attempts ${row.attempts}, log ${logsOf(id)}`,
          )
        }
        if (row.attempts > 1 + started) overAttempts.push(`${job.name} ${id}: ${row.attempts} attempts, seen started at ${started} kill(s)`)
      }

      db.close()
      Object.assign(figures, {
        rounds,
        earlyKills,
        jobs: created.size,
        lost: lost.length,
        stuck: stuck.length,
        duplicates: duplicates.length,
        overAttempts: overAttempts.length,
        phantomStarts: phantomStarts.length,
        orphans,
        integrity: integrity.length === 0 ? 'ok' : integrity[0],
        inFlightAtKills: inFlightSeen,
        maxRunningAtKill,
        maxStartedAtKill,
        interruptedAllowed: allowedInterrupted,
        restartMsMedian: restartMs.sort((a, b) => a - b)[Math.floor(restartMs.length / 2)],
        drainSeconds,
        seconds: Math.round((Date.now() - began) / 1000),
      })
      const sample = (list: string[]) => list.slice(0, 12).join('\n') + (list.length > 12 ? `\n… and ${list.length - 12} more` : '')
      expect.soft(figures.drainError, 'the queue drains on the last server').toBeUndefined()
      expect.soft(lost.length, `lost jobs (seed ${seed}):\n${sample(lost)}`).toBe(0)
      expect.soft(stuck.length, `stuck jobs (seed ${seed}):\n${sample(stuck)}`).toBe(0)
      expect.soft(duplicates.length, `duplicate runs of jobs not in flight (seed ${seed}):\n${sample(duplicates)}`).toBe(0)
      expect.soft(overAttempts.length, `attempts charged beyond 1 + kills seen started (seed ${seed}):\n${sample(overAttempts)}`).toBe(0)
      expect
        .soft(
          phantomStarts.length,
          `kills at which more jobs were shown started than ${CONCURRENCY} workers can have begun (seed ${seed}):\n${sample(phantomStarts)}`,
        )
        .toBe(0)
      expect.soft(orphans, `processes alive ${ORPHAN_AFTER_MS / 1000} s after a kill -9 (seed ${seed}):\n${orphanReports.slice(0, 6).join('\n\n')}`).toBe(0)
      expect.soft(integrity, 'PRAGMA integrity_check after every kill').toEqual([])
      expect(rounds).toBeGreaterThan(0)
      expect(inFlightSeen, 'kills landed while jobs were running (otherwise this proves little)').toBeGreaterThan(0)
    } finally {
      printFigures('crash', figures)
    }
  })
})
