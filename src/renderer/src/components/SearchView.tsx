import { useEffect, useMemo, useRef } from 'react'
import type { SearchHit } from '../../../shared/search'
import { useTransport } from '../context'
import { resultText } from '../search-text'
import { useApp } from '../state/app-store'
import { SEARCH_LIMIT, Searcher, useSearch } from '../state/search-store'

/** The kind whose jobs fill the index. */
export const INDEX_KIND = 'index-documents'

const hitId = (index: number): string => `search-hit-${index}`

/**
 * The documents index, searched as one types: ranked hits with their
 * snippets, the matched words marked. Parts of a snippet are text nodes,
 * never markup: a document's words are not the panel's to interpret.
 */
export function SearchView({ boxRef, onIndexFolder }: { boxRef: React.RefObject<HTMLInputElement | null>; onIndexFolder: (() => void) | null }) {
  const { transport } = useTransport()
  const online = useApp((s) => s.connection === 'open')
  const searcher = useMemo(() => new Searcher(transport.api), [transport])
  const text = useSearch((s) => s.text)
  const shown = useSearch((s) => s.shown)
  const pending = useSearch((s) => s.pending)
  const error = useSearch((s) => s.error)
  const selected = useSearch((s) => s.selected)
  const list = useRef<HTMLOListElement>(null)

  useEffect(() => {
    // What the box still holds from before (another view, a lost connection) is asked again.
    if (online) searcher.refresh()
    return () => searcher.stop()
  }, [searcher, online])

  /** Moves the arrow keys' hit, and focus with it; above the first hit is the box. */
  const move = (index: number): void => {
    useSearch.getState().select(index)
    const at = useSearch.getState().selected
    if (index < 0 || at < 0) boxRef.current?.focus()
    else {
      const item = list.current?.querySelector<HTMLElement>(`#${hitId(at)}`)
      item?.focus()
      item?.scrollIntoView({ block: 'nearest' })
    }
  }

  const onBoxKey = (e: React.KeyboardEvent<HTMLInputElement>): void => {
    if (e.key === 'ArrowDown' && (shown?.result.hits.length ?? 0) > 0) {
      e.preventDefault()
      move(0)
    } else if (e.key === 'Escape' && text !== '') {
      e.preventDefault()
      searcher.type('')
    }
  }

  const result = shown?.result
  const emptyIndex = result?.indexed === 0
  return (
    <section className="search-view" aria-label="Search">
      <div className="stats-head">
        <h2>Search</h2>
        <p className="muted small">The documents index-documents jobs have read. Ctrl+K or / to search, ↑↓ through the hits.</p>
      </div>
      <div className="search-box">
        <input
          ref={boxRef}
          type="search"
          aria-label="Search documents"
          aria-describedby="search-meta"
          placeholder="Search documents…"
          autoFocus
          maxLength={512}
          value={text}
          onChange={(e) => searcher.type(e.target.value)}
          onKeyDown={onBoxKey}
        />
      </div>
      <p id="search-meta" className="muted small search-meta" role="status" aria-live="polite">
        {pending ? 'Searching…' : result && !emptyIndex ? resultText(result, SEARCH_LIMIT) : ''}
      </p>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {text.trim() === '' && !result ? (
        <p className="muted search-prompt">Type a few words: every one must be in a document, the last may be the start of a word.</p>
      ) : emptyIndex ? (
        <EmptyIndex onIndexFolder={onIndexFolder} />
      ) : result && result.hits.length === 0 ? (
        <div className="empty" role="status">
          <h2>Nothing matches “{shown?.q}”</h2>
          <p>Every word must be in a document; try fewer words, or the start of one.</p>
        </div>
      ) : (
        result && (
          <ol ref={list} className="search-hits" aria-label="Search results" aria-busy={pending}>
            {result.hits.map((hit, i) => (
              <HitItem key={hit.path} hit={hit} index={i} selected={i === selected} onMove={move} />
            ))}
          </ol>
        )
      )}
    </section>
  )
}

function EmptyIndex({ onIndexFolder }: { onIndexFolder: (() => void) | null }) {
  return (
    <div className="empty" role="status">
      <h2>No documents are indexed yet</h2>
      <p>
        Search finds words in the documents an <code>{INDEX_KIND}</code> job has read: give it a folder and it reads the text of what is in it (PDFs, Word
        documents, web pages, plain text), then keeps the index up to date each time it runs again.
      </p>
      {onIndexFolder ? (
        <button type="button" className="primary" onClick={onIndexFolder}>
          Index a folder…
        </button>
      ) : (
        <p className="hint">
          From a terminal: <code>offload add {INDEX_KIND} --param folder=…</code>
        </p>
      )}
    </div>
  )
}

function HitItem({ hit, index, selected, onMove }: { hit: SearchHit; index: number; selected: boolean; onMove: (index: number) => void }) {
  const { transport } = useTransport()
  const notify = useApp((s) => s.notify)
  const documents = transport.documents

  const act = (what: Promise<void>, done?: string): void => {
    what.then(
      () => done && notify(done),
      (error: unknown) => notify(error instanceof Error ? error.message : String(error), 'error'),
    )
  }
  const open = (): void => act(documents ? documents.open(hit.path) : navigator.clipboard.writeText(hit.path), documents ? undefined : 'Path copied')

  const onKey = (e: React.KeyboardEvent<HTMLLIElement>): void => {
    if (e.target !== e.currentTarget) return
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') onMove(index + (e.key === 'ArrowDown' ? 1 : -1))
    else if (e.key === 'Enter') open()
    else return
    e.preventDefault()
  }

  const titleId = `${hitId(index)}-title`
  return (
    <li
      id={hitId(index)}
      className={`hit ${selected ? 'selected' : ''}`}
      tabIndex={-1}
      aria-labelledby={titleId}
      onKeyDown={onKey}
      onFocus={() => useSearch.getState().select(index)}
    >
      <h3 id={titleId} className="hit-title">
        {hit.title}
      </h3>
      <p className="hit-path">{hit.path}</p>
      {hit.snippet.length > 0 && (
        <p className="hit-snippet">{hit.snippet.map((part, i) => (part.match ? <mark key={i}>{part.text}</mark> : <span key={i}>{part.text}</span>))}</p>
      )}
      <div className="hit-actions">
        {documents ? (
          <>
            <button type="button" onClick={open} aria-label={`Open ${hit.title}`}>
              Open
            </button>
            <button type="button" onClick={() => act(documents.reveal(hit.path))} aria-label={`Show in folder: ${hit.title}`}>
              Show in folder
            </button>
          </>
        ) : (
          <button type="button" onClick={open} aria-label={`Copy path of ${hit.title}`}>
            Copy path
          </button>
        )}
      </div>
    </li>
  )
}
