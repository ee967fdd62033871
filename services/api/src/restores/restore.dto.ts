import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { type Restore, RESTORE_POLICIES, RESTORE_STATES, type RestoreLogLine, type RestorePolicy, type RestoreState } from '@backtrac/catalog';

export class RestoreDestinationDto {
  @ApiProperty({ format: 'uuid', description: 'The client whose share receives the files' }) @IsUUID() clientId!: string;
  @ApiProperty({ format: 'uuid', description: 'A share of that client' }) @IsUUID() shareId!: string;
  @ApiProperty({ description: 'Folder inside the share ("" for its root); created as needed', example: 'restored/2026-01-02' })
  @IsString() @MaxLength(4096) path!: string;
}

export class CreateRestoreDto {
  @ApiProperty({ format: 'uuid', description: 'The client whose snapshot is restored' }) @IsUUID() clientId!: string;
  @ApiPropertyOptional({ description: 'Snapshot sequence; exactly one of seq and asOf' }) @IsOptional() @IsInt() @Min(1) seq?: number;
  @ApiPropertyOptional({ description: 'Restore the newest good snapshot finished at or before this time; exactly one of seq and asOf', example: '2026-01-02T03:04:05Z' })
  @IsOptional() @IsISO8601({ strict: true }) asOf?: string;
  @ApiPropertyOptional({ type: [String], description: 'Paths inside the snapshot (share name first); empty or absent: the whole snapshot', example: ['docs/reports'] })
  @IsOptional() @IsArray() @ArrayMaxSize(10_000) @IsString({ each: true }) paths?: string[];
  @ApiPropertyOptional({ type: RestoreDestinationDto, description: 'Absent: back to the original shares and paths' })
  @IsOptional() @ValidateNested() @Type(() => RestoreDestinationDto) destination?: RestoreDestinationDto;
  @ApiProperty({ enum: RESTORE_POLICIES, description: 'What to do with a file that already exists at the destination' })
  @IsIn(RESTORE_POLICIES, { message: `policy must be one of ${RESTORE_POLICIES.join(', ')}` }) policy!: RestorePolicy;
  @ApiPropertyOptional({ description: 'Also remove files and folders at the destination that the snapshot does not have', default: false })
  @IsOptional() @IsBoolean() mirror?: boolean;
  @ApiPropertyOptional({ description: 'Must be true when mirror is: mirror deletes files', default: false }) @IsOptional() @IsBoolean() confirmMirror?: boolean;
  @ApiPropertyOptional({ description: 'Re-read every written file over SMB and compare its hash', default: false }) @IsOptional() @IsBoolean() verifyReadBack?: boolean;
}

export class ListRestoresQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only restores of this client\'s snapshots' }) @IsOptional() @IsUUID() clientId?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  @ApiPropertyOptional({ minimum: 0, default: 0 }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) offset?: number;
}

export class RestoreDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) clientId!: string;
  @ApiProperty() seq!: number;
  @ApiProperty({ type: [String] }) paths!: string[];
  @ApiProperty({ type: RestoreDestinationDto, nullable: true, description: 'null: the original shares and paths' }) destination!: RestoreDestinationDto | null;
  @ApiProperty({ enum: RESTORE_POLICIES }) policy!: RestorePolicy;
  @ApiProperty() mirror!: boolean;
  @ApiProperty() verifyReadBack!: boolean;
  @ApiProperty({ enum: RESTORE_STATES }) state!: RestoreState;
  @ApiProperty({ description: 'Files written' }) restored!: number;
  @ApiProperty({ description: 'Files left as they were (already identical, or by policy)' }) skipped!: number;
  @ApiProperty({ description: 'Files written under a dated name beside an existing one (rename policy)' }) renamed!: number;
  @ApiProperty({ description: 'Entries that could not be restored (see the log)' }) failed!: number;
  @ApiProperty({ description: 'Entries removed from the destination by mirror' }) removed!: number;
  @ApiProperty({ description: 'Bytes written' }) bytes!: number;
  @ApiProperty({ type: Number, nullable: true }) filesTotal!: number | null;
  @ApiProperty({ type: Number, nullable: true }) bytesTotal!: number | null;
  @ApiProperty({ type: String, nullable: true }) requestedBy!: string | null;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty({ type: Date, nullable: true }) startedAt!: Date | null;
  @ApiProperty({ type: Date, nullable: true }) finishedAt!: Date | null;

  static from(r: Restore): RestoreDto {
    return {
      id: r.id, clientId: r.clientId, seq: r.seq, paths: r.paths,
      destination: r.targetShareId && r.targetClientId ? { clientId: r.targetClientId, shareId: r.targetShareId, path: r.targetPath } : null,
      policy: r.policy, mirror: r.mirror, verifyReadBack: r.verifyReadBack, state: r.state,
      restored: r.restored, skipped: r.skipped, renamed: r.renamed, failed: r.failed, removed: r.removed, bytes: Number(r.bytes),
      filesTotal: r.filesTotal, bytesTotal: r.bytesTotal === null ? null : Number(r.bytesTotal),
      requestedBy: r.requestedBy, error: r.error, createdAt: r.createdAt, startedAt: r.startedAt, finishedAt: r.finishedAt,
    };
  }
}

export class RestorePageDto {
  @ApiProperty({ type: [RestoreDto] }) items!: RestoreDto[];
  @ApiProperty() total!: number;
}

export class RestoreLogQueryDto {
  @ApiPropertyOptional({ description: 'Only lines after this id', example: '0' })
  @IsOptional() @Matches(/^[0-9]{1,18}$/, { message: 'afterId must be a non-negative integer' }) afterId?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 200 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}

export class RestoreLogLineDto {
  @ApiProperty() id!: string;
  @ApiProperty() at!: Date;
  @ApiProperty({ enum: ['debug', 'info', 'warn', 'error'] }) level!: 'debug' | 'info' | 'warn' | 'error';
  @ApiProperty() message!: string;
  @ApiProperty({ type: String, nullable: true }) path!: string | null;

  static from(line: RestoreLogLine): RestoreLogLineDto {
    return { id: String(line.id), at: line.at, level: line.level, message: line.message, path: line.path };
  }
}

export class RestoreLogPageDto {
  @ApiProperty({ type: [RestoreLogLineDto] }) lines!: RestoreLogLineDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `afterId` to read on; null when no line was returned' }) lastId!: string | null;
}
