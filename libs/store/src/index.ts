export { HardlinkStore, DEFAULT_SHARED_FOLDER_THRESHOLD, type StoreOptions, type Durability, type SnapshotRef, type SnapshotMeta, type BeginSnapshotOptions, type CleanReport } from './hardlink-store.js';
export { SnapshotWriter, type AddFileResult, type CommitInfo, type SharedFolderStats } from './snapshot-writer.js';
export { treeHash, treeHashEntry, type TreeHashEntry } from './tree-hash.js';
export { FolderBuilder, type ClosedFolder, type FolderChild, type FolderInfo, type SharedLink, type CloseDecision } from './folder-builder.js';
export { sharedFolderRel, sharedLinkTarget, parseSharedLinkTarget, TREES_FILE } from './shared-folders.js';
export { Pool, type FaultPoint, type FaultHook, type PoolOptions, type IngestResult } from './pool.js';
export { EMPTY_SHA256, makeEntry, entrySegments, entryDiskPath, readManifestFile, type ManifestEntry, type EntryType, type EntryMeta } from './manifest.js';
export { encodeName, encodePath, displayPath, needsEncoding, isLinuxSafeName, comparePaths, compareNames, ESCAPE_PREFIX, META_DIR } from './name-codec.js';
export { restoreSnapshot, type RestoreOptions, type RestoreReport } from './restore.js';
export { quarantinePoolContent, healQuarantinedContent, quarantinedCopies, quarantinedSha256, type QuarantinedContent, type HealReport } from './pool-quarantine.js';
export {
  fsck,
  gc,
  verify,
  rebuildRecords,
  walkPool,
  walkSharedFolders,
  type SharedFolderItem,
  type FsckReport,
  type FsckIssue,
  type FsckIssueKind,
  type GcReport,
  type GcOptions,
  type VerifyOptions,
  type VerifyReport,
  type CorruptPoolFile,
  type SnapshotRecord,
} from './maintenance.js';
export { FORMAT_NAME, FORMAT_VERSION, type StoreFormat } from './format.js';
export { StoreError, type StoreErrorCode } from './store.errors.js';
