/**
 * The archive and extract kinds' work, with yazl, yauzl and tar: the kinds
 * import this lazily, inside run, so that the host starts without them. One
 * entry for both keeps a worker to one load of this folder, whichever kind
 * it runs first.
 */
export { archiveFolder } from './archive-folder'
export { extractArchive } from './extract-archive'
