import type { Entry, ZipFile } from 'yauzl'
import { decodeEntities } from './markup'

/** The document properties part is a few hundred bytes; anything past this is not a title worth reading. */
const MAX_CORE_BYTES = 64 * 1024

async function coreProperties(data: Buffer): Promise<string | null> {
  const { default: yauzl } = await import('yauzl')
  const zip = await new Promise<ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(data, { lazyEntries: true }, (error, opened) => (error ? reject(error) : resolve(opened))),
  )
  try {
    const entry = await new Promise<Entry | null>((resolve, reject) => {
      zip.on('entry', (e: Entry) => (e.fileName === 'docProps/core.xml' ? resolve(e) : zip.readEntry()))
      zip.on('end', () => resolve(null))
      zip.on('error', reject)
      zip.readEntry()
    })
    if (!entry || entry.uncompressedSize > MAX_CORE_BYTES) return null
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
      zip.openReadStream(entry, (error, opened) => (error ? reject(error) : resolve(opened))),
    )
    const chunks: Buffer[] = []
    for await (const chunk of stream) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  } finally {
    zip.close()
  }
}

/** The title Word keeps in the file's properties (File › Info), when it has one. */
export async function docxTitle(data: Buffer): Promise<string | null> {
  const core = await coreProperties(data).catch(() => null)
  const title = core && /<dc:title(?:\s[^>]*)?>([\s\S]*?)<\/dc:title>/.exec(core)?.[1]
  const clean = title ? decodeEntities(title).replace(/\s+/g, ' ').trim() : ''
  return clean === '' ? null : clean
}
