import { archiveKind } from './archive'
import { downloadKind } from './download'
import { extractKind } from './extract'
import { findDuplicatesKind } from './find-duplicates'
import { hashFilesKind } from './hash-files'
import { indexDocumentsKind } from './index-documents'
import type { JobKind } from './kind'
import { moveDuplicatesKind } from './move-duplicates'
import { shellKind } from './shell'
import { thumbnailsKind } from './thumbnails'
import { transcodeKind } from './transcode'

export const BUILTIN_KINDS: readonly JobKind[] = [
  shellKind,
  hashFilesKind,
  findDuplicatesKind,
  moveDuplicatesKind,
  indexDocumentsKind,
  thumbnailsKind,
  archiveKind,
  extractKind,
  transcodeKind,
  downloadKind,
]
