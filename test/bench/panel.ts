/**
 * The panel in Chromium against the headless server: time to the first rows
 * with 100,000 jobs stored, and the renderer main thread's work per frame
 * while as many jobs as may run at once report progress, read from a Chrome
 * trace rather than from rAF deltas, which never go below the 16.7 ms vsync
 * whatever the page costs.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Page } from 'playwright-core'
import { startHeadless } from '../../src/main/headless/start-server'
import { resolveWorkerEntry } from '../../src/main/headless/worker-entry'
import { MAX_CONCURRENCY } from '../../src/shared/job'
import { percentile, until } from './wait'

const ROOT = join(import.meta.dirname, '..', '..')
const WORKER = resolveWorkerEntry(join(ROOT, 'src', 'main', 'headless'))
const TRACE_MS = 3000
/** One vsync at 60 Hz, in the trace's microseconds. */
const FRAME_US = 1_000_000 / 60
const START_MARK = 'offload-bench-start'
const END_MARK = 'offload-bench-end'

export interface PanelFigures {
  firstRowsMs: number
  /** Wall-clock time the renderer main thread spent in tasks, per 16.7 ms window: what holds a frame up. */
  frameWorkP95Ms: number
  frameWorkP50Ms: number
  /**
   * The same, counting the thread's CPU time only: on a loaded machine a task's
   * wall time includes time the OS gave to other processes (the workers among
   * them), so this is the panel's own cost.
   */
  frameCpuP95Ms: number
  /** Tasks over 50 ms while tracing, as the page's PerformanceObserver saw them. */
  longTasks: number
  /** Long Animation Frames (over 50 ms) while tracing; null where this Chromium lacks the API. */
  longAnimationFrames: number | null
  /** Jobs running, so reporting progress, when the trace ended. */
  reporting: number
}

interface TraceEvent {
  name: string
  ph: string
  pid: number
  tid: number
  ts: number
  dur?: number
  tdur?: number
  args?: { name?: string }
}

// Strings, not functions: the TypeScript loader would wrap a function with helpers the page lacks.
// Installed before the page's own scripts so that no entry is missed, whatever the buffering of each type;
// a block, so that its names stay out of the page's globals.
const OBSERVE_LONG_ENTRIES = `{
  window.__offloadLong = { longtask: [], 'long-animation-frame': null }
  const observe = (type, starts) =>
    new PerformanceObserver((list) => { for (const e of list.getEntries()) starts.push(e.startTime) }).observe({ type, buffered: true })
  observe('longtask', window.__offloadLong.longtask)
  if (PerformanceObserver.supportedEntryTypes.includes('long-animation-frame')) observe('long-animation-frame', (window.__offloadLong['long-animation-frame'] = []))
}`
const countLongEntries = (from: number, to: number): string => `(() => {
  const count = (starts) => starts && starts.filter((t) => t >= ${from} && t < ${to}).length
  return { longTasks: count(window.__offloadLong.longtask), longAnimationFrames: count(window.__offloadLong['long-animation-frame']) }
})()`

/**
 * Sums the renderer main thread's top-level tasks over consecutive 16.7 ms
 * windows between the two marks, splitting a task across the windows it spans.
 * Fixed windows rather than the trace's BeginMainThreadFrame events: the panel
 * only renders when something changed, a few times a second as progress
 * batches arrive, so the frames that happen are too few and irregular to be
 * the unit, and work that delays a frame that never got started would be
 * counted nowhere. A window is the budget one frame at 60 Hz would have had.
 * The top-level task is 'RunTask' (category disabled-by-default-devtools.timeline):
 * the event DevTools draws as a task, which encloses
 * ThreadControllerImpl::RunTask and the microtask checkpoint after it, and
 * the one long tasks are measured on.
 */
function workPerFrame(trace: Buffer): { wallMs: number[]; cpuMs: number[] } {
  const events = (JSON.parse(trace.toString('utf8')) as { traceEvents: TraceEvent[] }).traceEvents
  const mark = (name: string): TraceEvent => {
    const found = events.find((e) => e.name === name)
    if (!found) throw new Error(`The trace lacks the mark ${name}`)
    return found
  }
  const start = mark(START_MARK)
  const end = mark(END_MARK)
  const thread = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.pid === start.pid && e.tid === start.tid)
  if (thread?.args?.name !== 'CrRendererMain') throw new Error(`The marks are on ${thread?.args?.name ?? 'an unnamed thread'}, not CrRendererMain`)
  const windows = Math.floor((end.ts - start.ts) / FRAME_US)
  const wall = new Array<number>(windows).fill(0)
  const cpu = new Array<number>(windows).fill(0)
  for (const task of events) {
    if (task.name !== 'RunTask' || task.ph !== 'X' || task.pid !== start.pid || task.tid !== start.tid || !task.dur) continue
    const from = Math.max(task.ts, start.ts)
    const to = Math.min(task.ts + task.dur, start.ts + windows * FRAME_US)
    // CPU time has no timestamps of its own inside a task: spread it as the wall time is.
    const cpuPerUs = (task.tdur ?? task.dur) / task.dur
    for (let w = Math.floor((from - start.ts) / FRAME_US); w < windows && start.ts + w * FRAME_US < to; w++) {
      const overlap = Math.min(to, start.ts + (w + 1) * FRAME_US) - Math.max(from, start.ts + w * FRAME_US)
      if (overlap <= 0) continue
      wall[w]! += overlap / 1000
      cpu[w]! += (overlap * cpuPerUs) / 1000
    }
  }
  return { wallMs: wall.sort((a, b) => a - b), cpuMs: cpu.sort((a, b) => a - b) }
}

/**
 * The page's clock when the first row entered the document: an observer in
 * the page notes it, since reading the clock after Playwright has seen the
 * row adds its polling and two round trips (100-300 ms on a loaded machine).
 */
const NOTE_FIRST_ROW = `new MutationObserver((_, observer) => {
  if (!document.querySelector('[data-job-id]')) return
  window.__offloadFirstRowMs = performance.now()
  observer.disconnect()
}).observe(document, { subtree: true, childList: true })`

/** Opens the panel and waits for its first rows: the time from navigation to those rows. */
async function openPanel(page: Page, server: { info: { url: string; token: string } }): Promise<number> {
  await page.addInitScript(NOTE_FIRST_ROW)
  // Not waiting for "load": twice in a loaded run it never came within 30 s though the panel had drawn its rows.
  await page.goto(`${server.info.url}/?token=${server.info.token}`, { waitUntil: 'commit' })
  await page.waitForSelector('[data-job-id]')
  return page.evaluate<number>('window.__offloadFirstRowMs')
}

/** `progressJobs` 0 leaves the same jobs queued behind a paused engine: the idle panel, the floor of the measurement. */
export async function panelBench(progressJobs = MAX_CONCURRENCY): Promise<PanelFigures> {
  const dirs: string[] = []
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  })
  const serve = async (concurrency: number) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'offload-bench-ui-'))
    dirs.push(dataDir)
    cpSync(join(ROOT, 'test', 'fixtures', 'kinds', 'sleep.mjs'), join(dataDir, 'kinds', 'sleep.mjs'))
    return startHeadless({ dataDir, port: 0, worker: WORKER, rendererDir: join(ROOT, 'out', 'renderer'), engine: { concurrency } })
  }
  try {
    const big = await serve(1)
    big.host.engine.pause()
    for (let i = 0; i < 10; i++)
      big.host.api.createJobs({ jobs: Array.from({ length: 10_000 }, (_, j) => ({ kind: 'sleep', name: `job ${i * 10_000 + j}`, params: { ms: 1 } })) })
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    const firstRowsMs = await openPanel(page, big)
    await page.close()
    await big.stop(0)

    const busy = await serve(Math.max(1, progressJobs))
    if (progressJobs === 0) busy.host.engine.pause()
    busy.host.api.createJobs({ jobs: Array.from({ length: 200 }, (_, i) => ({ kind: 'sleep', name: `progress ${i}`, params: { ms: 20_000 } })) })
    await until(() => busy.host.engine.stats().counts.running === progressJobs)
    const live = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    await live.addInitScript(OBSERVE_LONG_ENTRIES)
    await openPanel(live, busy)
    await browser.startTracing(live, { categories: ['disabled-by-default-devtools.timeline', 'blink.user_timing'] })
    // Marked from the page, after tracing began: the marks name the renderer's main thread, and a task
    // already running when tracing began (its start unrecorded) has ended before the first mark.
    const from = await live.evaluate<number>(`performance.mark('${START_MARK}').startTime`)
    await new Promise((resolve) => setTimeout(resolve, TRACE_MS))
    const to = await live.evaluate<number>(`performance.mark('${END_MARK}').startTime`)
    const trace = await browser.stopTracing()
    const reporting = busy.host.engine.stats().counts.running
    const long = await live.evaluate<{ longTasks: number; longAnimationFrames: number | null }>(countLongEntries(from, to))
    await live.close()
    await busy.stop(0)
    const { wallMs, cpuMs } = workPerFrame(trace)
    return {
      firstRowsMs,
      frameWorkP95Ms: percentile(wallMs, 0.95),
      frameWorkP50Ms: percentile(wallMs, 0.5),
      frameCpuP95Ms: percentile(cpuMs, 0.95),
      ...long,
      reporting,
    }
  } finally {
    await browser.close()
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  }
}
