import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsUUID, Matches, Max, Min } from 'class-validator';
import { type BackupRunWithClient, RUN_STATES, type RunLogLine, type RunState, type StoreGrowthPoint } from '@backtrac/catalog';

export class ListRunsQueryDto {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() clientId?: string;
  @ApiPropertyOptional({ enum: RUN_STATES }) @IsOptional() @IsIn(RUN_STATES, { message: `state must be one of ${RUN_STATES.join(', ')}` }) state?: RunState;
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  @ApiPropertyOptional({ format: 'uuid', description: 'Cursor: the last run id of the previous page' }) @IsOptional() @IsUUID() before?: string;
}

export class RunDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) clientId!: string;
  @ApiProperty() clientName!: string;
  @ApiProperty() jobId!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'Snapshot sequence, once the run started' }) seq!: number | null;
  @ApiProperty({ enum: ['full', 'incremental'] }) kind!: 'full' | 'incremental';
  @ApiProperty({ enum: ['schedule', 'manual', 'agent'] }) trigger!: 'schedule' | 'manual' | 'agent';
  @ApiProperty({ enum: RUN_STATES }) state!: RunState;
  @ApiProperty({ type: String, enum: ['walk', 'journal'], nullable: true }) mode!: 'walk' | 'journal' | null;
  @ApiProperty() filesNew!: number;
  @ApiProperty() filesChanged!: number;
  @ApiProperty() filesUnchanged!: number;
  @ApiProperty() filesSkipped!: number;
  @ApiProperty() filesDeleted!: number;
  @ApiProperty() bytesRead!: number;
  @ApiProperty() bytesStoredNew!: number;
  @ApiProperty() bytesTotal!: number;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty() attempts!: number;
  @ApiProperty() queuedAt!: Date;
  @ApiProperty({ type: Date, nullable: true }) startedAt!: Date | null;
  @ApiProperty({ type: Date, nullable: true }) finishedAt!: Date | null;

  static from(run: BackupRunWithClient): RunDto {
    return {
      id: run.id, clientId: run.clientId, clientName: run.clientName, jobId: run.jobId, seq: run.seq, kind: run.kind, trigger: run.trigger,
      state: run.state, mode: run.mode, filesNew: run.filesNew, filesChanged: run.filesChanged, filesUnchanged: run.filesUnchanged,
      filesSkipped: run.filesSkipped, filesDeleted: run.filesDeleted, bytesRead: Number(run.bytesRead), bytesStoredNew: Number(run.bytesStoredNew),
      bytesTotal: Number(run.bytesTotal), error: run.error, attempts: run.attempts, queuedAt: run.queuedAt, startedAt: run.startedAt, finishedAt: run.finishedAt,
    };
  }
}

export class RunPageDto {
  @ApiProperty({ type: [RunDto] }) runs!: RunDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `before` for the next page; null on the last page' }) nextBefore!: string | null;
}

export class RunLogQueryDto {
  @ApiPropertyOptional({ description: 'Only lines after this id', example: '0' })
  @IsOptional() @Matches(/^[0-9]{1,18}$/, { message: 'afterId must be a non-negative integer' }) afterId?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 200 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}

export class RunLogLineDto {
  @ApiProperty() id!: string;
  @ApiProperty() at!: Date;
  @ApiProperty({ enum: ['debug', 'info', 'warn', 'error'] }) level!: 'debug' | 'info' | 'warn' | 'error';
  @ApiProperty() message!: string;
  @ApiProperty({ type: String, nullable: true }) path!: string | null;

  static from(line: RunLogLine): RunLogLineDto {
    return { id: String(line.id), at: line.at, level: line.level, message: line.message, path: line.path };
  }
}

export class RunLogPageDto {
  @ApiProperty({ type: [RunLogLineDto] }) lines!: RunLogLineDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `afterId` to read on; null when no line was returned' }) lastId!: string | null;
}

export class StoreStatsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}

export class StoreGrowthPointDto {
  @ApiProperty({ format: 'uuid' }) runId!: string;
  @ApiProperty({ format: 'uuid' }) clientId!: string;
  @ApiProperty() clientName!: string;
  @ApiProperty({ type: Number, nullable: true }) seq!: number | null;
  @ApiProperty() finishedAt!: Date;
  @ApiProperty({ description: 'Size of every file in the snapshot' }) bytesTotal!: number;
  @ApiProperty({ description: 'Bytes the pool did not already hold' }) bytesStoredNew!: number;
  @ApiProperty({ description: 'Bytes read from the client' }) bytesRead!: number;
  @ApiProperty({ description: 'Bytes stored by this and every earlier run' }) storedCumulative!: number;
  @ApiProperty({ description: 'bytesTotal / bytesStoredNew (how many times deduplication saved the space); null when nothing new was stored', type: Number, nullable: true })
  dedupRatio!: number | null;

  static from(point: StoreGrowthPoint): StoreGrowthPointDto {
    const { runId, clientId, clientName, seq, finishedAt, bytesTotal, bytesStoredNew, bytesRead, storedCumulative } = point;
    return { runId, clientId, clientName, seq, finishedAt, bytesTotal, bytesStoredNew, bytesRead, storedCumulative, dedupRatio: bytesStoredNew > 0 ? bytesTotal / bytesStoredNew : null };
  }
}

export class StoreStatsDto {
  @ApiProperty({ type: [StoreGrowthPointDto], description: 'Finished runs, oldest first' }) points!: StoreGrowthPointDto[];
  @ApiProperty({ description: 'Sum of bytesTotal over the points' }) logicalBytes!: number;
  @ApiProperty({ description: 'Sum of bytesStoredNew over the points' }) storedBytes!: number;
}
