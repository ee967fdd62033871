import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import type { BrowseEntry, EntrySort, Snapshot } from '@backtrac/catalog';
import { ARCHIVE_FORMATS, type ArchiveFormat } from './archive-writer.js';
import { MAX_BROWSE_PATH } from './browse-path.js';

const SORTS: readonly EntrySort[] = ['name', 'size', 'mtime'];
const ENTRY_TYPES = ['file', 'dir', 'symlink'] as const;
const PATH_DESCRIPTION = 'Relative to the snapshot root, "/"-separated; the first component is the share name';

export class SnapshotDto {
  @ApiProperty() seq!: number;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) runId!: string | null;
  @ApiProperty({ enum: ['full', 'incremental'] }) kind!: 'full' | 'incremental';
  @ApiProperty({ description: 'Some files could not be read; the snapshot is complete for what it lists' }) partial!: boolean;
  @ApiProperty() fileCount!: number;
  @ApiProperty() totalBytes!: number;
  @ApiProperty({ description: 'Pinned snapshots are never pruned by retention' }) pinned!: boolean;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() completedAt!: Date;

  static from(snapshot: Snapshot): SnapshotDto {
    const { seq, runId, kind, partial, fileCount, pinned, createdAt, completedAt } = snapshot;
    return { seq, runId, kind, partial, fileCount, totalBytes: Number(snapshot.totalBytes), pinned, createdAt, completedAt };
  }
}

export class UpdateSnapshotDto {
  @ApiProperty() @IsBoolean() pinned!: boolean;
}

export class ListEntriesQueryDto {
  @ApiPropertyOptional({ description: `${PATH_DESCRIPTION}; empty for the root`, example: 'documents/reports' })
  @IsOptional() @IsString() @MaxLength(MAX_BROWSE_PATH) path?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
  @ApiPropertyOptional({ minimum: 0, default: 0 }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(1_000_000_000) offset?: number;
  @ApiPropertyOptional({ enum: SORTS, default: 'name' }) @IsOptional() @IsIn(SORTS, { message: 'sort must be one of name, size, mtime' }) sort?: EntrySort;
  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'asc' }) @IsOptional() @IsIn(['asc', 'desc'], { message: 'order must be asc or desc' }) order?: 'asc' | 'desc';
}

export class EntryDto {
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ENTRY_TYPES }) type!: 'file' | 'dir' | 'symlink';
  @ApiProperty() size!: number;
  @ApiProperty() mtime!: Date;
  @ApiProperty({ type: String, nullable: true }) sha256!: string | null;
  @ApiProperty({ type: String, nullable: true }) linkTarget!: string | null;

  static from(entry: BrowseEntry): EntryDto {
    const { name, type, size, mtime, sha256, linkTarget } = entry;
    return { name, type, size, mtime, sha256, linkTarget };
  }
}

export class EntryPageDto {
  @ApiProperty({ description: 'The directory listed ("" for the root)' }) path!: string;
  @ApiProperty({ type: [EntryDto], description: 'Directories first, then by the chosen sort' }) entries!: EntryDto[];
  @ApiProperty({ description: 'Entries in the directory in all pages' }) total!: number;
}

export class PathQueryDto {
  @ApiProperty({ description: PATH_DESCRIPTION, example: 'documents/report.pdf' })
  @IsString() @MaxLength(MAX_BROWSE_PATH) path!: string;
}

export class VersionDto {
  @ApiProperty({ description: 'First snapshot holding this version' }) firstSeq!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'First snapshot no longer holding it; null while current' }) lastSeq!: number | null;
  @ApiProperty({ enum: ENTRY_TYPES }) type!: 'file' | 'dir' | 'symlink';
  @ApiProperty() size!: number;
  @ApiProperty() mtime!: Date;
  @ApiProperty({ type: String, nullable: true }) sha256!: string | null;
  @ApiProperty({ type: String, nullable: true }) linkTarget!: string | null;
  @ApiProperty({ type: Date, nullable: true, description: 'When the first snapshot holding it completed' }) firstSeenAt!: Date | null;
  @ApiProperty({ type: Date, nullable: true, description: 'When the snapshot that no longer held it completed' }) goneAt!: Date | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Newest unexpired snapshot holding this version, for downloads; null when all expired' })
  downloadSeq!: number | null;
}

export const MAX_ARCHIVE_PATHS = 1000;

export class ArchiveQueryDto {
  @ApiProperty({ enum: ARCHIVE_FORMATS, description: 'zip (stored, zip64 where needed), tar (pax names), or tar.gz' })
  @IsIn(ARCHIVE_FORMATS, { message: 'format must be one of zip, tar, tar.gz' }) format!: ArchiveFormat;
  @ApiPropertyOptional({ type: [String], description: `${PATH_DESCRIPTION}; repeat for a selection; none for the whole snapshot`, example: ['documents/reports'] })
  @IsOptional() @Transform(({ value }: { value: unknown }) => (Array.isArray(value) ? value : [value])) @IsArray()
  @ArrayMaxSize(MAX_ARCHIVE_PATHS) @IsString({ each: true }) @MaxLength(MAX_BROWSE_PATH, { each: true }) path?: string[];
}

export const MAX_FIND_QUERY = 1024;

export class FindQueryDto {
  @ApiProperty({ description: 'A name or a glob over the whole name (`*` any run, `?` one character); plain text matches anywhere in the name. Case-insensitive.', example: 'report*.xlsx' })
  @IsString() @MinLength(1, { message: 'q must not be empty' }) @MaxLength(MAX_FIND_QUERY) q!: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  @ApiPropertyOptional({ minimum: 0, default: 0 }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(1_000_000_000) offset?: number;
}

export class FoundVersionDto {
  @ApiProperty({ description: 'First snapshot holding this version' }) firstSeq!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'First snapshot no longer holding it; null while current' }) lastSeq!: number | null;
  @ApiProperty({ enum: ENTRY_TYPES }) type!: 'file' | 'dir' | 'symlink';
  @ApiProperty() size!: number;
  @ApiProperty() mtime!: Date;
  @ApiProperty({ type: String, nullable: true }) sha256!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Newest unexpired snapshot holding this version, for downloads and restores; null when all expired' })
  downloadSeq!: number | null;
}

export class FindHitDto {
  @ApiProperty({ description: PATH_DESCRIPTION }) path!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: [FoundVersionDto], description: 'Oldest first' }) versions!: FoundVersionDto[];
}

export class FindResultDto {
  @ApiProperty({ type: [FindHitDto], description: 'Ordered by directory, then name' }) hits!: FindHitDto[];
  @ApiProperty({ description: 'Matching paths in all pages' }) total!: number;
}

export class SnapshotTimeDto {
  @ApiProperty() seq!: number;
  @ApiProperty() completedAt!: Date;
  @ApiProperty() expired!: boolean;
}

export class HistoryDto {
  @ApiProperty() path!: string;
  @ApiProperty({ type: [VersionDto], description: 'Oldest first' }) versions!: VersionDto[];
  @ApiProperty({ type: [SnapshotTimeDto], description: "Every snapshot of the client, oldest first" }) snapshots!: SnapshotTimeDto[];
}
