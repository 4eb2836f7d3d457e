import { homedir } from 'node:os'
import type { Context } from '../context'
import { CliError, EXIT, type ExitCode } from '../errors'
import { absoluteFolder } from '../folders'
import { useColour } from '../output'
import { searchHits, searchSummary } from '../search-output'
import { inFlags } from './schedule'

export interface SearchOptions {
  folder?: string
  limit?: string
  json?: boolean
}

/** The documents index searched for all the words (the last one as a prefix): ranked hits on stdout, the count on stderr. */
export async function search(ctx: Context, words: string[], options: SearchOptions): Promise<ExitCode> {
  const q = words.join(' ')
  const limit = options.limit === undefined ? undefined : Number(options.limit)
  if (limit !== undefined && !Number.isInteger(limit)) throw new CliError(`--limit: a whole number of hits, from 1 to 200, got "${options.limit}"`)
  const folder = options.folder === undefined ? undefined : absoluteFolder(options.folder, ctx.io.cwd, homedir())
  const query = { q, ...(folder === undefined ? {} : { folder }), ...(limit === undefined ? {} : { limit }) }
  const result = await ctx.api.searchDocuments(query).catch((error: unknown) => {
    throw inFlags(error, (field) => (field === 'q' ? 'words' : field === 'limit' || field === 'folder' ? `--${field}` : undefined))
  })
  if (options.json) {
    ctx.out(JSON.stringify(result, null, 2))
    return EXIT.ok
  }
  for (const line of searchHits(result, useColour(ctx.io.stdout, ctx.io.env))) ctx.out(line)
  ctx.err(searchSummary(result, { q, folder }))
  return EXIT.ok
}
