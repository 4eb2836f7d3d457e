import type { SearchResult, SnippetPart } from '../../shared/search'
import { formatDuration } from './output'

const BOLD = '\x1b[1m'
const DIM = '\x1b[2m'
const INVERSE = '\x1b[7m'
const RESET = '\x1b[0m'

/** One line of text whatever the document held: line breaks and other control characters become single spaces. */
const flat = (text: string): string => text.replace(/[\p{Cc}\s]+/gu, ' ')

/** The snippet on one line, matched words in inverse bold, or `[word]` without colour (NO_COLOR, a pipe). */
export function snippetText(parts: readonly SnippetPart[], colour: boolean): string {
  return parts
    .map((p) => (p.match ? (colour ? `${INVERSE}${BOLD}${flat(p.text)}${RESET}` : `[${flat(p.text)}]`) : flat(p.text)))
    .join('')
    .trim()
}

/** What the index had to search, said for the summary: "of 12,345 documents" or, kept to a folder, "of 12 in /docs". */
function scope(result: SearchResult, folder: string | undefined): string {
  const n = `${result.indexed.toLocaleString('en')} ${result.indexed === 1 ? 'document' : 'documents'}`
  return folder === undefined ? `${n} indexed` : `${n} indexed under ${folder}`
}

/** The summary for stderr: how many hits, of how many documents, in how long; or why there are none. */
export function searchSummary(result: SearchResult, query: { q: string; folder?: string | undefined }): string {
  if (result.indexed === 0)
    return query.folder === undefined
      ? 'No documents are indexed yet — run `offload add index-documents --param folder=...`'
      : `No documents are indexed under ${query.folder} — run \`offload add index-documents --param folder=${query.folder}\``
  const took = formatDuration(result.tookMs)
  if (result.hits.length === 0) return `Nothing matches “${query.q}” (${scope(result, query.folder)}; ${took})`
  return `${result.hits.length.toLocaleString('en')} ${result.hits.length === 1 ? 'hit' : 'hits'} (${scope(result, query.folder)}; ${took})`
}

/** The hits, best first: a numbered title, the path under it, then the snippet. */
export function searchHits(result: SearchResult, colour: boolean): string[] {
  return result.hits.flatMap((hit, i) => {
    const title = `${i + 1}. ${flat(hit.title)}`
    const lines = [colour ? `${BOLD}${title}${RESET}` : title, `   ${colour ? `${DIM}${hit.path}${RESET}` : hit.path}`]
    const snippet = snippetText(hit.snippet, colour)
    return [...lines, ...(snippet ? [`   ${snippet}`] : []), '']
  })
}
