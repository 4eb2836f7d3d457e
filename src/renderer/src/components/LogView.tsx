import { useEffect, useLayoutEffect, useRef, useState } from 'react'
import type { LogLine } from '../../../shared/job'

/** Within this many pixels of the bottom counts as "at the end": the view keeps following. */
const FOLLOW_SLACK_PX = 24

/**
 * A job's log: follows new lines while you are at the end, stops following
 * when you scroll up to read, and says how many earlier lines were not kept
 * (the store keeps a job's newest 2,000). It scrolls itself only, never the
 * pane around it.
 */
export function LogView({ lines, name, finished }: { lines: LogLine[]; name: string; finished: boolean }) {
  const box = useRef<HTMLDivElement>(null)
  const [following, setFollowing] = useState(true)
  // The first kept line's number says how many came before it.
  const dropped = lines.length > 0 ? lines[0]!.seq - 1 : 0

  useLayoutEffect(() => {
    const el = box.current
    if (el && following) el.scrollTop = el.scrollHeight
  }, [lines, following])

  useEffect(() => {
    const el = box.current
    if (!el) return
    const onScroll = (): void => setFollowing(el.scrollHeight - el.scrollTop - el.clientHeight <= FOLLOW_SLACK_PX)
    el.addEventListener('scroll', onScroll, { passive: true })
    return () => el.removeEventListener('scroll', onScroll)
  }, [])

  const download = (): void => {
    const url = URL.createObjectURL(new Blob([lines.map((l) => `${l.at} ${l.line}\n`).join('')], { type: 'text/plain' }))
    const link = document.createElement('a')
    link.href = url
    link.download = `${name.replace(/[^\w.-]+/g, '_').slice(0, 80) || 'job'}.log`
    link.click()
    URL.revokeObjectURL(url)
  }

  return (
    <div className="log-view">
      <div className="log-tools">
        {dropped > 0 && <span className="muted">{dropped.toLocaleString()} earlier lines not kept</span>}
        {!following && (
          <button type="button" className="link" onClick={() => setFollowing(true)}>
            Follow the end
          </button>
        )}
        <button type="button" className="link" disabled={lines.length === 0} onClick={download}>
          Download log
        </button>
      </div>
      <div className="log" role="log" aria-label={`Log of ${name}`} data-testid="job-log" data-following={following} ref={box} tabIndex={0} aria-live="off">
        {lines.length === 0 ? <p className="muted">{finished ? 'No output.' : 'No output yet.'}</p> : lines.map((l) => <div key={l.seq}>{l.line}</div>)}
      </div>
    </div>
  )
}
