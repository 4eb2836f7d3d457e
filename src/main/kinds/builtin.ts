import { hashFilesKind } from './hash-files'
import type { JobKind } from './kind'
import { shellKind } from './shell'
import { thumbnailsKind } from './thumbnails'

export const BUILTIN_KINDS: readonly JobKind[] = [shellKind, hashFilesKind, thumbnailsKind]
