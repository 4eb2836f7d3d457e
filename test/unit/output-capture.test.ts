import { afterEach, describe, expect, it } from 'vitest'
import { formatOutputMarker, splitOutputMarker } from '../../src/main/common/output-markers'
import { OutputCapture, type OutputSink } from '../../src/main/worker/output-capture'

// Put back as they were, on the same objects: no `this` goes astray.
// eslint-disable-next-line @typescript-eslint/unbound-method
const realStdout = process.stdout.write
// eslint-disable-next-line @typescript-eslint/unbound-method
const realStderr = process.stderr.write
afterEach(() => {
  process.stdout.write = realStdout
  process.stderr.write = realStderr
})

function sink(): OutputSink & { lines: string[]; open: boolean } {
  const lines: string[] = []
  return { lines, open: true, line: (text) => void lines.push(text) }
}

describe('what a job writes to stdout and stderr', () => {
  it('becomes its log lines, partial lines joined, the last one flushed at the end', async () => {
    const job = sink()
    const capture = new OutputCapture(() => job)
    process.stdout.write('one\n')
    process.stdout.write('two\r\nthr')
    process.stdout.write(Buffer.from('ee\nfo'))
    process.stderr.write('err\n')
    const callback = new Promise((resolve) => process.stdout.write('ur', resolve))
    await callback
    capture.flush(job)
    expect(job.lines).toEqual(['one', 'two', 'three', 'err', 'four'])
  })

  it('goes to the real stream when no job is running, or the job has ended', () => {
    const written: string[] = []
    process.stdout.write = (chunk: string) => written.push(chunk) > 0
    const job = sink()
    let current: OutputSink | undefined
    const capture = new OutputCapture(() => current)
    process.stdout.write('between jobs\n')
    current = job
    process.stdout.write('during\n')
    job.open = false
    process.stdout.write('after it ended\n')
    capture.writeRaw('stdout', 'marker\n')
    expect(job.lines).toEqual(['during'])
    expect(written).toEqual(['between jobs\n', 'after it ended\n', 'marker\n'])
  })
})

describe('output markers on the worker’s streams', () => {
  it('are found on a line of their own, or glued to a child’s last words that had no newline', () => {
    const marker = formatOutputMarker({ edge: 'end', jobId: 'JOB1' }).trimEnd()
    expect(splitOutputMarker(marker)).toEqual({ text: undefined, marker: { edge: 'end', jobId: 'JOB1' } })
    expect(splitOutputMarker(`done${marker}`)).toEqual({ text: 'done', marker: { edge: 'end', jobId: 'JOB1' } })
    expect(splitOutputMarker('plain output')).toEqual({ text: 'plain output', marker: undefined })
  })
})
