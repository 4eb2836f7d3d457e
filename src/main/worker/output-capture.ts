type StreamName = 'stdout' | 'stderr'
type Write = NodeJS.WriteStream['write']

export interface OutputSink {
  /** False once the job's attempt has ended: later writes go to the real stream. */
  readonly open: boolean
  line(text: string): void
}

/**
 * What JavaScript in the worker writes to process.stdout and process.stderr
 * (console.log in a kind, say) goes to the job whose code wrote it, as log
 * lines over the same channel as its outcome: never late, never in another
 * job's log. Everything else (the worker's own messages, and what the job
 * writes after it has ended) goes to the real streams, whose tail the host
 * keeps for crash reports.
 */
export class OutputCapture {
  private readonly originals: Record<StreamName, Write>
  private readonly partial = new Map<OutputSink, Record<StreamName, string>>()

  constructor(private readonly sinkNow: () => OutputSink | undefined) {
    this.originals = { stdout: process.stdout.write.bind(process.stdout), stderr: process.stderr.write.bind(process.stderr) }
    this.patch('stdout')
    this.patch('stderr')
  }

  /** Writes to the real stream, bypassing capture (for the output markers). */
  writeRaw(stream: StreamName, text: string): void {
    this.originals[stream](text)
  }

  /** A job's attempt is over: a last unfinished line becomes a line of its own. */
  flush(sink: OutputSink): void {
    const partial = this.partial.get(sink)
    this.partial.delete(sink)
    if (partial?.stdout) sink.line(partial.stdout)
    if (partial?.stderr) sink.line(partial.stderr)
  }

  private patch(stream: StreamName): void {
    const original = this.originals[stream]
    const capture = (chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
      const done = typeof encoding === 'function' ? encoding : callback
      const sink = this.sinkNow()
      if (!sink?.open) return (original as (chunk: unknown, encoding?: unknown, callback?: unknown) => boolean)(chunk, encoding, callback)
      this.take(sink, stream, chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : undefined)
      if (typeof done === 'function') process.nextTick(done)
      return true
    }
    process[stream].write = capture
  }

  private take(sink: OutputSink, stream: StreamName, chunk: unknown, encoding: BufferEncoding | undefined): void {
    const text =
      typeof chunk === 'string'
        ? encoding === undefined || encoding === 'utf8' || encoding === 'utf-8'
          ? chunk
          : Buffer.from(chunk, encoding).toString()
        : Buffer.from(chunk as Uint8Array).toString()
    let partial = this.partial.get(sink)
    if (!partial) this.partial.set(sink, (partial = { stdout: '', stderr: '' }))
    const lines = (partial[stream] + text).split('\n')
    partial[stream] = lines.pop()!
    for (const line of lines) sink.line(line.endsWith('\r') ? line.slice(0, -1) : line)
  }
}
