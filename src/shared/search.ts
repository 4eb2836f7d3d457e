import { z } from 'zod'

/** What the Search view, `GET /api/search` and `offload search` ask. */
export const SearchQuerySchema = z.strictObject({
  /** Words to find (FTS5 query syntax is not exposed: quotes and operators are taken as words). */
  q: z.string().trim().min(1, 'Type something to search for').max(512),
  /** Only documents under this folder (absolute); all indexed folders when absent. */
  folder: z.string().min(1).max(4096).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(20),
})
export type SearchQuery = z.input<typeof SearchQuerySchema>

/** A piece of a snippet: `match` pieces are the words that matched, to be highlighted. */
export const SnippetPartSchema = z.strictObject({ text: z.string(), match: z.boolean() })
export type SnippetPart = z.infer<typeof SnippetPartSchema>

export const SearchHitSchema = z.strictObject({
  /** Absolute path of the document. */
  path: z.string(),
  /** The indexed folder it was found under (the `folder` param of its index-documents job). */
  folder: z.string(),
  /** The document's title where it has one (HTML <title>, docx title, first markdown heading), else its file name. */
  title: z.string(),
  snippet: z.array(SnippetPartSchema),
  /** BM25 rank; lower is better, as SQLite gives it. */
  rank: z.number(),
  size: z.number().int().nonnegative(),
  modifiedAt: z.string(),
})
export type SearchHit = z.infer<typeof SearchHitSchema>

export const SearchResultSchema = z.strictObject({
  hits: z.array(SearchHitSchema),
  /** How many documents the index holds in all (in `folder` when given), so an empty result can say why. */
  indexed: z.number().int().nonnegative(),
  tookMs: z.number().nonnegative(),
})
export type SearchResult = z.infer<typeof SearchResultSchema>
